import { LRUCache } from 'lru-cache';
import type { TwitchMetrics } from './metrics.ts';

/** How long each kind of answer may be reused. Short: a command should show what Twitch shows now. */
export const CACHE_TTL_MS = {
	user: 5 * 60_000,
	missingUser: 60_000,
	stream: 30_000,
	topGames: 60_000,
	games: 60 * 60_000,
	topStreams: 30_000,
	search: 60_000,
	clips: 5 * 60_000,
	videos: 2 * 60_000,
	channels: 60_000,
} as const;

/** Null is a real answer ("no such user", "offline"); undefined means "not cached". */
type Cached<T> = { value: T };

/**
 * The Helix client's response cache: an in-memory lru-cache with a TTL per entry (per endpoint, CACHE_TTL_MS) and
 * at most `maxEntries` answers, so that it cannot grow without limit in a long-running bot; when full, the least
 * recently used answer goes first.
 */
export class ResponseCache {
	// Values are kept as they are, not serialised: JSON round trips on every hit would cost more than the request saved.
	private readonly answers: LRUCache<string, Cached<unknown>>;
	private readonly metrics: TwitchMetrics;

	constructor(metrics: TwitchMetrics, maxEntries = 20_000) {
		this.answers = new LRUCache({ max: maxEntries });
		this.metrics = metrics;
	}

	/** Returns the cached answer for `key`, or runs `load` and caches its answer for `ttlMs`. */
	async getOrLoad<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
		const hit = this.answers.get(key) as Cached<T> | undefined;
		if (hit) {
			this.metrics.cacheHits++;
			return hit.value;
		}
		this.metrics.cacheMisses++;
		const value = await load();
		this.answers.set(key, { value }, { ttl: ttlMs });
		return value;
	}

	/** Reads many keys at once; the result lists the keys found (with their values, possibly null). */
	async getMany<T>(keys: readonly string[]): Promise<Map<string, T>> {
		const found = new Map<string, T>();
		for (const key of keys) {
			const hit = this.answers.get(key) as Cached<T> | undefined;
			if (hit) found.set(key, hit.value);
		}
		this.metrics.cacheHits += found.size;
		this.metrics.cacheMisses += keys.length - found.size;
		return found;
	}

	async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
		this.answers.set(key, { value }, { ttl: ttlMs });
	}

	/** Stores many answers with one TTL. */
	async setMany<T>(entries: ReadonlyArray<readonly [string, T]>, ttlMs: number): Promise<void> {
		for (const [key, value] of entries) this.answers.set(key, { value }, { ttl: ttlMs });
	}

	async clear(): Promise<void> {
		this.answers.clear();
	}
}
