import { HelixBatcher } from './batcher.ts';
import type { ResponseCache, ResponseCacheSection } from './response-cache.ts';

export interface KeyedLookupOptions<V> {
	/** Fetches up to 100 keys in one request; what Twitch does not know is simply absent. */
	fetch: (keys: string[]) => Promise<V[]>;
	/** The key an answer is for, as asked (a login in lower case, an id). */
	keyOf: (value: V) => string;
	/** Where answers are kept between lookups; undefined: nothing is kept. */
	cache: ResponseCache | undefined;
	/** The cache's section for these answers, e.g. `user:login`. */
	section: string;
	ttlMs: number;
	/** How long "Twitch knows no such key" is kept (default `ttlMs`). */
	missingTtlMs?: number;
	/** Called when a lookup joins a request already queued or in flight (for metrics). */
	onCoalesced?: () => void;
}

/**
 * A Helix lookup by key (users by login or id, streams by login or user id): the response cache first, then one
 * shared request per 100 keys not cached (see HelixBatcher). Each request's answers are cached where they arrive,
 * once per key, "none" included, whoever asked.
 */
export class KeyedLookup<V> {
	private readonly batcher: HelixBatcher<V>;
	private readonly cache: ResponseCacheSection | undefined;

	constructor(options: KeyedLookupOptions<V>) {
		const { fetch, keyOf, ttlMs } = options;
		const missingTtlMs = options.missingTtlMs ?? ttlMs;
		const cache = options.cache?.section(options.section);
		this.cache = cache;
		this.batcher = new HelixBatcher(async (keys) => {
			const found = new Map<string, V>();
			for (const value of await fetch(keys)) found.set(keyOf(value), value);
			if (cache) {
				const now = performance.now();
				for (const key of keys) {
					const value = found.get(key);
					if (value === undefined) cache.set(key, null, missingTtlMs, now);
					else cache.set(key, value, ttlMs, now);
				}
			}
			return found;
		}, options.onCoalesced);
	}

	/** The value for one key, or null when Twitch knows none. */
	async one(key: string): Promise<V | null> {
		const hit = this.cache?.get<V | null>(key);
		if (hit) return hit.value;
		return (await this.batcher.load(key)) ?? null;
	}

	/** The values found for distinct keys, in the keys' order; keys Twitch knows nothing of are left out. */
	async many(keys: Iterable<string>): Promise<V[]> {
		// Cached values are V or null ("none"); undefined marks a key to fetch.
		const values: Array<V | null | undefined> = [];
		const missing: string[] = [];
		for (const key of keys) {
			const hit = this.cache?.get<V | null>(key);
			values.push(hit?.value);
			if (!hit) missing.push(key);
		}
		if (missing.length === 0) return values.filter(isFound);
		const fetched = await this.batcher.loadMany(missing);
		// Nothing was cached: the answers are already in the keys' order.
		if (missing.length === values.length) return fetched.filter(isFound);
		let next = 0;
		for (let i = 0; i < values.length; i++) if (values[i] === undefined) values[i] = fetched[next++];
		return values.filter(isFound);
	}
}

function isFound<V>(value: V | null | undefined): value is V {
	return value != null;
}
