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

/** An answer and when it goes stale (performance.now() milliseconds). Null is a real answer: "no such user". */
interface Entry {
	value: unknown;
	expiresAt: number;
}

/** A holder of cached answers whose entries count toward the cache's bound (see ResponseCache). */
export interface CachePart {
	readonly size: number;
	/** Gives up the least recently used entry. */
	dropOldest(): void;
	clear(): void;
}

/**
 * The Helix client's response cache: answers in memory, each with a TTL (per endpoint, CACHE_TTL_MS), at most
 * `maxEntries` of them in all, so that it cannot grow without limit in a long-running bot.
 *
 * Whole answers (top games, a search, …) are kept here under keys that name them; answers by key (users by login,
 * streams by user id, …) are kept by the HelixBatcher of each lookup, which joins the cache as a part of it: one
 * map entry per key serves both the request in flight and, later, the cached answer. Each part is a Map in insertion
 * order, which makes it an LRU list (a hit moves its entry to the end). When the cache is full, the largest part
 * gives up its least recently used entry. Expired entries are dropped when read, or as the oldest.
 *
 * Hand-written where lru-cache was used: with per-entry TTLs its get and set cost about 1.5 µs each, so that the
 * cache of a 10,000-login lookup cost more than its 100 requests.
 */
export class ResponseCache implements CachePart {
	readonly metrics: TwitchMetrics;
	private readonly maxEntries: number;
	private readonly answers = new Map<string, Entry>();
	private readonly parts: CachePart[] = [this];
	/** Entries in all parts. */
	private entries = 0;

	constructor(metrics: TwitchMetrics, maxEntries = 20_000) {
		this.metrics = metrics;
		this.maxEntries = maxEntries;
	}

	/** Whole answers held here (the parts that joined hold the rest). */
	get size(): number {
		return this.answers.size;
	}

	/** Makes `part`'s entries count toward the bound; it reports each change with `resized`. */
	join(part: CachePart): void {
		this.parts.push(part);
	}

	/** A part's entry count changed by `delta`; past the bound, the largest part gives up its oldest entry. */
	resized(delta: number): void {
		this.entries += delta;
		if (this.entries <= this.maxEntries) return;
		let largest: CachePart = this;
		for (const part of this.parts) if (part.size > largest.size) largest = part;
		largest.dropOldest();
	}

	/** The cached answer for `key` (its value may be null: a cached "none"), or undefined; counts a hit or a miss. */
	get<T>(key: string): { value: T } | undefined {
		const entry = this.answers.get(key);
		if (entry === undefined) {
			this.metrics.cacheMisses++;
			return undefined;
		}
		this.answers.delete(key);
		if (entry.expiresAt <= performance.now()) {
			this.resized(-1);
			this.metrics.cacheMisses++;
			return undefined;
		}
		this.answers.set(key, entry);
		this.metrics.cacheHits++;
		return entry as { value: T };
	}

	/** Keeps `value` for `ttlMs`, as the most recently used answer. */
	set(key: string, value: unknown, ttlMs: number): void {
		const replaced = this.answers.delete(key);
		this.answers.set(key, { value, expiresAt: performance.now() + ttlMs });
		if (!replaced) this.resized(1);
	}

	/** Returns the cached answer for `key`, or runs `load` and caches its answer for `ttlMs`. */
	async getOrLoad<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
		const hit = this.get<T>(key);
		if (hit) return hit.value;
		const value = await load();
		this.set(key, value, ttlMs);
		return value;
	}

	dropOldest(): void {
		const oldest = this.answers.keys().next();
		if (oldest.done) return;
		this.answers.delete(oldest.value);
		this.resized(-1);
	}

	/** Forgets every answer, those of the parts too. */
	clear(): void {
		for (const part of this.parts) {
			if (part === this) {
				this.entries -= this.answers.size;
				this.answers.clear();
			} else part.clear();
		}
	}
}
