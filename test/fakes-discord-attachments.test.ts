import { deflateSync } from 'node:zlib';
import { DiscordAPIError, type RawFile, REST } from '@discordjs/rest';
import { type APIMessage, Routes } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeDiscord, type FakeDiscordOptions, startFakeDiscord } from './fakes/discord/index.ts';

let fake: FakeDiscord;
let rest: REST;
let channelId: string;

async function startWorld(options: FakeDiscordOptions = {}): Promise<void> {
	fake = await startFakeDiscord(options);
	const guild = fake.addGuild({ name: 'Streamers' });
	channelId = fake.addChannel(guild.id, { name: 'live' }).id;
	rest = new REST({ api: fake.apiUrl, retries: 0 }).setToken(fake.botToken);
}

beforeEach(() => startWorld());
afterEach(() => fake.close());

/** A real PNG (width × height, one grey row repeated), so the bytes carry the signature and an IHDR chunk. */
function png(width: number, height: number): Buffer {
	const crcTable = Array.from({ length: 256 }, (_, n) => {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		return c >>> 0;
	});
	const crc = (data: Buffer) => {
		let c = 0xffffffff;
		for (const byte of data) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
		return (c ^ 0xffffffff) >>> 0;
	};
	const chunk = (type: string, data: Buffer) => {
		const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
		const out = Buffer.alloc(typed.length + 8);
		out.writeUInt32BE(data.length, 0);
		typed.copy(out, 4);
		out.writeUInt32BE(crc(typed), typed.length + 4);
		return out;
	};
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header.writeUInt8(8, 8); // bit depth
	header.writeUInt8(0, 9); // greyscale
	const rows = Buffer.concat(Array.from({ length: height }, () => Buffer.from([0, ...Array(width).fill(0x80)])));
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(rows)),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

const chart = png(40, 20);
const viewersPng = (data: Buffer = chart): RawFile => ({ name: 'viewers.png', data, contentType: 'image/png' });

async function post(body: Record<string, unknown>, files: RawFile[]): Promise<APIMessage> {
	return (await rest.post(Routes.channelMessages(channelId), { body, files })) as APIMessage;
}

async function patch(messageId: string, body: Record<string, unknown>, files?: RawFile[]): Promise<APIMessage> {
	const options = files === undefined ? { body } : { body, files };
	return (await rest.patch(Routes.channelMessage(channelId, messageId), options)) as APIMessage;
}

async function refusal(request: Promise<unknown>): Promise<DiscordAPIError> {
	const error = await request.then(
		() => null,
		(caught: unknown) => caught,
	);
	if (!(error instanceof DiscordAPIError)) throw new Error(`expected a DiscordAPIError, got ${String(error)}`);
	return error;
}

describe('fake Discord message attachments', () => {
	it('attaches an uploaded file on create and keeps its bytes', async () => {
		const created = await post({ content: 'Stream summary' }, [viewersPng()]);

		expect(created.attachments).toHaveLength(1);
		const [attachment] = created.attachments;
		expect(attachment).toMatchObject({
			filename: 'viewers.png',
			size: chart.length,
			content_type: 'image/png',
			width: 40,
			height: 20,
		});
		expect(attachment?.id).toMatch(/^\d{17,}$/);
		expect(attachment?.url).toContain(`/attachments/${channelId}/${attachment?.id}/viewers.png`);
		expect(attachment?.proxy_url).toContain(`/media/attachments/${channelId}/${attachment?.id}/viewers.png`);

		const bytes = fake.attachmentBytes(created.id, 'viewers.png');
		expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
		expect(bytes.equals(chart)).toBe(true);
		const [stored] = fake.channelMessages(channelId);
		expect(stored?.attachments.map((file) => file.filename)).toEqual(['viewers.png']);

		const served = await fetch(attachment?.url ?? '');
		expect(served.headers.get('content-type')).toBe('image/png');
		expect(Buffer.from(await served.arrayBuffer()).equals(chart)).toBe(true);
	});

	it('accepts a file alone, and records the upload in the REST log', async () => {
		const created = await post({}, [viewersPng()]);

		expect(created.content).toBe('');
		expect(created.attachments.map((file) => file.filename)).toEqual(['viewers.png']);
		const entry = fake.restLog.find((logged) => logged.method === 'POST');
		expect(entry?.files).toEqual([
			{ field: 'files[0]', filename: 'viewers.png', size: chart.length, contentType: 'image/png' },
		]);
	});

	it('adds a file on edit when `attachments` lists the upload by its files[n] index', async () => {
		const created = await post({ content: 'Live now' }, []);
		expect(created.attachments).toEqual([]);

		const edited = await patch(created.id, { content: 'Stream ended', attachments: [{ id: 0 }] }, [viewersPng()]);

		expect(edited.content).toBe('Stream ended');
		expect(edited.attachments.map((file) => file.filename)).toEqual(['viewers.png']);
		expect(fake.attachmentBytes(created.id, 'viewers.png').equals(chart)).toBe(true);
		const [stored] = fake.channelMessages(channelId);
		expect(stored?.edits).toHaveLength(1);
		expect(stored?.edits[0]?.files).toEqual(['viewers.png']);
		expect(stored?.edits[0]?.before.attachments).toEqual([]);
		expect(stored?.edits[0]?.changes).toEqual({ content: 'Stream ended', attachments: [{ id: 0 }] });
	});

	it('keeps an existing file listed by id and drops the unlisted ones', async () => {
		const notes = { name: 'notes.txt', data: Buffer.from('peak 1234'), contentType: 'text/plain' };
		const created = await post({ content: 'Summary' }, [viewersPng(), notes]);
		const kept = created.attachments.find((file) => file.filename === 'notes.txt');

		const edited = await patch(created.id, { content: 'Summary (updated)', attachments: [{ id: kept?.id }] });

		expect(edited.attachments.map((file) => [file.id, file.filename])).toEqual([[kept?.id, 'notes.txt']]);
		expect(fake.attachmentBytes(created.id, 'notes.txt').toString()).toBe('peak 1234');
		expect(() => fake.attachmentBytes(created.id, 'viewers.png')).toThrow(/no file viewers\.png/);
		const [stored] = fake.channelMessages(channelId);
		expect(stored?.edits[0]?.before.attachments.map((file) => file.filename)).toEqual(['viewers.png', 'notes.txt']);
	});

	it('replaces a file: the old one kept out of `attachments`, the new upload listed as { id: 0 }', async () => {
		const created = await post({ content: 'Summary' }, [viewersPng()]);
		const newer = png(60, 30);

		const edited = await patch(created.id, { attachments: [{ id: 0 }] }, [viewersPng(newer)]);

		expect(edited.attachments).toHaveLength(1);
		expect(edited.attachments[0]?.id).not.toBe(created.attachments[0]?.id);
		expect(edited.attachments[0]).toMatchObject({ filename: 'viewers.png', width: 60, height: 30 });
		expect(fake.attachmentBytes(created.id, 'viewers.png').equals(newer)).toBe(true);
	});

	it('removes every file on an edit with `attachments: []`', async () => {
		const created = await post({ content: 'Summary' }, [viewersPng()]);

		const edited = await patch(created.id, { content: 'No chart', attachments: [] });

		expect(edited.attachments).toEqual([]);
		expect(fake.channelMessages(channelId)[0]?.attachments).toEqual([]);
		const fetched = (await rest.get(Routes.channelMessage(channelId, created.id))) as APIMessage;
		expect(fetched.attachments).toEqual([]);
	});

	it('keeps the files on an edit without `attachments`, and appends new uploads', async () => {
		const created = await post({ content: 'Summary' }, [viewersPng()]);

		const textOnly = await patch(created.id, { content: 'Summary, edited' });
		expect(textOnly.attachments.map((file) => file.id)).toEqual([created.attachments[0]?.id]);

		const notes = { name: 'notes.txt', data: Buffer.from('notes'), contentType: 'text/plain' };
		const appended = await patch(created.id, { content: 'Summary, with notes' }, [notes]);
		expect(appended.attachments.map((file) => file.filename)).toEqual(['viewers.png', 'notes.txt']);
		const fetched = (await rest.get(Routes.channelMessage(channelId, created.id))) as APIMessage;
		expect(fetched.attachments.map((file) => file.filename)).toEqual(['viewers.png', 'notes.txt']);
	});

	it('shows the upload in an embed through attachment://viewers.png, leaving it out of `attachments`', async () => {
		const embed = { title: 'Stream summary', image: { url: 'attachment://viewers.png' } };
		const created = await post({ embeds: [embed] }, [viewersPng()]);

		const stored = fake.channelMessages(channelId)[0];
		const file = stored?.attachments[0];
		expect(file?.filename).toBe('viewers.png');
		expect(created.embeds[0]?.image).toEqual({
			url: file?.url,
			proxy_url: file?.proxyUrl,
			width: 40,
			height: 20,
			content_type: 'image/png',
		});
		// Discord lists only the files no embed shows.
		expect(created.attachments).toEqual([]);
		// The fake's own record keeps the embed as sent.
		expect(stored?.embeds[0]).toMatchObject({ image: { url: 'attachment://viewers.png' } });
	});

	it('adds the chart to an existing card on edit, the embed pointing at the new upload', async () => {
		const created = await post({ embeds: [{ title: 'Live now' }] }, []);

		const edited = await patch(
			created.id,
			{ embeds: [{ title: 'Stream summary', image: { url: 'attachment://viewers.png' } }], attachments: [{ id: 0 }] },
			[viewersPng()],
		);

		const file = fake.channelMessages(channelId)[0]?.attachments[0];
		expect(edited.embeds[0]?.image?.url).toBe(file?.url);
		expect(edited.attachments).toEqual([]);
		expect(fake.attachmentBytes(created.id, 'viewers.png').equals(chart)).toBe(true);
	});

	it('leaves the image out of an embed whose attachment:// names no file of the message', async () => {
		const embed = { title: 'Stream summary', image: { url: 'attachment://chart.png' } };
		const created = await post({ embeds: [embed] }, [viewersPng()]);

		expect(created.embeds[0]?.title).toBe('Stream summary');
		expect(created.embeds[0]?.image).toBeUndefined();
		// The file is then shown as a plain attachment.
		expect(created.attachments.map((file) => file.filename)).toEqual(['viewers.png']);
	});

	it('refuses more than 10 files with 30015', async () => {
		const files = Array.from({ length: 11 }, (_, index) => ({ ...viewersPng(), name: `viewers-${index}.png` }));

		const error = await refusal(post({ content: 'too many' }, files));

		expect(error.status).toBe(400);
		expect(error.code).toBe(30015);
		expect(error.message).toBe('Maximum number of attachments in a message reached (10)');
		expect(fake.channelMessages(channelId)).toEqual([]);
	});

	it('refuses an edit that would leave more than 10 files on the message', async () => {
		const files = Array.from({ length: 10 }, (_, index) => ({ ...viewersPng(), name: `viewers-${index}.png` }));
		const created = await post({ content: 'ten' }, files);

		const error = await refusal(patch(created.id, { content: 'eleven' }, [viewersPng()]));

		expect(error.code).toBe(30015);
		expect(fake.channelMessages(channelId)[0]?.attachments).toHaveLength(10);
		expect(fake.channelMessages(channelId)[0]?.content).toBe('ten');
	});

	it('refuses a file over 10 MiB with 413 Request entity too large (40005)', async () => {
		const tooBig = Buffer.alloc(10 * 1024 * 1024 + 1);

		const error = await refusal(post({ content: 'big' }, [viewersPng(tooBig)]));

		expect(error.status).toBe(413);
		expect(error.code).toBe(40005);
		expect(error.message).toBe('Request entity too large');
		expect(fake.channelMessages(channelId)).toEqual([]);
	});

	it('applies a smaller `attachmentSizeLimit` to edits too', async () => {
		await fake.close();
		await startWorld({ attachmentSizeLimit: 1024 });
		const created = await post({ content: 'small' }, []);

		const error = await refusal(patch(created.id, { attachments: [{ id: 0 }] }, [viewersPng(Buffer.alloc(1025))]));

		expect(error.code).toBe(40005);
		expect(fake.channelMessages(channelId)[0]?.attachments).toEqual([]);
	});

	it('refuses a files[n] part without a filename', async () => {
		const error = await refusal(post({ content: 'nameless' }, [{ name: '', data: chart, contentType: 'image/png' }]));

		expect(error.status).toBe(400);
		expect(error.code).toBe(50035);
		expect(error.rawError).toMatchObject({ errors: { 'files[0]': { _errors: [{ code: 'BASE_TYPE_REQUIRED' }] } } });
	});

	it('refuses an `attachments` id that names neither a file of the message nor an upload', async () => {
		const created = await post({ content: 'Summary' }, [viewersPng()]);

		const error = await refusal(patch(created.id, { attachments: [{ id: 1 }] }, [viewersPng()]));

		expect(error.code).toBe(50035);
		expect(fake.channelMessages(channelId)[0]?.attachments.map((file) => file.id)).toEqual([
			created.attachments[0]?.id,
		]);
	});

	it('refuses files without the Attach Files permission (50013)', async () => {
		const guild = fake.addGuild({ name: 'Strict' });
		const strict = fake.addChannel(guild.id, { name: 'no-files' }).id;
		// @everyone allows Attach Files by default; deny it in this channel.
		fake.setChannelOverwrites(strict, [{ id: guild.id, type: 0, allow: '0', deny: String(1n << 15n) }]);

		const error = await refusal(rest.post(Routes.channelMessages(strict), { body: {}, files: [viewersPng()] }));

		expect(error.code).toBe(50013);
	});
});
