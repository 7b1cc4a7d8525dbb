import type { Logger } from '../logger.ts';

/** Counters of the Helix client's work, for logs and (later) /metrics. Plain numbers: cheap to bump. */
export interface TwitchMetrics {
	/** HTTP requests sent to Helix (each attempt counts). */
	requests: number;
	/** Attempts repeated after a network error, timeout, 5xx, malformed body, 401 or 429. */
	retries: number;
	/** 429 answers received. */
	rateLimited: number;
	/** App access tokens minted. */
	mints: number;
	/** Token validations sent to /oauth2/validate. */
	validations: number;
	/** Lookups answered from the response cache without a Helix call. */
	cacheHits: number;
	/** Lookups that missed the cache. */
	cacheMisses: number;
	/** Lookups that joined another caller's in-flight request instead of sending their own. */
	coalesced: number;
	/** List items dropped because their shape was not Twitch's (the rest of their answer was kept). */
	malformedItems: number;
	/** Get Streams items dropped because their `type` was not "live" ("" when Twitch had an error). */
	notLiveStreams: number;
	/** Paginated calls stopped at their page bound while Twitch still offered a cursor. */
	pageLimitHits: number;
}

export function createTwitchMetrics(): TwitchMetrics {
	return {
		requests: 0,
		retries: 0,
		rateLimited: 0,
		mints: 0,
		validations: 0,
		cacheHits: 0,
		cacheMisses: 0,
		coalesced: 0,
		malformedItems: 0,
		notLiveStreams: 0,
		pageLimitHits: 0,
	};
}

/**
 * What the Helix client reports as it goes, for Prometheus (the bot wires it to prom-client). Optional: without
 * one, the client only keeps its counters. Calls are made synchronously and must not throw (a throw is caught and
 * logged once; the request goes on).
 */
export interface HelixObserver {
	/** Each HTTP attempt to Helix or the auth server, when it ends. endpoint: the route, e.g. 'streams', 'users', 'games/top', 'eventsub/subscriptions', 'oauth2/token', 'oauth2/validate' (no ids, no query); status: the HTTP status, or 'network' / 'timeout' when there was none. */
	request(endpoint: string, status: number | 'network' | 'timeout', durationSeconds: number): void;
	/** Ratelimit-Remaining and Ratelimit-Limit of each Helix answer that carries them. */
	rateLimit(remaining: number, limit: number): void;
}

/**
 * The observer as the client calls it: undefined when none was given (each call site is then one skipped branch),
 * else the given one behind a guard, so that a bug in metrics code costs a warning, once, and never a request.
 */
export function guardObserver(observer: HelixObserver | undefined, logger: Logger): HelixObserver | undefined {
	if (!observer) return undefined;
	let warned = false;
	const failed = (error: unknown) => {
		if (warned) return;
		warned = true;
		logger.warn({ err: error }, 'the Helix observer threw; its calls go on, this is logged once');
	};
	return {
		request(endpoint, status, durationSeconds) {
			try {
				observer.request(endpoint, status, durationSeconds);
			} catch (error) {
				failed(error);
			}
		},
		rateLimit(remaining, limit) {
			try {
				observer.rateLimit(remaining, limit);
			} catch (error) {
				failed(error);
			}
		},
	};
}
