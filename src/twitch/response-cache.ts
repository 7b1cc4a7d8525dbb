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

/** Null is a real answer ("no such us/** An answer and when it goes stale (performance.now() milliseconds). Null is a real answer: "no such user". */
interface Entry {
	value: unknown;
	expiresAt: number;
}

/**
 * The Helix client's response cache: answers in memory, each with a TTL (per endpoint, CACHE_TTL_MS), at most
 * `maxEntries` of them in all, so that it cannot grow without limit in a long-running bot.
 *
 * Answers are kept in sections, one per kind (users by login, streams by user id, …, and one for whole answers such
 * as top games), each keyed by the login or id itself: a lookup of 10,000 logins then builds no 10,000 prefixed
 * keys to hash twice. Each section is a Map in insertion order, which makes it an LRU list: a hit moves its entry
 * to the end. When the cache is full, the largest section drops its least recently used entry. Expired entries
 * are dropped when read, or as the oldest.
 *
 * Hand-written where lru-cache was used: with per-entry TTLs its get and set cost about 1.5 µs each, so that the
 * cache of a 10,000-login lookup cost more than its 100 requests.
 */
export class ResponseCache {
	readonly metrics: TwitchMetrics;
	private readonly maxEntries: number;
	private readonly sections = new Map<string, ResponseCacheSection>();
	/** Entries in all sections. */
	private entries = 0;
	/** Whole answers (top games, a search, …) under keys that name them. */
	private readonly answers: ResponseCacheSection;

	constructor(metrics: TwitchMetrics, maxEntries = 20_000) {
		this.metrics = metrics;
		this.maxEntries = maxEntries;
		this.answers = this.section('answers');
	}

	/** The section for one kind of answer (made on first use); its keys are bare ids or logins. */
	section(name: string): ResponseCacheSection {
		let section = this.sections.get(name);
		if (!section) {
			section = new ResponseCacheSection(this);
			this.sections.set(name, section);
		}
		return section;
	}

	/** The cached answer for `key` (its value may be null: a cached "none"), or undefined; counts a hit or a miss. */
	get<T>(key: string): { value: T } | undefined {
		return this.answers.get<T>(key);
	}

	/** Keeps `value` for `ttlMs`. */
	set(key: string, value: unknown, ttlMs: number): void {
		this.answers.set(key, value, ttlMs);
	}

	/** Returns the cached answer for `key`, or runs `load` and caches its answer for `ttlMs`. */
	async getOrLoad<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
		const hit = this.answers.get<T>(key);
		if (hit) return hit.value;
		const value = await load();
		this.answers.set(key, value, ttlMs);
		return value;
	}

	clear(): void {
		for (const section of this.sections.values()) section.clear();
	}

	/** A section's entry count changed by `delta`; past the bound, the largest section gives up its oldest entry. */
	resized(delta: number): void {
		this.entries += delta;
		if (this.entries <= this.maxEntries) return;
		let largest: ResponseCacheSection | undefined;
		for (const section of this.sections.values()) if (!largest || section.size > largest.size) largest = section;
		largest?.dropOldest();
	}
}

/** One kind of answer in the ResponseCache, keyed by id or login; see there. */
export class ResponseCacheSection {
	private readonly cache: ResponseCache;
	private readonly entries = new Map<string, Entry>();

	constructor(cache: ResponseCache) {
		this.cache = cache;
	}

	get size(): number {
		return this.entries.size;
	}

	/** The cached answer for `key` (its value may be null: a cached "none"), or undefined; counts a hit or a miss. */
	get<T>(key: string): { value: T } | undefined {
		const entry = this.entries.get(key);
		const { metrics } = this.cache;
		if (entry === undefined) {
			metrics.cacheMisses++;
			return undefined;
		}
		this.entries.delete(key);
		if (entry.expiresAt <= performance.now()) {
			this.cache.resized(-1);
			metrics.cacheMisses++;
			return undefined;
		}
		this.entries.set(key, entry);
		metrics.cacheHits++;
		return entry as { value: T };
	}

	/** Keeps `value` for `ttlMs` from `now` (callers storing many answers at once read the time once). */
	set(key: string, value: unknown, ttlMs: number, now = performance.now()): void {
		const before = this.entries.size;
		const entry = { value, expiresAt: now + ttlMs };
		this.entries.set(key, entry);
		if (this.entries.size > before) this.cache.resized(1);
		else {
			// A replaced answer: Map.set keeps a key where it was, so move it to the end (most recently used).
			this.entries.delete(key);
			this.entries.set(key, entry);
		}
	}

	dropOldest(): void {
		const oldest = this.entries.keys().next();
		if (oldest.done) return;
		this.entries.delete(oldest.value);
		this.cache.resized(-1);
	}

	clear(): void {
		this.cache.resized(-this.entries.size);
		this.entries.clear();
	}
}
