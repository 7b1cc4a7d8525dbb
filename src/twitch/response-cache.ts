import { Keyv } from 'keyv';
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

/**
 * A Map with a size bound: the oldest entry goes first when full, so the cache cannot grow without limit in a
 * long-running bot (keyv's own Map store is unbounded).
 */
export class BoundedMap<K, V> extends Map<K, V> {
	private readonly maxEntries: number;
	constructor(maxEntries: number) {
		super();
		this.maxEntries = maxEntries;
	}
	override set(key: K, value: V): this {
		if (!this.has(key) && this.size >= this.maxEntries) {
			const oldest = this.keys().next();
			if (!oldest.done) this.delete(oldest.value);
		}
		return super.set(key, value);
	}
}

/** Null is a real answer ("no such user", "offline"); undefined means "not cached". */
type Cached<T> = { value: T };

/** The Helix client's response cache: keyv over a bounded in-memory map, with per-endpoint TTLs. */
export class ResponseCache {
	private readonly keyv: Keyv<Cached<unknown>>;
	private readonly metrics: TwitchMetrics;

	constructor(metrics: TwitchMetrics, maxEntries = 20_000) {
		// In memory, values are kept as they are: JSON round trips on every hit would cost more than the request saved.
		this.keyv = new Keyv<Cached<unknown>>({ store: new BoundedMap(maxEntries), useKeyPrefix: false });
		this.keyv.serialize = undefined;
		this.keyv.deserialize = undefined;
		this.metrics = metrics;
	}

	/** Returns the cached answer for `key`, or runs `load` and caches its answer for `ttlMs`. */
	async getOrLoad<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
		const hit = (await this.keyv.get(key)) as Cached<T> | undefined;
		if (hit) {
			this.metrics.cacheHits++;
			return hit.value;
		}
		this.metrics.cacheMisses++;
		const value = await load();
		await this.keyv.set(key, { value }, ttlMs);
		return value;
	}

	/** Reads many keys at once; the result lists the keys found (with their values, possibly null). */
	async getMany<T>(keys: readonly string[]): Promise<Map<string, T>> {
		const found = new Map<string, T>();
		if (keys.length === 0) return found;
		// A single key (the common case: one command, one user) is cheaper through get than getMany.
		const values = (
			keys.length === 1 ? [await this.keyv.get(keys[0] as string)] : await this.keyv.getMany(keys as string[])
		) as Array<Cached<T> | undefined>;
		keys.forEach((key, index) => {
			const hit = values[index];
			if (hit) found.set(key, hit.value);
		});
		this.metrics.cacheHits += found.size;
		this.metrics.cacheMisses += keys.length - found.size;
		return found;
	}

	async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
		await this.keyv.set(key, { value }, ttlMs);
	}

	/** Stores many answers with one TTL in one call. */
	async setMany<T>(entries: ReadonlyArray<readonly [string, T]>, ttlMs: number): Promise<void> {
		if (entries.length === 0) return;
		if (entries.length === 1) {
			const [key, value] = entries[0] as readonly [string, T];
			await this.keyv.set(key, { value }, ttlMs);
			return;
		}
		await this.keyv.setMany(entries.map(([key, value]) => ({ key, value: { value }, ttl: ttlMs })));
	}

	async clear(): Promise<void> {
		await this.keyv.clear();
	}
}
