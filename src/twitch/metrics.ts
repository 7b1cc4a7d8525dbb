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
