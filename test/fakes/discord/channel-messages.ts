/**
 * Channel messages the bot posts over REST (POST/PATCH/DELETE/GET /channels/:id/messages), with Discord's
 * permission checks, nonce de-duplication and mention semantics.
 */
import { apiError, invalidFormBody } from './api-error.ts';
import { computePings } from './mentions.ts';
import type { MessageBody } from './message-body.ts';
import { hasPermission, Permission } from './permissions.ts';
import { compareSnowflakes } from './snowflake.ts';
import type { FakeMessage, FakeMessageEdit } from './types.ts';
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
	events: ChannelMessageEvents;
}

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
	create(channelId: string, body: MessageBody): { message: StoredMessage; created: boolean } {
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

	/** PATCH /channels/:id/messages/:mid: the bot edits its own message; pings are not sent again. */
	edit(channelId: string, messageId: string, body: MessageBody, rawChanges: Record<string, unknown>): StoredMessage {
		const { permissions } = this.#deps.world.accessibleChannel(channelId);
		const message = this.#require(channelId, messageId);
		if ((body.embeds ?? []).length > 0 && !hasPermission(permissions, Permission.EmbedLinks)) {
			throw apiError(403, 50013);
		}
		message.edits.push({
			at: this.#deps.now(),
			changes: rawChanges,
			before: { content: message.content, embeds: [...message.embeds], components: [...message.components] },
		});
		if (body.content !== undefined) message.content = body.content;
		if (body.embeds !== undefined) message.embeds = body.embeds;
		if (body.components !== undefined) message.components = body.components;
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

	#require(channelId: string, messageId: string): StoredMessage {
		const message = this.#byId.get(messageId);
		if (!message || message.deleted || message.channelId !== channelId) throw apiError(404, 10008);
		return message;
	}

	/** The message as Discord's REST API returns it (and, with `withGuild`, as MESSAGE_CREATE carries it). */
	toJson(message: StoredMessage, withGuild = false): Record<string, unknown> {
		const { world } = this.#deps;
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
			attachments: [],
			embeds: message.embeds,
			components: message.components,
			pinned: false,
			flags: message.flags,
		};
		if (message.nonce !== null) json.nonce = message.nonce;
		if (withGuild) json.guild_id = message.guildId;
		return json;
	}
}
