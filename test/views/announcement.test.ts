import { describe, expect, it } from 'vitest';
import { type AnnouncedStream, sampleStream } from '../../src/notify/announcement-port.ts';
import {
	formatLiveStatus,
	isAnnouncementOf,
	renderEndedAnnouncement,
	renderLiveAnnouncement,
	renderWatchPreview,
} from '../../src/views/announcement.ts';
import { formatElapsed } from '../../src/views/quantities.ts';
import { livePreviewUrl } from '../../src/views/twitch-images.ts';

const NOW = Date.parse('2025-06-01T20:00:00Z');
const stream: AnnouncedStream = {
	streamId: '40000000001',
	userId: '1001',
	login: 'sandy',
	displayName: 'Sandy',
	title: 'Any% **practice**',
	gameName: 'Celeste',
	startedAt: '2025-06-01T18:00:00Z',
	thumbnailUrl: 'https://static-cdn.jtvnw.net/previews-ttv/live_user_sandy-{width}x{height}.jpg',
};

/** Man, woman, girl, boy joined by zero-width joiners: one emoji on screen, 11 UTF-16 units. */
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';
const FRANCE = '\u{1F1EB}\u{1F1F7}';
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

/** Whether `text` holds a lone surrogate (half an emoji), which Discord shows as a broken glyph. */
function hasLoneSurrogate(text: string): boolean {
	return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

describe('announcement rendering', () => {
	it('cuts a long title and name between grapheme clusters: no half emoji, ZWJ sequence or flag', () => {
		const message = renderLiveAnnouncement({
			// 255 + 11: the 256-unit embed title limit falls inside the family emoji.
			stream: { ...stream, title: `${'a'.repeat(254)}${FAMILY}`, displayName: `${'b'.repeat(253)}${FRANCE}` },
			template: null,
			roleId: null,
			now: NOW,
		});
		const [embed] = message.embeds;
		expect(embed?.title).toBe(`${'a'.repeat(254)}…`);
		expect(embed?.author?.name).toBe(`${'b'.repeat(253)}…`);
		expect(hasLoneSurrogate(`${embed?.title}${embed?.author?.name}`)).toBe(false);
	});

	it('strips the right-to-left override and other bidi controls from the title, name and category', () => {
		const tricky: AnnouncedStream = {
			...stream,
			title: 'Speedrun \u202Ednuor lanif\u202C \u2066today\u2069',
			displayName: 'San\u200Fdy\u202E',
			gameName: '\u061CCeleste\u200E',
		};
		const live = renderLiveAnnouncement({
			stream: tricky,
			template: '{streamer}: {title} ({game})',
			roleId: null,
			now: NOW,
		});
		const ended = renderEndedAnnouncement({ stream: tricky, endedAt: NOW, vodUrl: null });
		for (const message of [live, ended]) expect(JSON.stringify(message)).not.toMatch(BIDI);
		expect(live.content).toBe('Sandy: Speedrun dnuor lanif today (Celeste)');
		expect(live.embeds[0]?.author?.name).toBe('Sandy');
	});

	it('renders the live embed: escaped title, category, start time, sized thumbnail, stream id in the footer', () => {
		const message = renderLiveAnnouncement({ stream, template: null, roleId: null, now: NOW });
		const [embed] = message.embeds;
		expect(embed).toMatchObject({
			title: 'Any% \\*\\*practice\\*\\*',
			url: 'https://www.twitch.tv/sandy',
			author: { name: 'Sandy', url: 'https://www.twitch.tv/sandy' },
			footer: { text: 'Twitch · stream 40000000001' },
			timestamp: '2025-06-01T18:00:00.000Z',
		});
		expect(embed?.fields).toEqual([
			{ name: 'Category', value: 'Celeste', inline: true },
			{ name: 'Started', value: '<t:1748800800:R>', inline: true },
		]);
		expect(embed?.image?.url).toBe(
			`https://static-cdn.jtvnw.net/previews-ttv/live_user_sandy-1280x720.jpg?t=${NOW / 60_000}`,
		);
	});

	it('says "No category" when the stream has none', () => {
		const message = renderLiveAnnouncement({
			stream: { ...stream, gameName: '' },
			template: null,
			roleId: null,
			now: NOW,
		});
		expect(message.embeds[0]?.fields?.[0]).toEqual({ name: 'Category', value: '*No category*', inline: true });
	});

	it('changes the thumbnail URL over time so that Discord does not show a cached preview', () => {
		expect(livePreviewUrl(stream.thumbnailUrl, NOW)).not.toBe(livePreviewUrl(stream.thumbnailUrl, NOW + 60_000));
		expect(livePreviewUrl('https://x.test/a.jpg?size=1', NOW)).toBe(`https://x.test/a.jpg?size=1&t=${NOW / 60_000}`);
		expect(livePreviewUrl('', NOW)).toBe('');
	});

	it('adds a Watch link button to the channel', () => {
		const message = renderLiveAnnouncement({ stream, template: null, roleId: null, now: NOW });
		expect(message.components).toEqual([
			{ type: 1, components: [{ type: 2, style: 5, label: 'Watch', url: 'https://www.twitch.tv/sandy' }] },
		]);
	});

	it('allows only the watch role to be mentioned, and nothing without a role', () => {
		const withRole = renderLiveAnnouncement({ stream, template: null, roleId: '777000000000000001', now: NOW });
		expect(withRole.allowed_mentions).toEqual({ parse: [], roles: ['777000000000000001'] });
		expect(withRole.content).toBe('<@&777000000000000001> Sandy is live: Any% \\*\\*practice\\*\\*');
		const withoutRole = renderLiveAnnouncement({ stream, template: '{streamer} {url}', roleId: null, now: NOW });
		expect(withoutRole.allowed_mentions).toEqual({ parse: [], roles: [] });
		expect(withoutRole.content).toBe('Sandy https://www.twitch.tv/sandy');
	});

	it('renders the ended post with the duration and the VOD link', () => {
		const endedAt = Date.parse('2025-06-01T21:05:00Z');
		const message = renderEndedAnnouncement({ stream, endedAt, vodUrl: 'https://www.twitch.tv/videos/123' });
		expect(message.content).toBe('Sandy was live for 3 h 05 min.');
		expect(message.embeds[0]).toMatchObject({
			url: 'https://www.twitch.tv/videos/123',
			footer: { text: 'Twitch · stream 40000000001' },
		});
		expect(message.embeds[0]?.fields).toContainEqual({ name: 'Duration', value: '3 h 05 min', inline: true });
		expect(message.embeds[0]?.image).toBeUndefined();
		expect(JSON.stringify(message.components)).toContain('https://www.twitch.tv/videos/123');
		expect(message.allowed_mentions).toEqual({ parse: [], roles: [] });
	});

	it('renders the ended post without a VOD link when Twitch has no archive', () => {
		const message = renderEndedAnnouncement({ stream, endedAt: NOW, vodUrl: null });
		expect(JSON.stringify(message.components)).not.toContain('/videos/');
		expect(message.embeds[0]?.url).toBe('https://www.twitch.tv/sandy');
	});

	it('formats durations', () => {
		expect(formatElapsed(20_000)).toBe('20 s');
		expect(formatElapsed(42 * 60_000)).toBe('42 min');
		expect(formatElapsed(125 * 60_000)).toBe('2 h 05 min');
	});

	it('recognises its own post of a stream by the footer, and not that of another stream', () => {
		const message = renderLiveAnnouncement({ stream, template: null, roleId: null, now: NOW });
		expect(isAnnouncementOf(message, '40000000001')).toBe(true);
		expect(isAnnouncementOf(message, '4000000000')).toBe(false);
		expect(isAnnouncementOf({ embeds: [] }, '40000000001')).toBe(false);
		expect(isAnnouncementOf(null, '40000000001')).toBe(false);
	});

	it('renders a preview that pings nobody and is never taken for the real announcement', () => {
		const preview = renderLiveAnnouncement({
			stream,
			template: null,
			roleId: '777000000000000001',
			now: NOW,
			preview: true,
		});
		expect(preview.allowed_mentions).toEqual({ parse: [], roles: [] });
		expect(isAnnouncementOf(preview, stream.streamId)).toBe(false);
		const offline = sampleStream({ userId: '1001', login: 'sandy', displayName: 'Sandy' }, NOW);
		expect(
			renderLiveAnnouncement({ stream: offline, template: null, roleId: null, now: NOW, preview: true }).content,
		).toContain('Sandy');
	});

	it('previews a watch with its live stream, or with a sample while the channel is offline', () => {
		const watch = {
			twitchUserId: '1001',
			login: 'sandy',
			displayName: 'Sandy',
			template: '{streamer}: {title}',
			roleId: null,
		};
		expect(renderWatchPreview(watch, null, NOW).content).toBe('Sandy: This is how the announcement will look');
		const live = renderWatchPreview(
			watch,
			{
				id: '40000000001',
				userId: '1001',
				userLogin: 'sandy',
				userName: 'Sandy',
				gameId: '1',
				gameName: 'Celeste',
				title: 'live now',
				tags: [],
				viewerCount: 1,
				startedAt: '2025-06-01T18:00:00Z',
				language: 'en',
				thumbnailUrl: '',
				isMature: false,
			},
			NOW,
		);
		expect(live.content).toBe('Sandy: live now');
		expect(isAnnouncementOf(live, '40000000001')).toBe(false);
	});

	it('describes the live status for /watch list', () => {
		expect(formatLiveStatus(undefined)).toBe('offline');
		const state = {
			version: 1 as const,
			userId: '1001',
			status: 'live' as const,
			streamId: '40000000001',
			startedAt: '2025-06-01T18:00:00Z',
			title: '@everyone hi',
			gameId: '',
			gameName: '',
			login: 'sandy',
			displayName: 'Sandy',
			thumbnailUrl: '',
			viewerCount: 1,
			missingSince: null,
			lastEndedStreamId: null,
			endedAt: null,
			updatedAt: NOW,
		};
		expect(formatLiveStatus(state)).toBe('live since <t:1748800800:R>: @\u200beveryone hi');
		expect(formatLiveStatus({ ...state, status: 'offline', streamId: null })).toBe('offline');
	});
});
