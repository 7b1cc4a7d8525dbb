/**
 * The summary card of an ended stream: the ended post with a StreamSummary shows its numbers as fields, within
 * Discord's embed limits, and the uploaded chart as the embed's image; without a summary it is the post it was.
 */
import type { APIEmbed } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import type { AnnouncedStream } from '../../src/notify/announcement-port.ts';
import type { StreamSummary } from '../../src/notify/stream-summary.ts';
import { renderEndedAnnouncement } from '../../src/views/announcement.ts';
import { DISCORD_LIMITS } from '../../src/views/discord-limits.ts';
import { EMBED_COLORS } from '../../src/views/reply.ts';

const STARTED = Date.parse('2025-06-01T18:00:00Z');
const ENDED = STARTED + 3 * 3_600_000 + 25 * 60_000;
const MINUTE = 60_000;
const at = (minutes: number) => `<t:${Math.floor((STARTED + minutes * MINUTE) / 1000)}:t>`;

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

const summary: StreamSummary = {
	durationMs: ENDED - STARTED,
	peakViewers: 12_345,
	peakAt: STARTED + 95 * MINUTE,
	averageViewers: 8_021,
	categories: [
		{ gameId: '1', gameName: 'Just Chatting', durationMs: 20 * MINUTE },
		{ gameId: '2', gameName: 'Celeste', durationMs: 2 * 3_600_000 + 50 * MINUTE },
		{ gameId: '', gameName: '', durationMs: 15 * MINUTE },
	],
	titles: [
		{ title: 'Chatting first', at: STARTED },
		{ title: 'Any% **practice**', at: STARTED + 20 * MINUTE },
	],
	sampleCount: 205,
	chartable: true,
};

/** Every text Discord counts towards the 6000 characters of a message's embeds. */
function embedLength(embed: APIEmbed): number {
	return [
		embed.title,
		embed.description,
		embed.author?.name,
		embed.footer?.text,
		...(embed.fields ?? []).flatMap((field) => [field.name, field.value]),
	].reduce((sum, text) => sum + (text?.length ?? 0), 0);
}

function expectWithinLimits(embed: APIEmbed): void {
	expect(embedLength(embed)).toBeLessThanOrEqual(DISCORD_LIMITS.embedsTotal);
	expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.embedFields);
	for (const field of embed.fields ?? []) {
		expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
		expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
		expect(field.value.trim()).not.toBe('');
	}
}

describe('the ended post with a stream summary', () => {
	it('shows duration, peak and average viewers, categories with their time and the title changes as fields', () => {
		const message = renderEndedAnnouncement({ stream, endedAt: ENDED, vodUrl: null, summary });
		const [embed] = message.embeds;
		expect(embed?.fields).toEqual([
			{ name: 'Duration', value: '3 h 25 min', inline: true },
			{ name: 'Peak viewers', value: `12,345 at ${at(95)}`, inline: true },
			{ name: 'Average viewers', value: '8,021', inline: true },
			{
				name: 'Categories',
				value: 'Just Chatting · 20 min\nCeleste · 2 h 50 min\n*No category* · 15 min',
				inline: false,
			},
			{ name: 'Titles', value: `${at(0)} Chatting first\n${at(20)} Any% \\*\\*practice\\*\\*`, inline: false },
		]);
		expect(message.content).toBe('Sandy was live for 3 h 25 min.');
		expect(embed?.description).toBe('The stream is over.');
		expect(embed?.image).toBeUndefined();
	});

	it('keeps the VOD link as the post without a summary has it', () => {
		const vodUrl = 'https://www.twitch.tv/videos/123';
		const message = renderEndedAnnouncement({ stream, endedAt: ENDED, vodUrl, summary });
		const [embed] = message.embeds;
		expect(embed?.url).toBe(vodUrl);
		expect(embed?.description).toBe('The stream is over. The recording is on Twitch.');
		expect(JSON.stringify(message.components)).toContain(vodUrl);
	});

	it('names one category "Category", and shows no title field when the title never changed', () => {
		const message = renderEndedAnnouncement({
			stream,
			endedAt: ENDED,
			vodUrl: null,
			summary: {
				...summary,
				categories: [{ gameId: '2', gameName: 'Celeste', durationMs: summary.durationMs }],
				titles: [{ title: stream.title, at: STARTED }],
			},
		});
		const names = message.embeds[0]?.fields?.map((field) => field.name);
		expect(names).toEqual(['Duration', 'Peak viewers', 'Average viewers', 'Category']);
		expect(message.embeds[0]?.fields?.[3]?.value).toBe('Celeste · 3 h 25 min');
	});

	it('says nothing of viewers when no sample was taken, and falls back to the stream’s category', () => {
		const message = renderEndedAnnouncement({
			stream,
			endedAt: ENDED,
			vodUrl: null,
			summary: {
				...summary,
				peakViewers: 0,
				peakAt: null,
				averageViewers: 0,
				categories: [],
				titles: [],
				sampleCount: 0,
			},
		});
		expect(message.embeds[0]?.fields).toEqual([
			{ name: 'Duration', value: '3 h 25 min', inline: true },
			{ name: 'Category', value: 'Celeste', inline: false },
		]);
	});

	it('lists at most 5 categories and 3 titles, then how many more, within Discord’s limits', () => {
		const long = 'W'.repeat(140);
		const many: StreamSummary = {
			...summary,
			categories: Array.from({ length: 40 }, (_, i) => ({
				gameId: String(i),
				gameName: `${long}${i}`,
				durationMs: 5 * MINUTE,
			})),
			titles: Array.from({ length: 60 }, (_, i) => ({ title: `**${long}** @everyone ${i}`, at: STARTED + i * MINUTE })),
		};
		const message = renderEndedAnnouncement({
			stream: { ...stream, title: 'T'.repeat(300), displayName: 'D'.repeat(300) },
			endedAt: ENDED,
			vodUrl: `https://www.twitch.tv/videos/${'9'.repeat(20)}`,
			summary: many,
			chart: { filename: 'viewers.png' },
		});
		const [embed] = message.embeds;
		if (!embed) throw new Error('no embed');
		expectWithinLimits(embed);
		const categories = embed.fields?.find((field) => field.name === 'Categories')?.value.split('\n');
		expect(categories).toHaveLength(6);
		expect(categories?.[0]).toBe(`${long}0 · 5 min`);
		expect(categories?.[5]).toBe('…and 35 more');
		const titles = embed.fields?.find((field) => field.name === 'Titles')?.value.split('\n');
		expect(titles).toHaveLength(4);
		expect(titles?.[3]).toBe('…and 57 more');
		// Escaped and defused as every title in an announcement is: no bold, no @everyone.
		expect(titles?.[0]).toContain('\\*\\*W');
		expect(titles?.[0]).toContain('@\u200beveryone');
		for (const line of [...(categories ?? []), ...(titles ?? [])]) expect(line.length).toBeLessThanOrEqual(220);
	});

	it('shows the chart as the embed’s image through its attachment:// name', () => {
		const message = renderEndedAnnouncement({
			stream,
			endedAt: ENDED,
			vodUrl: null,
			summary,
			chart: { filename: 'viewers.png' },
		});
		expect(message.embeds[0]?.image).toEqual({ url: 'attachment://viewers.png' });
	});

	it('shows in text a category name and a title the chart’s font cannot draw', () => {
		const message = renderEndedAnnouncement({
			stream,
			endedAt: ENDED,
			vodUrl: null,
			summary: {
				...summary,
				categories: [{ gameId: '9', gameName: '原神', durationMs: summary.durationMs }],
				titles: [
					{ title: 'start', at: STARTED },
					{ title: '雑談 🎮', at: STARTED + MINUTE },
				],
			},
			chart: { filename: 'viewers.png' },
		});
		const text = JSON.stringify(message.embeds[0]?.fields);
		expect(text).toContain('原神');
		expect(text).toContain('雑談 🎮');
	});
});

describe('the ended post without a summary', () => {
	it('is the post it was before summaries existed', () => {
		const expected = {
			content: 'Sandy was live for 3 h 25 min.',
			embeds: [
				{
					color: EMBED_COLORS.offline,
					author: { name: 'Sandy', url: 'https://www.twitch.tv/sandy' },
					title: 'Any% \\*\\*practice\\*\\*',
					url: 'https://www.twitch.tv/videos/123',
					description: 'The stream is over. The recording is on Twitch.',
					fields: [
						{ name: 'Category', value: 'Celeste', inline: true },
						{ name: 'Duration', value: '3 h 25 min', inline: true },
					],
					footer: { text: 'Twitch · stream 40000000001' },
					timestamp: new Date(ENDED).toISOString(),
				},
			],
			components: [
				{
					type: 1,
					components: [
						{ type: 2, style: 5, label: 'Watch the VOD', url: 'https://www.twitch.tv/videos/123' },
						{ type: 2, style: 5, label: 'Channel', url: 'https://www.twitch.tv/sandy' },
					],
				},
			],
			allowed_mentions: { parse: [], roles: [] },
		};
		const input = { stream, endedAt: ENDED, vodUrl: 'https://www.twitch.tv/videos/123' };
		expect(renderEndedAnnouncement(input)).toStrictEqual(expected);
		expect(renderEndedAnnouncement({ ...input, summary: undefined, chart: undefined })).toStrictEqual(expected);
	});
});
