import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { TwitchApiError, TwitchRateLimitError, TwitchResponseError, TwitchUnavailableError } from './errors.ts';
import {
	HttpDeadlineError,
	type HttpTarget,
	httpBase,
	isUndiciTimeout,
	requestText,
	type TextAnswer,
} from './http-deadline.ts';
import type { HelixObserver, TwitchMetrics } from './metrics.ts';
import { type HelixPriority, type HelixRateLimiter, readRateLimitHeaders } from './rate-limit.ts';
import { errorBodySchema, helixListEnvelope, type ItemSchema } from './schemas.ts';
import type { AppTokenProvider } from './token.ts';

export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type Query = Record<string, QueryValue>;

export interface HelixRequestOptions {
	/** The rate-limit lane (default interactive): background work never holds up a command. */
	priority?: HelixPriority | undefined;
	/**
	 * Attempts for network errors, timeouts and 5xx (default: the transport's). 1 for a request that must not be
	 * repeated blindly (creating a conduit twice would use up one of the app's five).
	 */
	attempts?: number | undefined;
}

/** A request that changes something (EventSub conduits and subscriptions). */
export interface HelixWrite {
	method: 'POST' | 'PATCH' | 'DELETE';
	path: string;
	query?: Query;
	body?: unknown;
}

/** One page of a list endpoint: the items that parsed, and the cursor of the next page if Twitch gave one. */
export interface HelixPage<T> {
	data: T[];
	cursor: string | undefined;
}

export interface HelixTransportOptions {
	clientId: string;
	/** e.g. https://api.twitch.tv/helix */
	apiUrl: string;
	tokens: AppTokenProvider;
	limiter: HelixRateLimiter;
	clock: Clock;
	logger: Logger;
	metrics: TwitchMetrics;
	/** Hears of every attempt and of the bucket's state (Prometheus); guarded by the client. */
	observer?: HelixObserver | undefined;
	dispatcher?: Dispatcher | undefined;
	/** Per-attempt deadline for the whole answer, headers and body (default 10 s). */
	timeoutMs?: number;
	/** Attempts for network errors, timeouts, 5xx and malformed bodies (default 3). */
	attempts?: number;
	/** Base of the exponential backoff with jitter (default 250 ms; capped at 5 s). */
	retryBaseMs?: number;
	/** The longest a 429 may hold one request, in total (default 30 s). */
	maxRateLimitWaitMs?: number;
}

/**
 * Sends one Helix request with everything Twitch requires and everything that can go wrong handled: the app token
 * and Client-Id, the rate-limit queue, one re-mint and retry on 401, waiting out a 429, bounded retries with
 * jittered backoff for network errors, timeouts, 5xx and bodies that are not JSON, and zod parsing of the result.
 */
export class HelixTransport {
	private readonly o: Required<Omit<HelixTransportOptions, 'dispatcher' | 'observer'>> &
		Pick<HelixTransportOptions, 'dispatcher' | 'observer'>;

	private readonly target: (pathAndQuery: string) => HttpTarget;

	constructor(options: HelixTransportOptions) {
		this.o = { timeoutMs: 10_000, attempts: 3, retryBaseMs: 250, maxRateLimitWaitMs: 30_000, ...options };
		this.target = httpBase(options.apiUrl);
	}

	/**
	 * GETs a list endpoint and parses its items one by one: an item of an unexpected shape is dropped, logged and
	 * counted, and the others are kept (one stream with `started_at: null` once failed the lookup of 99 others).
	 * An answer whose `data` is not a list at all is still a TwitchResponseError.
	 */
	async getList<T>(
		path: string,
		query: Query,
		item: ItemSchema<T>,
		options: HelixRequestOptions = {},
	): Promise<HelixPage<T>> {
		const page = await this.get(path, query, helixListEnvelope, options);
		const data: T[] = [];
		for (const raw of page.data) {
			const parsed = item.safeParse(raw);
			if (parsed.success) {
				data.push(parsed.data);
				continue;
			}
			this.o.metrics.malformedItems++;
			const issue = parsed.error.issues[0];
			this.o.logger.warn(
				{ path, ...identifyItem(raw), problem: `${issue?.path.join('.') || 'item'}: ${issue?.message ?? 'invalid'}` },
				'Twitch sent a list item of an unexpected shape; dropped it and kept the rest',
			);
		}
		return { data, cursor: page.pagination };
	}

	/** GETs `path` with `query` (arrays become repeated parameters, as Twitch wants) and parses with `schema`. */
	get<T>(path: string, query: Query, schema: ItemSchema<T>, options: HelixRequestOptions = {}): Promise<T> {
		return this.send({ method: 'GET', path, query }, schema, options);
	}

	/**
	 * Sends a write (POST, PATCH, DELETE with a JSON body) and parses the answer with `schema`: 200 and 202 carry JSON,
	 * 204 parses as null. Any other 4xx is a TwitchApiError with its status (409: the thing exists already).
	 */
	write<T>(request: HelixWrite, schema: ItemSchema<T>, options: HelixRequestOptions = {}): Promise<T> {
		return this.send(request, schema, options);
	}

	private async send<T>(
		request: { method: 'GET' | HelixWrite['method']; path: string; query?: Query | undefined; body?: unknown },
		schema: ItemSchema<T>,
		options: HelixRequestOptions,
	): Promise<T> {
		const { clock, limiter, tokens, metrics, logger, observer } = this.o;
		const path = request.path;
		// The route as the observer names it: '/games/top' → 'games/top' (paths carry no ids: those are in the query).
		const observed = observer ? { observer, endpoint: path.slice(1) } : undefined;
		const attempts = options.attempts ?? this.o.attempts;
		const target = this.target(`${path}?${toSearchParams(request.query ?? {})}`);
		const body = request.body === undefined ? undefined : JSON.stringify(request.body);
		let transientFailures = 0;
		let retriedUnauthorized = false;
		let rateLimitedSince: number | undefined;
		let lastProblem = '';
		for (;;) {
			const token = await tokens.getToken();
			const permit = await limiter.acquire(options.priority);
			metrics.requests++;
			let status: number;
			let text: string;
			try {
				let answer: TextAnswer;
				try {
					answer = await requestText(
						target,
						{
							method: request.method,
							headers: {
								authorization: `Bearer ${token}`,
								'client-id': this.o.clientId,
								...(body === undefined ? {} : { 'content-type': 'application/json' }),
							},
							...(body === undefined ? {} : { body }),
							dispatcher: this.o.dispatcher,
						},
						this.o.timeoutMs,
						observed,
					);
				} catch (error) {
					permit.release();
					throw error;
				}
				const rateLimit = readRateLimitHeaders(answer.headers);
				permit.release(rateLimit);
				if (observer && rateLimit.remaining !== undefined && rateLimit.limit !== undefined) {
					observer.rateLimit(rateLimit.remaining, rateLimit.limit);
				}
				({ status, text } = answer);
				// A 429 while the bucket still has points is not the rate limit (EventSub answers 429 when the
				// subscription budget is used up): the caller gets it as an API error.
				if (status === 429 && !(rateLimit.remaining !== undefined && rateLimit.remaining > 0)) {
					metrics.rateLimited++;
					const { resetAt } = rateLimit;
					rateLimitedSince ??= clock.now();
					const waited = clock.now() - rateLimitedSince;
					if (waited >= this.o.maxRateLimitWaitMs) throw new TwitchRateLimitError(path, waited);
					// Wait until Reset (when the bucket is full), bounded by what is left of the allowance.
					const untilReset = resetAt === undefined ? 1000 : Math.max(resetAt - clock.now(), 50);
					const wait = Math.min(untilReset, this.o.maxRateLimitWaitMs - waited);
					logger.warn({ path, waitMs: wait }, 'Twitch rate limit hit (429); waiting for the bucket to refill');
					metrics.retries++;
					await clock.sleep(wait);
					continue;
				}
			} catch (error) {
				if (error instanceof TwitchRateLimitError) throw error;
				lastProblem = describeNetworkError(error);
				if (++transientFailures >= attempts) throw new TwitchUnavailableError(path, transientFailures, lastProblem);
				metrics.retries++;
				await this.backoff(transientFailures);
				continue;
			}

			if (status === 401) {
				// The token died early (revoked, expired, password change): mint once for every waiting caller, retry once.
				if (retriedUnauthorized) throw new TwitchApiError(path, 401, errorMessage(text) ?? 'Unauthorized');
				retriedUnauthorized = true;
				metrics.retries++;
				logger.info({ path }, 'Helix answered 401; replacing the app access token and retrying once');
				await tokens.invalidate(token);
				continue;
			}
			if (status >= 500) {
				lastProblem = `HTTP ${status}`;
				if (++transientFailures >= attempts) throw new TwitchUnavailableError(path, transientFailures, lastProblem);
				metrics.retries++;
				await this.backoff(transientFailures);
				continue;
			}
			if (status !== 200 && status !== 202 && status !== 204) {
				throw new TwitchApiError(path, status, errorMessage(text) ?? `HTTP ${status}`);
			}

			let json: unknown = null; // 204: no content
			try {
				if (status !== 204) json = JSON.parse(text);
			} catch {
				// A proxy's HTML page or a cut body: worth another try, then a typed error, never a crash.
				lastProblem = `a body that is not JSON (${JSON.stringify(text.slice(0, 40))})`;
				if (++transientFailures >= attempts) throw new TwitchResponseError(path, lastProblem);
				metrics.retries++;
				await this.backoff(transientFailures);
				continue;
			}
			const parsed = schema.safeParse(json);
			if (!parsed.success) {
				const issue = parsed.error.issues[0];
				throw new TwitchResponseError(
					path,
					`unexpected shape at ${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'invalid'}`,
				);
			}
			return parsed.data;
		}
	}

	private backoff(failures: number): Promise<void> {
		// Full jitter (AWS's recommendation): spreads retries of many callers instead of synchronising them.
		const ceiling = Math.min(5_000, this.o.retryBaseMs * 2 ** (failures - 1));
		return this.o.clock.sleep(ceiling / 2 + (Math.random() * ceiling) / 2);
	}
}

/** Builds a query string; arrays repeat the parameter (`user_login=a&user_login=b`), undefined is left out. */
export function toSearchParams(query: Query): string {
	const params = new URLSearchParams();
	for (const [key, value] of Object.entries(query)) {
		if (value === undefined) continue;
		if (Array.isArray(value)) for (const item of value) params.append(key, item);
		else params.append(key, String(value));
	}
	return params.toString();
}

function errorMessage(text: string): string | undefined {
	try {
		return errorBodySchema.safeParse(JSON.parse(text)).data?.message;
	} catch {
		return undefined;
	}
}

/** What may be logged of a list item that failed to parse: its ids, if readable, and nothing else. */
function identifyItem(raw: unknown): Record<string, string> {
	if (typeof raw !== 'object' || raw === null) return { item: typeof raw };
	const found: Record<string, string> = {};
	const fields = { id: 'id', user_id: 'userId', broadcaster_id: 'broadcasterId' } as const;
	for (const [field, name] of Object.entries(fields)) {
		const value = (raw as Record<string, unknown>)[field];
		if (typeof value === 'string' || typeof value === 'number') found[name] = String(value).slice(0, 64);
	}
	return found;
}

function describeNetworkError(error: unknown): string {
	if (error instanceof HttpDeadlineError) return error.message;
	if (isUndiciTimeout(error)) return 'timed out';
	const code = (error as { code?: string }).code;
	return code ? `${code}: ${(error as Error).message}` : String((error as Error).message ?? error);
}
