import { describe, expect, it } from 'vitest';
import { sampleStream } from '../../src/notify/announcement-port.ts';
import { emptyDeliveryStatus } from '../../src/store/records.ts';
import { renderLiveAnnouncement } from '../../src/views/announcement.ts';
import { DISCORD_LIMITS } from '../../src/views/discord-limits.ts';
import {
	deliveryHint,
	LIST_PAGE_CHARACTERS,
	renderPreview,
	renderWatchAdded,
	renderWatchList,
	renderWatchRemoved,
} from '../../src/views/watch.ts';
import { watchSuggestions } from '../../src/views/watch-choices.ts';
import type { WatchListEntry } from '../../src/watch/list-watches.ts';
import type { PreviewOutcome } from '../../src/watch/preview-announcement.ts';
import { makeWatch } from '../support/fixtures.ts';
import { GUILD, NEWS, NOW, ROLE } from '../watch/watch-fixtures.ts';

function entry(index: number, overrides: Partial<WatchListEntry> = {}): WatchListEntry {
	const id = String(1000 + index);
	return {
		watch: makeWatch(GUILD, id, { login: `streamer${index}`, displayName: `Streamer${index}`, channelId: NEWS }),
		targetChannelId: NEWS,
		usesDefaultChannel: false,
		status: 'offline',
		instant: null,
		delivery: { version: 1, guildId: GUILD, twitchUserId: id, ...emptyDeliveryStatus(), lastAnnouncedAt: null },
		currentProblem: null,
		...overrides,
	};
}

describe('/watch list rendering', () => {
	it('shows each watch with its target, status and last announcement', () => {
		const announced = entry(1, { status: 'live' });
		const watch = { ...announced.watch, roleId: ROLE };
		const delivery = { ...announced.delivery, lastAnnouncedAt: NOW - 3_600_000 };
		const reply = renderWatchList(
			{ entries: [{ ...announced, watch, delivery }, entry(2, { usesDefaultChannel: true })], watchLimit: 100 },
			1,
			NOW,
		);
		const embed = reply.embeds?.[0];
		expect(embed?.title).toBe('Watched Twitch channels: 2 of 100');
		expect(embed?.description).toBe(
			[
				`**Streamer1** · 🔴 live · → <#${NEWS}> · pings <@&${ROLE}> · last announced <t:1748775600:R>`,
				'',
				`**Streamer2** · ⚫ offline · → <#${NEWS}> (default) · not announced yet`,
			].join('\n'),
		);
		expect(reply.allowedMentions).toEqual({ parse: [] });
	});

	it('shows a paused watch with the reason and how to resume it', () => {
		const listed = entry(1);
		const deleted = {
			...listed.watch,
			paused: { reason: 'channel-deleted' as const, channelId: NEWS, at: NOW - 60_000 },
		};
		const blind = { ...entry(2).watch, paused: { reason: 'no-access' as const, channelId: NEWS, at: NOW } };
		const reply = renderWatchList(
			{
				entries: [
					{ ...listed, watch: deleted },
					{ ...entry(2), watch: blind },
				],
				watchLimit: 100,
			},
			1,
			NOW,
		);
		const description = reply.embeds?.[0]?.description ?? '';
		expect(description).toContain(`⏸️ Paused <t:${(NOW - 60_000) / 1000}:R>: <#${NEWS}> was deleted`);
		expect(description).toContain('/watch settings default-channel:');
		expect(description).toContain(`the bot cannot see <#${NEWS}> (View Channel)`);
		expect(description).toContain('run `/watch test` to resume');
		expect(reply.embeds?.[0]?.footer?.text).toBe('2 with a problem');
	});

	it('says per channel whether EventSub pushes its go-lives or polling alone finds them, when EventSub is on', () => {
		const on = renderWatchList(
			{ entries: [entry(1, { instant: true }), entry(2, { instant: false })], watchLimit: 100 },
			1,
			NOW,
		).embeds?.[0]?.description;
		expect(on).toContain('**Streamer1** · ⚫ offline · → <#');
		expect(on).toMatch(/Streamer1.*⚡ instant/);
		expect(on).toMatch(/Streamer2.*⏱️ polled/);
		const off = renderWatchList({ entries: [entry(1)], watchLimit: 100 }, 1, NOW).embeds?.[0]?.description;
		expect(off).not.toMatch(/instant|polled/);
	});

	it('flags a watch with no channel to post in', () => {
		const reply = renderWatchList({ entries: [entry(1, { targetChannelId: null })], watchLimit: 100 }, 1, NOW);
		expect(reply.embeds?.[0]?.description).toContain('→ no channel');
		expect(reply.embeds?.[0]?.description).toContain('⚠️ No channel to post in');
		expect(reply.embeds?.[0]?.footer?.text).toBe('1 with a problem');
	});

	it('splits a long list into pages that fit an embed, and shows the one asked for', () => {
		const entries = Array.from({ length: 150 }, (_, index) => entry(index));
		const first = renderWatchList({ entries, watchLimit: 500 }, 1, NOW);
		const description = first.embeds?.[0]?.description ?? '';
		expect(description.length).toBeLessThanOrEqual(LIST_PAGE_CHARACTERS);
		expect(description.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedDescription);
		const footer = first.embeds?.[0]?.footer?.text ?? '';
		const pages = Number(/Page 1 of (\d+)/.exec(footer)?.[1]);
		expect(pages).toBeGreaterThan(1);
		expect(footer).toContain('/watch list page:2 for more');
		// Every watch is on exactly one page.
		const all = Array.from(
			{ length: pages },
			(_, index) => renderWatchList({ entries, watchLimit: 500 }, index + 1, NOW).embeds?.[0]?.description ?? '',
		).join('\n\n');
		expect(all.match(/\*\*Streamer\d+\*\*/g)).toHaveLength(150);
		// A page past the end shows the last one.
		expect(renderWatchList({ entries, watchLimit: 500 }, 99, NOW).embeds?.[0]?.footer?.text).toBe(
			`Page ${pages} of ${pages}`,
		);
	});

	it('invites to add a watch when there is none', () => {
		expect(renderWatchList({ entries: [], watchLimit: 100 }, 1, NOW).content).toContain('/watch add channel:<login>');
	});

	it('has a hint for missing access, missing permissions and a deleted channel', () => {
		expect(deliveryHint(50001, NEWS)).toContain(`View Channel in <#${NEWS}>`);
		expect(deliveryHint(50013, NEWS)).toContain(`Send Messages and Embed Links in <#${NEWS}>`);
		expect(deliveryHint(10003, NEWS)).toContain('The channel was deleted');
		expect(deliveryHint(429, NEWS)).toBeNull();
	});
});

describe('/watch add and test rendering', () => {
	it('confirms an added watch with its channel, role and how to preview it', () => {
		const watch = makeWatch(GUILD, '1001', { login: 'alpha', displayName: 'Alpha', roleId: ROLE });
		const text = renderWatchAdded({
			watch,
			targetChannelId: NEWS,
			usesDefaultChannel: true,
			uncheckedReason: null,
			watchCount: 3,
			watchLimit: 100,
		}).content;
		expect(text).toBe(
			[
				'✅ Watching **Alpha** (https://www.twitch.tv/alpha): 3 of 100 watches used.',
				`When they go live I’ll post in <#${NEWS}> (the server’s default channel), pinging <@&${ROLE}>.`,
				'See how the announcement looks with `/watch test channel:alpha`.',
			].join('\n'),
		);
	});

	it('carries the preview in the reply, with the reason, when it could not be posted', () => {
		const watch = makeWatch(GUILD, '1001', { login: 'alpha', displayName: 'Alpha' });
		const message = renderLiveAnnouncement({
			stream: sampleStream({ userId: '1001', login: 'alpha', displayName: 'Alpha' }, NOW),
			template: null,
			roleId: null,
			now: NOW,
			preview: true,
		});
		const outcome: PreviewOutcome = {
			watch,
			targetChannelId: NEWS,
			message,
			live: false,
			filteredOut: false,
			posted: null,
			notPostedBecause: {
				kind: 'target-blocked',
				problem: { kind: 'cannot-post', channelId: NEWS, missing: ['Embed Links'], roleId: null },
			},
		};
		const reply = renderPreview(outcome);
		expect(reply.content).toContain(
			`I didn’t post the preview for **Alpha** in <#${NEWS}>. I can’t post in <#${NEWS}>: missing Embed Links.`,
		);
		expect(reply.content).toContain('Alpha is live: This is how the announcement will look');
		expect(reply.embeds).toEqual(message.embeds);
		expect(reply.allowedMentions).toEqual({ parse: [] });
	});

	it('links to the posted preview', () => {
		const watch = makeWatch(GUILD, '1001', { login: 'alpha', displayName: 'Alpha' });
		const reply = renderPreview({
			watch,
			targetChannelId: NEWS,
			message: { content: '', embeds: [], components: [], allowed_mentions: { parse: [], roles: [] } },
			live: true,
			filteredOut: true,
			posted: { channelId: NEWS, messageId: '77' },
			notPostedBecause: null,
		});
		expect(reply.content).toContain(`in <#${NEWS}>: https://discord.com/channels/${GUILD}/${NEWS}/77`);
		expect(reply.content).toContain('would **not** be announced');
	});
});

describe('Twitch text in /watch replies', () => {
	it('shows Twitch names without the right-to-left override or other bidi controls', () => {
		const listed = entry(1);
		const watch = { ...listed.watch, displayName: '\u2067Stream\u202Eer1\u200F' };
		const replies = [
			renderWatchList({ entries: [{ ...listed, watch }], watchLimit: 100 }, 1, NOW),
			renderWatchAdded({
				watch,
				targetChannelId: NEWS,
				usesDefaultChannel: false,
				uncheckedReason: null,
				watchCount: 1,
				watchLimit: 100,
			}),
			renderWatchRemoved(watch),
		];
		for (const reply of replies)
			expect(JSON.stringify(reply)).not.toMatch(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/);
		expect(replies[0]?.embeds?.[0]?.description).toMatch(/^\*\*Streamer1\*\* · /);
		expect(watchSuggestions([watch], '')).toEqual([{ name: 'Streamer1', value: 'streamer1' }]);
	});
});
