/**
 * The announcer's way to Discord: channel messages over REST, one queue per channel, every request bounded.
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
import type { REST, RESTOptions } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import { z } from 'zod';
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

/** A message create, edit or delete body as Discord's REST API takes it. */
export type MessageBody = Record<string, unknown>;

const messageSchema = z.object({ id: z.string(), author: z.object({ id: z.string() }).optional() }).loose();
export type ListedMessage = z.infer<typeof messageSchema>;

export class DiscordMessages {
	private readonly rest: REST;
	private readonly deadlineMs: number;
	private readonly tails = new Map<string, Promise<unknown>>();
	private readonly turns = new Turns(MAX_REQUESTS_IN_FLIGHT);

	constructor(rest: REST, deadlineMs = DISCORD_REQUEST_DEADLINE_MS) {
		this.rest = rest;
		this.deadlineMs = deadlineMs;
	}

	/** Creates a message; resolves to its id (null when Discord's answer carried none). */
	async create(channelId: string, body: MessageBody): Promise<string | null> {
		const created = await this.inChannel(channelId, (signal) =>
			this.rest.post(Routes.channelMessages(channelId), { body, signal }),
		);
		return messageSchema.safeParse(created).data?.id ?? null;
	}

	async edit(channelId: string, messageId: string, body: MessageBody): Promise<void> {
		await this.inChannel(channelId, (signal) =>
			this.rest.patch(Routes.channelMessage(channelId, messageId), { body, signal }),
		);
	}

	async delete(channelId: string, messageId: string): Promise<void> {
		await this.inChannel(channelId, (signal) =>
			this.rest.delete(Routes.channelMessage(channelId, messageId), { signal }),
		);
	}

	/** Up to `limit` (≤ 100) messages of the channel with an id above `afterId`, in no particular order. */
	async listAfter(channelId: string, afterId: string, limit = 100): Promise<ListedMessage[]> {
		const listed = await this.inChannel(channelId, (signal) =>
			this.rest.get(Routes.channelMessages(channelId), {
				query: new URLSearchParams({ after: afterId, limit: String(limit) }),
				signal,
			}),
		);
		return Array.isArray(listed) ? listed.flatMap((item) => messageSchema.safeParse(item).data ?? []) : [];
	}

	/** A GET of anything else (channel, guild, member: for the permission check), bounded like the rest. */
	get(route: `/${string}`): Promise<unknown> {
		return this.withDeadline((signal) => this.rest.get(route, { signal }));
	}

	/** Channels with work queued or in flight (for tests and metrics). */
	get busyChannels(): number {
		return this.tails.size;
	}

	/** Runs `request` after the channel's earlier requests, within the deadline. */
	private inChannel<T>(channelId: string, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
		const previous = this.tails.get(channelId) ?? Promise.resolve();
		const run = previous.then(
			() => this.withDeadline(request),
			() => this.withDeadline(request),
		);
		const tail = run.catch(() => {});
		this.tails.set(channelId, tail);
		void tail.then(() => {
			if (this.tails.get(channelId) === tail) this.tails.delete(channelId);
		});
		return run;
	}

	/** The request, in its turn, given up at the deadline even when the REST client does not heed the signal. */
	private async withDeadline<T>(request: (signal: AbortSignal) => Promise<T>): Promise<T> {
		const release = await this.turns.take(SLOW_REQUEST_MS);
		const controller = new AbortController();
		let timer: NodeJS.Timeout | undefined;
		const deadline = new Promise<never>((_, reject) => {
			timer = setTimeout(() => {
				controller.abort();
				reject(new DiscordDeadlineError(this.deadlineMs));
			}, this.deadlineMs);
		});
		try {
			return await Promise.race([request(controller.signal), deadline]);
		} catch (error) {
			if (controller.signal.aborted && !(error instanceof DiscordDeadlineError)) {
				throw new DiscordDeadlineError(this.deadlineMs, { cause: error });
			}
			throw error;
		} finally {
			clearTimeout(timer);
			release();
		}
	}
}

/** Discord did not answer a request within its deadline. */
export class DiscordDeadlineError extends Error {
	override readonly name = 'DiscordDeadlineError';
	constructor(deadlineMs: number, options?: ErrorOptions) {
		super(`Discord did not answer within ${deadlineMs / 1000} s`, options);
	}
}
