import { ButtonStyle, ComponentType, type Interaction, MessageFlags } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import live from '../../commands/live.ts';
import { handleInteraction } from '../../src/discord/interaction-boundary.ts';
import type { TwitchClient } from '../../src/twitch/index.ts';
import { renderLiveStream, renderOfflineChannel } from '../../src/views/live.ts';
import { fakeChatInput, INTERACTION_TEST_START, testContext } from '../discord/fake-interactions.ts';
import { type FakeTwitch, startFakeTwitch } from '../fakes/twitch/index.ts';
import { ManualClock } from '../support/clock.ts';
import { clientFor } from '../twitch/helpers.ts';
import { aStream, aUser, aVideo, NOW } from './twitch-data.ts';

describe('/live rendering when the channel is live', () => {
	const reply = renderLiveStream(aStream(), aUser(), NOW);
	const embed = reply.embeds?.[0];

	it('shows the title, category, viewers and uptime', () => {
		expect(embed?.title).toBe('Building a Discord bot');
		expect(embed?.fields).toEqual([
			{ name: 'Category', value: 'Science & Technology', inline: true },
			{ name: 'Viewers', value: '12,345', inline: true },
			// Started 09:55, now 12:00.
			{ name: 'Uptime', value: `2 h 05 min (since <t:${Date.parse(aStream().startedAt) / 1000}:t>)`, inline: true },
		]);
	});

	it('shows the preview at a real size with a query parameter that changes every minute', () => {
		expect(embed?.image?.url).toBe(
			`https://static-cdn.jtvnw.net/previews-ttv/live_user_twitchdev-1280x720.jpg?t=${Math.floor(NOW / 60_000)}`,
		);
		const aMinuteLater = renderLiveStream(aStream(), aUser(), NOW + 60_000).embeds?.[0]?.image?.url;
		expect(aMinuteLater).not.toBe(embed?.image?.url);
		expect(renderLiveStream(aStream(), aUser(), NOW + 30_000).embeds?.[0]?.image?.url).toBe(embed?.image?.url);
	});

	it('has a Watch link button to the channel', () => {
		expect(reply.components).toEqual([
			{
				type: ComponentType.ActionRow,
				components: [
					{
						type: ComponentType.Button,
						style: ButtonStyle.Link,
						label: 'Watch',
						url: 'https://www.twitch.tv/twitchdev',
					},
				],
			},
		]);
	});

	it('escapes markdown in the title and mentions no one', () => {
		const tricky = renderLiveStream(aStream({ title: '**FREE** skins @everyone' }), null, NOW);
		expect(tricky.embeds?.[0]?.title).toBe('\\*\\*FREE\\*\\* skins @everyone');
		expect(tricky.allowedMentions).toEqual({ parse: [] });
	});

	it('says "No category" when the streamer set none (Twitch sends an empty game)', () => {
		const uncategorized = renderLiveStream(aStream({ gameId: '', gameName: '' }), aUser(), NOW);
		expect(uncategorized.embeds?.[0]?.fields?.[0]?.value).toBe('*No category*');
	});

	it('cuts a title longer than Discord’s 256 characters with an ellipsis', () => {
		const long = renderLiveStream(aStream({ title: 'x'.repeat(400) }), aUser(), NOW).embeds?.[0]?.title ?? '';
		expect(long).toHaveLength(256);
		expect(long.endsWith('…')).toBe(true);
	});
});

describe('/live rendering when the channel is offline', () => {
	it('says so, with the profile and a link to the latest broadcast', () => {
		const reply = renderOfflineChannel(aUser(), aVideo());
		const embed = reply.embeds?.[0];
		expect(embed?.author?.name).toBe('TwitchDev is offline');
		expect(embed?.description).toBe('Supporting third-party developers building Twitch integrations.');
		expect(embed?.thumbnail?.url).toBe(aUser().profileImageUrl);
		expect(embed?.fields?.[0]?.name).toBe('Latest broadcast');
		expect(embed?.fields?.[0]?.value).toContain('[Twitch Developers 101](https://www.twitch.tv/videos/335921245)');
		expect(embed?.fields?.[0]?.value).toContain('3 h 08 min');
		expect(reply.components?.[0]?.components.map((button) => [button.label, button.url])).toEqual([
			['Channel', 'https://www.twitch.tv/twitchdev'],
			['Latest broadcast', 'https://www.twitch.tv/videos/335921245'],
		]);
	});

	it('says there is no past broadcast when Twitch keeps none', () => {
		const reply = renderOfflineChannel(aUser(), null);
		expect(reply.embeds?.[0]?.fields?.[0]?.value).toBe('No past broadcast is available.');
		expect(reply.components?.[0]?.components.map((button) => button.label)).toEqual(['Channel']);
	});
});

describe('/live against the fake Twitch', () => {
	let fake: FakeTwitch;
	let twitch: TwitchClient;
	beforeEach(async () => {
		fake = await startFakeTwitch();
		twitch = clientFor(fake);
	});
	afterEach(async () => {
		await twitch.close();
		await fake.close();
	});

	async function runLive(channel: string, clock = new ManualClock(INTERACTION_TEST_START)) {
		const ctx = testContext({ twitch, clock });
		const { interaction, answers } = fakeChatInput({ commandName: 'live', options: { channel } });
		await handleInteraction(interaction as Interaction, ctx, new Map([['live', live]]));
		return answers;
	}

	it('answers with the live embed for a live channel', async () => {
		const user = fake.addUser({ login: 'streamer', display_name: 'Streamer' });
		fake.goLive(user.id, { title: 'Live now', viewer_count: 42 });
		const answers = await runLive('streamer');
		expect(answers).toHaveLength(1);
		expect(answers[0]?.method).toBe('reply');
		expect(answers[0]?.payload.embeds[0].title).toBe('Live now');
		expect(answers[0]?.payload.flags).toBeUndefined();
	});

	it('answers with the offline embed and the VOD of the last stream', async () => {
		const user = fake.addUser({ login: 'resting' });
		fake.goLive(user.id, { title: 'Yesterday' });
		fake.endStream(user.id, { archive: true });
		const answers = await runLive('resting');
		const embed = answers[0]?.payload.embeds[0];
		expect(embed.author.name).toBe('resting is offline');
		expect(embed.fields[0].value).toContain('Yesterday');
	});

	it('tells the user privately that no channel has that name', async () => {
		const answers = await runLive('nobodyhere');
		expect(answers).toEqual([
			{
				method: 'reply',
				payload: expect.objectContaining({
					content: expect.stringContaining('No Twitch channel is called “nobodyhere”'),
					flags: MessageFlags.Ephemeral,
				}),
			},
		]);
	});

	it('rejects a malformed login with a friendly private reply and no request to Twitch', async () => {
		const answers = await runLive('not a login!');
		expect(answers[0]?.payload.content).toMatch(
			/is not a Twitch login: logins are 1–25 letters, digits or underscores/,
		);
		expect(answers[0]?.payload.flags).toBe(MessageFlags.Ephemeral);
		expect(fake.stats.total).toBe(0);
	});

	it('defers first when Twitch is slow, then edits in the answer', async () => {
		fake.addUser({ login: 'slowpoke' });
		fake.injectFault('/helix/users', { kind: 'delay', ms: 200 });
		// A clock whose deferral deadline passes at once: the slow answer arrives after the deferral.
		const answers = await runLive('slowpoke', new ManualClock(NOW, { instantSleeps: true }));
		expect(answers.map((answer) => answer.method)).toEqual(['deferReply', 'editReply']);
		expect(answers[1]?.payload.embeds[0].author.name).toBe('slowpoke is offline');
	});
});
