/**
 * The Discord message port: the notifier's one way to Discord, and the only place that knows message routes and
 * JSON bodies. Channel messages over REST, one queue per channel, every request bounded.
 *
 * Discord's rate limits are per route, and for messages the route's major parameter is the channel: one channel
 * answering 429 (retry after 20 s) or not answering at all says nothing of the others. So:
 * - each channel has its own queue (one request in flight per channel);
 * - at most MAX_REQUESTS_IN_FLIGHT requests run at once (a first cycle with 1,000 go-lives would otherwise open
 *   1,000 sockets: +70 MB), but a request slower than SLOW_REQUEST_MS gives its turn back, so channels that hang
 *   or wait can never fill the pool and hold a healthy channel's post (see Turns);
 * - every request has a deadline (the REST client's abort timer, and our own signal over the whole call, body
 *   included);
 * - a rate limit that would make us wait longer than MAX_RATE_LIMIT_WAIT_MS is not waited out inside the REST
 *   client (it would hold the channel's queue): it rejects, and the announcer backs the target off for as long as
 *   Discord asked.
 * discord.js's REST client still enforces the global 50 requests/second and per-bucket limits itself.
 */
import type { RawFile, REST, RESTOptions } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import { z } from 'zod';
import { canReadHistory, snowflakeAt } from './channel-permissions.ts';
import { Turns } from './turns.ts';

/** How long one Discord request may take, all attempts included (ms). */
export const DISCORD_REQUEST_DEADLINE_MS = 10_000;
/** Longest rate-limit wait taken inside the REST client; a longer one rejects and the target backs off. */
export const MAX_RATE_LIMIT_WAIT_MS = 2_000;
/** Requests sent at once, across channels (Discord takes 50 a second from a bot anyway). */
const MAX_REQUESTS_IN_FLIGHT = 16;
/** A request still unanswered after this long stops counting against MAX_REQUESTS_IN_FLIGHT. */
const SLOW_REQUEST_MS = 500;

/** Options for the notifier's REST client: bounded requests, long rate limits rejected instead of waited out. */
export function notifierRestOptions(
	api: string,
	deadlineMs = DISCORD_REQUEST_DEADLINE_MS,
): Pick<RESTOptions, 'api' | 'timeout' | 'retries' | 'rejectOnRateLimit'> {
	return {
		api,
		// Per attempt; one retry for a network error or 5xx (a create carries a nonce, so a retry cannot duplicate).
		timeout: Math.ceil(deadlineMs / 2),
		retries: 1,
		rejectOnRateLimit: (data) => data.retryAfter > MAX_RATE_LIMIT_WAIT_MS,
	};
}

/** A file uploaded with a message (multipart/form-data); an embed shows an image one as `attachment://<name>`. */
export interface MessageFile {
	/** Plain (letters, digits, `.`, `_`, `-`): Discord turns spaces into `_`, and `attachment://` must match. */
	name: string;
	data: Buffer;
	contentType: string;
}

/**
 * A message as the views render it (content, embeds, components, allowed mentions; on an edit, `attachments`: the
 * files to keep, existing ones by id and new uploads by their index in `files`). `files` are not JSON: they go as
 * the request's uploads, the rest as its JSON.
 */
export type MessageBody = object & { files?: readonly MessageFile[] | undefined };

export interface CreateOptions {
	/**
	 * Discord's nonce, sent with `enforce_nonce`: a repeat within Discord's nonce window returns the message already
	 * made instead of posting again (at most 25 characters).
	 */
	nonce: string;
	/** false: nobody is pinged, whatever the message mentions (a post made again for a stream already announced). */
	ping?: boolean;
}

export type EarlierPostSearch =
	| { found: true; messageId: string }
	| { found: false }
	/** The search cannot be trusted (permission missing, or Discord failed): posting again could duplicate. */
	| { found: 'unknown'; reason: 'missing-read-message-history' | 'search-failed'; error?: unknown };

/** What the notifier does with channel messages. */
export interface MessagePort {
	/** Creates a message; resolves to its id (null when Discord's answer carried none). */
	create(channelId: string, message: MessageBody, options: CreateOptions): Promise<string | null>;
	edit(channelId: string, messageId: string, message: MessageBody): Promise<void>;
	delete(channelId: string, messageId: string): Promise<void>;
	/** The bot's own post of `streamId` in the channel, made no earlier than `since` (ms): see findEarlierPost. */
	findEarlierPost(query: { channelId: string; streamId: string; since: number }): Promise<EarlierPostSearch>;
}

/** Our clock and Discord's may disagree a little: an earlier post is searched from this long before the intent. */
const CLOCK_SKEW_MARGIN_MS = 5 * 60_000;
/** At most this many pages of 100 messages are read (10,000 messages posted since the intent). */
const MAX_SEARCH_PAGES = 100;

const messageSchema = z.object({ id: z.string(), author: z.object({ id: z.string() }).optional() }).loose();
type ListedMessage = z.infer<typeof messageSchema>;
const botUserSchema = z.object({ id: z.string() });

export class DiscordMessages implements MessagePort {
	private readonly rest: REST;
	private readonly deadlineMs: number;
	private readonly tails = new Map<string, Promise<unknown>>();
	private readonly turns = new Turns(MAX_REQUESTS_IN_FLIGHT);

	private botUserId: Promise<string | null> | undefined;
	private readonly isAnnouncementOf: (message: unknown, streamId: string) => boolean;
	private readonly writeWindowMs: (() => number) | undefined;

	/**
	 * `botUserId`: the bot's own user id, to recognise its posts; read once (GET /users/@me) when not given.
	 * `isAnnouncementOf`: how a listed message is recognised as the announcement of a stream (the renderer's mark).
	 */
	constructor(
		rest: REST,
		options: {
			deadlineMs?: number | undefined;
			botUserId?: string | undefined;
			isAnnouncementOf?: (message: unknown, streamId: string) => boolean;
			/**
			 * How long this process may still write to Discord (ms; 0 or less: not at all): the active notifier's
			 * lease (notifier-lease.ts). Checked as each create, edit or delete gets its turn, and a write's deadline
			 * is cut to it, so that nothing is sent, or still in flight, once another process may have taken over.
			 */
			writeWindowMs?: () => number;
		} = {},
	) {
		this.rest = rest;
		this.deadlineMs = options.deadlineMs ?? DISCORD_REQUEST_DEADLINE_MS;
		this.isAnnouncementOf = options.isAnnouncementOf ?? (() => false);
		if (options.botUserId) this.botUserId = Promise.resolve(options.botUserId);
		this.writeWindowMs = options.writeWindowMs;
	}

	async create(channelId: string, message: MessageBody, options: CreateOptions): Promise<string | null> {
		const { json, files } = splitUploads(message);
		const body = {
			...json,
			...(options.ping === false ? { allowed_mentions: { parse: [], roles: [] } } : {}),
			nonce: options.nonce,
			enforce_nonce: true,
		};
		const created = await this.inChannel(
			channelId,
			(signal) => this.rest.post(Routes.channelMessages(channelId), { body, files, signal }),
			true,
		);
		return messageSchema.safeParse(created).data?.id ?? null;
	}

	async edit(channelId: string, messageId: string, message: MessageBody): Promise<void> {
		const { json, files } = splitUploads(message);
		await this.inChannel(
			channelId,
			(signal) => this.rest.patch(Routes.channelMessage(channelId, messageId), { body: json, files, signal }),
			true,
		);
	}

	async delete(channelId: string, messageId: string): Promise<void> {
		await this.inChannel(
			channelId,
			(signal) => this.rest.delete(Routes.channelMessage(channelId, messageId), { signal }),
			true,
		);
	}

	/**
	 * Finds the post a previous run made when its outcome was not recorded (a crash right after posting, or Discord
	 * created the message and answered 5xx), once Discord's nonce window has passed. It reads the channel's messages
	 * after the intent's time (`after` = a snowflake of that time, minus a margin for clock skew), page by page, so
	 * that a busy channel cannot push the post out of a "latest 50" window. Discord answers that list with an empty
	 * array — not an error — when the bot lacks Read Message History, which would read as "never posted" and make a
	 * second post (and ping). So an empty search is only trusted when the bot's permissions in the channel include
	 * View Channel and Read Message History; otherwise the answer is "cannot tell", and the caller must not post.
	 */
	async findEarlierPost(query: { channelId: string; streamId: string; since: number }): Promise<EarlierPostSearch> {
		let cursor = BigInt(snowflakeAt(query.since - CLOCK_SKEW_MARGIN_MS));
		try {
			const botUserId = await this.ownUserId();
			for (let page = 0; page < MAX_SEARCH_PAGES; page++) {
				const batch = await this.listAfter(query.channelId, cursor.toString(), 100);
				const earlier = batch.find(
					(message) =>
						(botUserId === null || message.author?.id === botUserId) && this.isAnnouncementOf(message, query.streamId),
				);
				if (earlier) return { found: true, messageId: earlier.id };
				if (batch.length < 100) break;
				// Whatever order Discord lists the page in, the next one starts after its newest message.
				cursor = batch.reduce((max, message) => (BigInt(message.id) > max ? BigInt(message.id) : max), cursor);
			}
			if (botUserId === null) return { found: 'unknown', reason: 'search-failed' };
			const channel = await this.get(Routes.channel(query.channelId));
			const guildId = (channel as { guild_id?: unknown }).guild_id;
			if (typeof guildId !== 'string') return { found: 'unknown', reason: 'search-failed' };
			const guild = await this.get(Routes.guild(guildId));
			const member = await this.get(Routes.guildMember(guildId, botUserId));
			return canReadHistory({ channel, guild, member, userId: botUserId })
				? { found: false }
				: { found: 'unknown', reason: 'missing-read-message-history' };
		} catch (error) {
			return { found: 'unknown', reason: 'search-failed', error };
		}
	}

	/** The bot's user id (null when it cannot be read now; asked again next time). */
	private ownUserId(): Promise<string | null> {
		this.botUserId ??= this.get(Routes.user())
			.then((user) => botUserSchema.parse(user).id)
			.catch(() => {
				this.botUserId = undefined;
				return null;
			});
		return this.botUserId;
	}

	/** Up to `limit` (≤ 100) messages of the channel with an id above `afterId`, in no particular order. */
	private async listAfter(channelId: string, afterId: string, limit = 100): Promise<ListedMessage[]> {
		const listed = await this.inChannel(channelId, (signal) =>
			this.rest.get(Routes.channelMessages(channelId), {
				query: new URLSearchParams({ after: afterId, limit: String(limit) }),
				signal,
			}),
		);
		return Array.isArray(listed) ? listed.flatMap((item) => messageSchema.safeParse(item).data ?? []) : [];
	}

	/** A GET of anything else (the bot user; channel, guild, member for the permission check), bounded. */
	private get(route: `/${string}`): Promise<unknown> {
		return this.withDeadline((signal) => this.rest.get(route, { signal }), false);
	}

	/** Runs `request` after the channel's earlier requests, within the deadline. */
	private inChannel<T>(channelId: string, request: (signal: AbortSignal) => Promise<T>, write = false): Promise<T> {
		const previous = this.tails.get(channelId) ?? Promise.resolve();
		const run = previous.then(
			() => this.withDeadline(request, write),
			() => this.withDeadline(request, write),
		);
		const tail = run.catch(() => {});
		this.tails.set(channelId, tail);
		void tail.then(() => {
			if (this.tails.get(channelId) === tail) this.tails.delete(channelId);
		});
		return run;
	}

	/** The request, in its turn, given up at the deadline even when the REST client does not heed the signal. */
	private withDeadline<T>(request: (signal: AbortSignal) => Promise<T>, write: boolean): Promise<T> {
		return this.turns.run(async () => {
			let deadlineMs = this.deadlineMs;
			if (write && this.writeWindowMs) {
				const window = this.writeWindowMs();
				if (window <= 0) throw new NotActiveNotifierError();
				deadlineMs = Math.min(deadlineMs, window);
			}
			const controller = new AbortController();
			let timer: NodeJS.Timeout | undefined;
			const deadline = new Promise<never>((_, reject) => {
				timer = setTimeout(() => {
					controller.abort();
					reject(new DiscordDeadlineError(deadlineMs));
				}, deadlineMs);
			});
			try {
				return await Promise.race([request(controller.signal), deadline]);
			} catch (error) {
				if (controller.signal.aborted && !(error instanceof DiscordDeadlineError)) {
					throw new DiscordDeadlineError(deadlineMs, { cause: error });
				}
				throw error;
			} finally {
				clearTimeout(timer);
			}
		}, SLOW_REQUEST_MS);
	}
}

/**
 * The message's JSON without its `files`, and the files as the REST client's uploads (none: a plain JSON request,
 * as before files existed). A retried attempt sends the same bytes again: the Buffers are only read.
 */
function splitUploads(message: MessageBody): { json: object; files: RawFile[] | undefined } {
	if (!('files' in message)) return { json: message, files: undefined };
	const { files, ...json } = message;
	if (!files || files.length === 0) return { json, files: undefined };
	return { json, files: files.map((file) => ({ name: file.name, data: file.data, contentType: file.contentType })) };
}

/** A write not sent: this process is not (or no longer surely) the active notifier. */
export class NotActiveNotifierError extends Error {
	override readonly name = 'NotActiveNotifierError';
	constructor() {
		super('not sent: this process is not the active notifier (its lease is lost or too old to be sure of)');
	}
}

/** Discord did not answer a request within its deadline. */
export class DiscordDeadlineError extends Error {
	override readonly name = 'DiscordDeadlineError';
	constructor(deadlineMs: number, options?: ErrorOptions) {
		super(`Discord did not answer within ${deadlineMs / 1000} s`, options);
	}
}
