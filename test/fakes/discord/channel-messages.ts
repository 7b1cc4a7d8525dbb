/**
 * Channel messages the bot posts over REST (POST/PATCH/DELETE/GET /channels/:id/messages), with Discord's
 * permission checks, nonce de-duplication, mention semantics and file attachments.
 */
import { apiError, invalidFormBody } from './api-error.ts';
import { computePings } from './mentions.ts';
import type { AttachmentRequest, MessageBody } from './message-body.ts';
import { hasPermission, Permission } from './permissions.ts';
import type { UploadedFile } from './rest.ts';
import { compareSnowflakes } from './snowflake.ts';
import type { FakeAttachment, FakeMessage, FakeMessageEdit } from './types.ts';
import type { FakeWorld } from './world.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type StoredMessage = Mutable<FakeMessage> & { edits: FakeMessageEdit[] };

export interface ChannelMessageEvents {
	created(message: StoredMessage): void;
	updated(message: StoredMessage, changes: Record<string, unknown>): void;
	deleted(message: StoredMessage): void;
}

export interface ChannelMessageStoreDeps {
	world: FakeWorld;
	botUserId: string;
	nextId: () => string;
	now: () => number;
	nonceWindowMs: number;
	/** Largest file accepted, in bytes (Discord's default upload limit is 10 MiB). */
	attachmentSizeLimit: number;
	/** Where the fake serves a file: its `url` and `proxy_url`. */
	attachmentUrls(channelId: string, attachmentId: string, filename: string): { url: string; proxyUrl: string };
	events: ChannelMessageEvents;
}

/** Files a message may carry (Discord's error 30015 names the limit). */
const MAX_ATTACHMENTS = 10;
/** What an embed may show through `attachment://` (Discord's "Using Attachments within Embeds"). */
const EMBEDDABLE_IMAGE = /\.(?:jpe?g|png|webp|gif)$/i;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Message flags a bot may set on create: SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2. */
const CREATABLE_FLAGS = (1 << 2) | (1 << 12) | (1 << 15);

export class ChannelMessageStore {
	readonly all: StoredMessage[] = [];
	readonly #byId = new Map<string, StoredMessage>();
	/** channel:author:nonce → the message an `enforce_nonce` repeat returns. */
	readonly #byNonce = new Map<string, StoredMessage>();
	readonly #deps: ChannelMessageStoreDeps;

	constructor(deps: ChannelMessageStoreDeps) {
		this.#deps = deps;
	}

	/**
	 * POST /channels/:id/messages. Returns `created: false` when `enforce_nonce` matched a message the bot made
	 * with the same nonce in this channel within the nonce window: Discord then answers with that message.
	 */
	create(
		channelId: string,
		body: MessageBody,
		files: UploadedFile[] = [],
	): { message: StoredMessage; created: boolean } {
		const { world, now } = this.#deps;
		const { channel, guild, permissions } = world.accessibleChannel(channelId);
		if (!world.canHoldMessages(channel)) throw apiError(400, 50008);
		if (!hasPermission(permissions, Permission.SendMessages)) throw apiError(403, 50013);
		if ((body.embeds ?? []).length > 0 && !hasPermission(permissions, Permission.EmbedLinks)) {
			throw apiError(403, 50013);
		}
		if (body.flags !== undefined && (body.flags & ~CREATABLE_FLAGS) !== 0) {
			throw invalidFormBody('flags', 'MESSAGE_FLAGS_INVALID', 'Invalid flags for message create.');
		}
		this.#checkUploads(files, permissions);
		// On create every upload is attached; `attachments` only adds metadata (filename, description) by index.
		const metadata = new Map<string, AttachmentRequest>();
		for (const [index, request] of (body.attachments ?? []).entries()) {
			if (!files.some((file) => file.index === Number(request.id))) throw unknownAttachment(index);
			metadata.set(request.id, request);
		}

		const nonceKey = body.nonce === undefined ? null : `${channelId}:${this.#deps.botUserId}:${body.nonce}`;
		if (nonceKey !== null && body.enforceNonce) {
			const earlier = this.#byNonce.get(nonceKey);
			if (earlier && !earlier.deleted && now() - earlier.createdAt < this.#deps.nonceWindowMs) {
				return { message: earlier, created: false };
			}
		}

		const content = body.content ?? '';
		const allowedMentions = body.allowedMentions ?? null;
		const mentions = computePings(content, allowedMentions, {
			canMentionEveryone: hasPermission(permissions, Permission.MentionEveryone),
			roleMentionable: (roleId) => {
				const role = world.roles.get(roleId);
				return role && role.guildId === guild.id ? role.mentionable : undefined;
			},
		});
		const message: StoredMessage = {
			id: this.#deps.nextId(),
			channelId,
			guildId: guild.id,
			authorId: this.#deps.botUserId,
			content,
			embeds: body.embeds ?? [],
			components: body.components ?? [],
			attachments: files.map((file) =>
				this.#newAttachment(channelId, file, file.index === null ? undefined : metadata.get(String(file.index))),
			),
			flags: body.flags ?? 0,
			allowedMentions,
			nonce: body.nonce ?? null,
			enforceNonce: body.enforceNonce ?? false,
			mentions,
			createdAt: now(),
			editedAt: null,
			edits: [],
			deleted: false,
			deletedAt: null,
		};
		this.all.push(message);
		this.#byId.set(message.id, message);
		if (nonceKey !== null) this.#byNonce.set(nonceKey, message);
		channel.lastMessageId = message.id;
		this.#deps.events.created(message);
		return { message, created: true };
	}

	/**
	 * PATCH /channels/:id/messages/:mid: the bot edits its own message; pings are not sent again. Files: without
	 * `attachments` the uploads are added to the message's files; with it, that list is the whole set to keep
	 * (existing files by id, uploads by the n of `files[n]`), everything else goes (Discord's v10 rule).
	 */
	edit(
		channelId: string,
		messageId: string,
		body: MessageBody,
		rawChanges: Record<string, unknown>,
		files: UploadedFile[] = [],
	): StoredMessage {
		const { permissions } = this.#deps.world.accessibleChannel(channelId);
		const message = this.#require(channelId, messageId);
		if ((body.embeds ?? []).length > 0 && !hasPermission(permissions, Permission.EmbedLinks)) {
			throw apiError(403, 50013);
		}
		this.#checkUploads(files, permissions);
		const attachments = this.#attachmentsAfterEdit(message, body.attachments, files);
		message.edits.push({
			at: this.#deps.now(),
			changes: rawChanges,
			files: files.map((file) => file.filename ?? ''),
			before: {
				content: message.content,
				embeds: [...message.embeds],
				components: [...message.components],
				attachments: [...message.attachments],
			},
		});
		if (body.content !== undefined) message.content = body.content;
		if (body.embeds !== undefined) message.embeds = body.embeds;
		if (body.components !== undefined) message.components = body.components;
		message.attachments = attachments;
		if (body.flags !== undefined) message.flags = body.flags;
		message.editedAt = this.#deps.now();
		this.#deps.events.updated(message, rawChanges);
		return message;
	}

	/** DELETE /channels/:id/messages/:mid. */
	delete(channelId: string, messageId: string): StoredMessage {
		this.#deps.world.accessibleChannel(channelId);
		const message = this.#require(channelId, messageId);
		message.deleted = true;
		message.deletedAt = this.#deps.now();
		this.#deps.events.deleted(message);
		return message;
	}

	/** GET /channels/:id/messages/:mid. */
	get(channelId: string, messageId: string): StoredMessage {
		this.#deps.world.accessibleChannel(channelId);
		return this.#require(channelId, messageId);
	}

	/**
	 * GET /channels/:id/messages: newest first, `limit` 1–100 (default 50), `before`/`after` by id (with `after`
	 * alone, the `limit` messages right after it). Without Read
	 * Message History Discord returns an empty list rather than an error.
	 */
	list(channelId: string, query: URLSearchParams): StoredMessage[] {
		const { permissions } = this.#deps.world.accessibleChannel(channelId);
		const limitText = query.get('limit');
		const limit = limitText === null ? 50 : Number(limitText);
		if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
			throw invalidFormBody('limit', 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 100.');
		}
		if (!hasPermission(permissions, Permission.ReadMessageHistory)) return [];
		const before = query.get('before');
		const after = query.get('after');
		const matching = this.current(channelId)
			.filter((message) => before === null || compareSnowflakes(message.id, before) < 0)
			.filter((message) => after === null || compareSnowflakes(message.id, after) > 0);
		// With `after` alone Discord answers the messages right after that id (the oldest ones), newest first.
		if (after !== null && before === null) return matching.slice(0, limit).reverse();
		return matching.reverse().slice(0, limit);
	}

	/** Current messages of a channel, oldest first. */
	current(channelId: string): StoredMessage[] {
		return this.all.filter((message) => message.channelId === channelId && !message.deleted);
	}

	/** A file now on a current message of the channel, for serving its bytes at its url. */
	findAttachment(channelId: string, attachmentId: string): FakeAttachment | undefined {
		for (const message of this.current(channelId)) {
			const attachment = message.attachments.find((candidate) => candidate.id === attachmentId);
			if (attachment) return attachment;
		}
		return undefined;
	}

	/** Attaching needs Attach Files; each file needs a filename and must fit the size limit; at most 10 files. */
	#checkUploads(files: UploadedFile[], permissions: bigint): void {
		if (files.length === 0) return;
		if (!hasPermission(permissions, Permission.AttachFiles)) throw apiError(403, 50013);
		if (files.length > MAX_ATTACHMENTS) throw apiError(400, 30015);
		for (const file of files) {
			// Discord: every files[n] part must carry a Content-Disposition filename.
			if (file.filename === null) throw invalidFormBody(file.field, 'BASE_TYPE_REQUIRED', 'This field is required');
			if (file.data.length > this.#deps.attachmentSizeLimit) throw apiError(413, 40005);
		}
	}

	#attachmentsAfterEdit(
		message: StoredMessage,
		requested: AttachmentRequest[] | undefined,
		files: UploadedFile[],
	): FakeAttachment[] {
		let result: FakeAttachment[];
		if (requested === undefined) {
			result = [...message.attachments, ...files.map((file) => this.#newAttachment(message.channelId, file))];
		} else {
			result = [];
			for (const [index, request] of requested.entries()) {
				if (result.some((attachment) => attachment.id === request.id)) continue;
				const existing = message.attachments.find((attachment) => attachment.id === request.id);
				if (existing) {
					// Only the description of a kept file may change.
					result.push(request.description === undefined ? existing : { ...existing, description: request.description });
					continue;
				}
				const upload = files.find((file) => file.index !== null && file.index === Number(request.id));
				if (!upload) throw unknownAttachment(index);
				result.push(this.#newAttachment(message.channelId, upload, request));
			}
		}
		if (result.length > MAX_ATTACHMENTS) throw apiError(400, 30015);
		return result;
	}

	#newAttachment(channelId: string, file: UploadedFile, request?: AttachmentRequest): FakeAttachment {
		const id = this.#deps.nextId();
		// Discord turns spaces in filenames into underscores (an `attachment://` reference must use the latter).
		const filename = (request?.filename ?? file.filename ?? '').replace(/\s/g, '_');
		const { url, proxyUrl } = this.#deps.attachmentUrls(channelId, id, filename);
		return {
			id,
			filename,
			size: file.data.length,
			contentType: file.contentType,
			description: request?.description ?? null,
			url,
			proxyUrl,
			data: file.data,
		};
	}

	#require(channelId: string, messageId: string): StoredMessage {
		const message = this.#byId.get(messageId);
		if (!message || message.deleted || message.channelId !== channelId) throw apiError(404, 10008);
		return message;
	}

	/**
	 * The message as Discord's REST API returns it (and, with `withGuild`, as MESSAGE_CREATE carries it). An embed's
	 * `attachment://name` image or thumbnail is resolved to that file's urls, and the file then leaves the message's
	 * `attachments` (Discord lists only files not referenced in embeds); with no such image file on the message the
	 * embed goes without that image, as Discord shows it.
	 */
	toJson(message: StoredMessage, withGuild = false): Record<string, unknown> {
		const { world } = this.#deps;
		const { embeds, shown } = resolveEmbedAttachments(message.embeds, message.attachments);
		const json: Record<string, unknown> = {
			id: message.id,
			type: 0,
			channel_id: message.channelId,
			author: world.botUserJson(),
			content: message.content,
			timestamp: new Date(message.createdAt).toISOString(),
			edited_timestamp: message.editedAt === null ? null : new Date(message.editedAt).toISOString(),
			tts: false,
			mention_everyone: message.mentions.everyone,
			mentions: message.mentions.users.map((userId) => world.userJson(userId)),
			mention_roles: [...message.mentions.roles],
			attachments: message.attachments
				.filter((attachment) => !shown.has(attachment.id))
				.map((attachment) => attachmentJson(attachment)),
			embeds,
			components: message.components,
			pinned: false,
			flags: message.flags,
		};
		if (message.nonce !== null) json.nonce = message.nonce;
		if (withGuild) json.guild_id = message.guildId;
		return json;
	}
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An `attachments[].id` naming neither a file of the message nor an upload of the request. */
function unknownAttachment(index: number) {
	return invalidFormBody(
		`attachments.${index}.id`,
		'ATTACHMENT_NOT_FOUND',
		'Not an attachment of the message nor the n of an uploaded files[n].',
	);
}

/** Width and height from a PNG's IHDR chunk (Discord reports both for images); null for anything else. */
function pngSize(data: Buffer): { width: number; height: number } | null {
	if (data.length < 24 || !data.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
	if (data.toString('latin1', 12, 16) !== 'IHDR') return null;
	return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

/** Discord's attachment object. */
function attachmentJson(attachment: FakeAttachment): Record<string, unknown> {
	const json: Record<string, unknown> = {
		id: attachment.id,
		filename: attachment.filename,
		size: attachment.size,
		url: attachment.url,
		proxy_url: attachment.proxyUrl,
	};
	if (attachment.contentType !== null) json.content_type = attachment.contentType;
	if (attachment.description !== null) json.description = attachment.description;
	const size = pngSize(attachment.data);
	if (size) Object.assign(json, size);
	return json;
}

function resolveEmbedAttachments(
	embeds: readonly unknown[],
	attachments: readonly FakeAttachment[],
): { embeds: unknown[]; shown: Set<string> } {
	const shown = new Set<string>();
	const resolved = embeds.map((embed) => {
		if (!isRecord(embed)) return embed;
		const copy: Record<string, unknown> = { ...embed };
		for (const key of ['image', 'thumbnail'] as const) {
			const media = copy[key];
			if (!isRecord(media) || typeof media.url !== 'string' || !media.url.startsWith('attachment://')) continue;
			const name = media.url.slice('attachment://'.length);
			const file = attachments.find((candidate) => candidate.filename === name && EMBEDDABLE_IMAGE.test(name));
			if (!file) {
				delete copy[key];
				continue;
			}
			shown.add(file.id);
			const resolvedMedia: Record<string, unknown> = { ...media, url: file.url, proxy_url: file.proxyUrl };
			const size = pngSize(file.data);
			if (size) Object.assign(resolvedMedia, size);
			if (file.contentType !== null) resolvedMedia.content_type = file.contentType;
			copy[key] = resolvedMedia;
		}
		return copy;
	});
	return { embeds: resolved, shown };
}
