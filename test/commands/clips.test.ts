import type { Interaction } from 'discord.js';
import { describe, expect, it } from 'vitest';
import clips from '../../commands/clips.ts';
import { handleInteraction } from '../../src/discord/interaction-boundary.ts';
import { renderTopClips } from '../../src/views/clips.ts';
import { fakeChatInput, testContext } from '../discord/fake-interactions.ts';
import { aClip, aUser } from './twitch-data.ts';

describe('/clips rendering', () => {
	it('lists clips with link, views, length, clipper and date, for the period', () => {
		const reply = renderTopClips(
			aUser(),
			[
				aClip(),
				aClip({
					id: 'b',
					url: 'https://clips.twitch.tv/b',
					title: 'One [more]',
					viewCount: 1,
					creatorName: '',
					durationSeconds: 75,
				}),
			],
			'week',
		);
		const embed = reply.embeds?.[0];
		const created = Date.parse(aClip().createdAt) / 1000;
		expect(embed?.title).toBe('Top clips of TwitchDev of the last 7 days');
		expect(embed?.description?.split('\n')).toEqual([
			`**1.** [A great moment](https://clips.twitch.tv/AwkwardHelplessSalamanderSwiftRage) — 4,321 views · 27 s · by clipper · <t:${created}:R>`,
			`**2.** [One ⁅more⁆](https://clips.twitch.tv/b) — 1 view · 1 min 15 s · <t:${created}:R>`,
		]);
		expect(embed?.image?.url).toBe(aClip().thumbnailUrl);
	});

	it('says when the channel has no clips in the period', () => {
		expect(renderTopClips(aUser(), [], 'day').content).toBe('TwitchDev has no clips of the last 24 hours.');
	});
});

describe('/clips handler', () => {
	async function run(options: Record<string, string>) {
		const calls: unknown[] = [];
		const ctx = testContext({
			twitch: {
				getUserByLogin: async () => aUser(),
				getTopClips: async (broadcasterId, period, count) => {
					calls.push([broadcasterId, period, count]);
					return [aClip()];
				},
			},
		});
		const { interaction, answers } = fakeChatInput({ commandName: 'clips', options });
		await handleInteraction(interaction as Interaction, ctx, new Map([['clips', clips]]));
		return { calls, answers };
	}

	it('asks for the clips of the chosen period', async () => {
		const { calls } = await run({ channel: 'twitchdev', period: 'all' });
		expect(calls).toEqual([['141981764', 'all', 10]]);
	});

	it('uses the last 7 days when no period is chosen', async () => {
		const { calls, answers } = await run({ channel: 'twitchdev' });
		expect(calls).toEqual([['141981764', 'week', 10]]);
		expect(answers[0]?.payload.embeds[0].title).toContain('of the last 7 days');
	});
});
