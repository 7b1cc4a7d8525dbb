/**
 * DiscordMessages sends a message's files as uploads (multipart) against the fake Discord: the summary card's chart
 * reaches the edited post and its embed shows it through attachment://viewers.png, while a message without files
 * is sent as plain JSON as before, and the deadline and Discord's errors work as for any other write.
 */
import { DiscordAPIError, REST } from '@discordjs/rest';
import { type APIMessage, Routes } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AnnouncedStream, withOnlyFiles } from '../../src/notify/announcement-port.ts';
import {
	DiscordDeadlineError,
	DiscordMessages,
	type MessageFile,
	notifierRestOptions,
} from '../../src/notify/discord-messages.ts';
import { summarize, type ViewerSample } from '../../src/notify/stream-summary.ts';
import { renderEndedAnnouncement, renderLiveAnnouncement } from '../../src/views/announcement.ts';
import { renderViewerChart } from '../../src/views/viewer-chart.ts';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord/index.ts';

const STARTED = Date.parse('2025-06-01T18:00:00Z');
const ENDED = STARTED + 2 * 3_600_000;
const MINUTE = 60_000;

const stream: AnnouncedStream = {
	streamId: '40000000001',
	userId: '1001',
	login: 'sandy',
	displayName: 'Sandy',
	title: 'Any% practice',
	gameName: 'Celeste',
	startedAt: new Date(STARTED).toISOString(),
	thumbnailUrl: 'https://static-cdn.jtvnw.net/previews-ttv/live_user_sandy-{width}x{height}.jpg',
};

const samples: ViewerSample[] = Array.from({ length: 12 }, (_, i) => ({
	at: STARTED + i * 10 * MINUTE,
	viewers: 100 + i * 37,
	gameId: i < 4 ? '1' : '2',
	gameName: i < 4 ? 'Just Chatting' : 'Celeste',
	title: stream.title,
}));

let fake: FakeDiscord;
let rest: REST;
let messages: DiscordMessages;
let channelId: string;
let chart: Buffer;

beforeEach(async () => {
	fake = await startFakeDiscord();
	const guild = fake.addGuild({ name: 'Streamers' });
	channelId = fake.addChannel(guild.id, { name: 'live' }).id;
	rest = new REST(notifierRestOptions(fake.apiUrl, 2_000)).setToken(fake.botToken);
	messages = new DiscordMessages(rest, { deadlineMs: 2_000, botUserId: fake.botUserId });
	chart ??= (await renderViewerChart({ samples, title: stream.displayName, startedAt: STARTED, endedAt: ENDED })).png;
});
afterEach(() => fake.close());

const viewersPng = (data: Buffer = chart): MessageFile => ({ name: 'viewers.png', data, contentType: 'image/png' });

/** The go-live post, as the notifier creates it. */
async function postLive(files?: MessageFile[]): Promise<string> {
	const live = renderLiveAnnouncement({ stream, template: null, roleId: null, now: STARTED });
	const id = await messages.create(channelId, files ? { ...live, files } : live, { nonce: 'n-1' });
	if (!id) throw new Error('no message id');
	return id;
}

/** The end edit with the summary card and its chart, as stream-end will send it. */
function endedWithChart(png: Buffer = chart) {
	const summary = summarize(samples, { startedAt: STARTED, endedAt: ENDED });
	const ended = renderEndedAnnouncement({
		stream,
		endedAt: ENDED,
		vodUrl: null,
		summary,
		chart: { filename: 'viewers.png' },
	});
	return withOnlyFiles(ended, [viewersPng(png)]);
}

/** The message as Discord shows it (attachment:// resolved to the file's url). */
async function shown(messageId: string): Promise<APIMessage> {
	return (await rest.get(Routes.channelMessage(channelId, messageId))) as APIMessage;
}

describe('DiscordMessages with files', () => {
	it('edits the go-live post into the summary card with the chart uploaded and shown in the embed', async () => {
		const messageId = await postLive();

		await messages.edit(channelId, messageId, endedWithChart());

		const stored = fake.channelMessages(channelId)[0];
		const file = stored?.attachments[0];
		expect(stored?.attachments).toHaveLength(1);
		expect(file?.filename).toBe('viewers.png');
		expect(file?.contentType).toBe('image/png');
		expect(fake.attachmentBytes(messageId, 'viewers.png').equals(chart)).toBe(true);
		// The PATCH's JSON carries the list of files to keep, never the bytes.
		expect(stored?.edits[0]?.changes).toMatchObject({ attachments: [{ id: 0 }] });
		expect(stored?.edits[0]?.changes).not.toHaveProperty('files');
		expect(stored?.edits[0]?.files).toEqual(['viewers.png']);
		const message = await shown(messageId);
		expect(message.embeds[0]?.image?.url).toBe(file?.url);
		expect(message.embeds[0]?.image).toMatchObject({ width: 800, height: 300, content_type: 'image/png' });
		expect(message.embeds[0]?.fields?.map((field) => field.name)).toContain('Peak viewers');
		// Discord lists only the files no embed shows.
		expect(message.attachments).toEqual([]);
	});

	it('replaces an earlier chart with the new one, and leaves files alone on an edit without files', async () => {
		const messageId = await postLive();
		await messages.edit(channelId, messageId, endedWithChart());
		const first = fake.channelMessages(channelId)[0]?.attachments[0];

		// The same edit once more (a retry after a lost answer, a later VOD link): one file, the newer bytes.
		const newer = (await renderViewerChart({ samples: samples.slice(0, 6), title: 'Sandy' })).png;
		await messages.edit(channelId, messageId, endedWithChart(newer));
		let stored = fake.channelMessages(channelId)[0];
		expect(stored?.attachments).toHaveLength(1);
		expect(stored?.attachments[0]?.id).not.toBe(first?.id);
		expect(fake.attachmentBytes(messageId, 'viewers.png').equals(newer)).toBe(true);

		// An edit without files or `attachments` keeps what the message has.
		const { files: _files, attachments: _attachments, ...withoutFiles } = endedWithChart();
		const later = { ...withoutFiles, content: 'Sandy was live for 2 h 00 min!' };
		await messages.edit(channelId, messageId, later);
		stored = fake.channelMessages(channelId)[0];
		expect(stored?.content).toBe('Sandy was live for 2 h 00 min!');
		expect(stored?.attachments.map((file) => file.filename)).toEqual(['viewers.png']);
		expect(fake.attachmentBytes(messageId, 'viewers.png').equals(newer)).toBe(true);
		expect((await shown(messageId)).embeds[0]?.image?.url).toBe(stored?.attachments[0]?.url);
	});

	it('sends an end edit without a chart as plain JSON, as before files existed', async () => {
		const messageId = await postLive();
		const ended = renderEndedAnnouncement({ stream, endedAt: ENDED, vodUrl: null });

		await messages.edit(channelId, messageId, ended);

		const edit = fake.restLog.find((entry) => entry.method === 'PATCH');
		expect(edit?.files).toBeUndefined();
		expect(edit?.body).toEqual(JSON.parse(JSON.stringify(ended)));
		expect(fake.channelMessages(channelId)[0]?.attachments).toEqual([]);
	});

	it('treats an empty file list as no files', async () => {
		const messageId = await postLive();
		const ended = renderEndedAnnouncement({ stream, endedAt: ENDED, vodUrl: null });

		await messages.edit(channelId, messageId, { ...ended, files: [] });

		const edit = fake.restLog.find((entry) => entry.method === 'PATCH');
		expect(edit?.files).toBeUndefined();
		expect(edit?.body).not.toHaveProperty('files');
	});

	it('uploads files on create too, with the nonce still in the JSON', async () => {
		const messageId = await postLive([viewersPng()]);

		const stored = fake.channelMessages(channelId)[0];
		expect(stored?.id).toBe(messageId);
		expect(stored?.nonce).toBe('n-1');
		expect(stored?.enforceNonce).toBe(true);
		expect(fake.attachmentBytes(messageId, 'viewers.png').equals(chart)).toBe(true);
	});

	it('rejects with Discord’s 50013 when the bot may not attach files, the post unchanged', async () => {
		const messageId = await postLive();
		const guildId = fake.channelMessages(channelId)[0]?.guildId ?? '';
		fake.setChannelOverwrites(channelId, [{ id: guildId, type: 0, allow: '0', deny: String(1n << 15n) }]);

		const error = await messages.edit(channelId, messageId, endedWithChart()).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(DiscordAPIError);
		expect((error as DiscordAPIError).code).toBe(50013);
		expect(fake.channelMessages(channelId)[0]?.attachments).toEqual([]);
		expect(fake.channelMessages(channelId)[0]?.editedAt).toBeNull();
	});

	it('gives up an upload Discord never answers at the deadline', async () => {
		const messageId = await postLive();
		fake.failNext(`PATCH ${Routes.channelMessage(channelId, messageId)}`, { status: 0, hang: true }, 5);

		const error = await messages.edit(channelId, messageId, endedWithChart()).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(DiscordDeadlineError);
	});
});
