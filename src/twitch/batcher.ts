import type { CachePart, ResponseCache } from './response-cache.ts';

/** Twitch's limit on ids or logins in one request. */
export const HELIX_LIST_LIMIT = 100;

/**
 * Up to 100 keys sent to Twitch as one request. Once answered it is also the cached answer of each of its keys,
 * until it expires: the keys' map entries point at it, so that caching 100 answers allocates nothing per key.
 * Never changed once answered (a lookup may still be reading it).
 */
class Batch<V> {
	readonly keys: string[] = [];
	/** Map entries that point at this batch. */
	live = 0;
	/** Twitch's answer by key, once in (a key absent from it: Twitch knows none). */
	found: Map<string, V> | undefined;
	/** Whether the request has been sent (no key may join the request itself then, only wait for it). */
	sent = false;
	/** When the answers go stale (performance.now() ms): those found, and "none"; in flight, never. */
	expiresAt = Number.POSITIVE_INFINITY;
	missingExpiresAt = Number.POSITIVE_INFINITY;
	/** The many-key lookup that last added keys to it, and where its keys begin (for spotting repeated keys). */
	call = 0;
	callStart = 0;
	readonly answer: Promise<void>;
	settle!: (error?: unknown) => void;

	constructor() {
		this.answer = new Promise<void>((resolve, reject) => {
			this.settle = (error) => (error === undefined ? resolve() : reject(error));
		});
	}

	staleAt(key: string): number {
		return this.found?.has(key) ? this.expiresAt : this.missingExpiresAt;
	}

	/** An answered batch holding the answers of `keys` only, as fresh as this one. */
	static answered<V>(from: Batch<V>, keys: string[]): Batch<V> {
		const batch = new Batch<V>();
		batch.sent = true;
		batch.expiresAt = from.expiresAt;
		batch.missingExpiresAt = from.missingExpiresAt;
		batch.found = new Map();
		for (const key of keys) {
			batch.keys.push(key);
			const value = from.found?.get(key);
			if (value !== undefined) batch.found.set(key, value);
		}
		batch.settle();
		return batch;
	}
}

export interface HelixBatcherOptions<V> {
	/** Fetches up to 100 keys in one request; keys absent from the returned map are unknown to Twitch. */
	fetchBatch: (keys: string[]) => Promise<Map<string, V>>;
	/** Called when a lookup joins a request already queued or in flight (for metrics). */
	onCoalesced?: () => void;
	/** Keeps answers in this cache, found ones for `ttlMs`, "none" for `missingTtlMs` (default `ttlMs`). */
	cache?: { cache: ResponseCache; ttlMs: number; missingTtlMs?: number } | undefined;
}

/**
 * Lookups of one Helix list endpoint by key (users by login, streams by user id, …): keys asked for in the same
 * tick share requests of at most 100, a lookup of a key already queued or in flight joins that request (250 logins
 * are 3 requests, 1,000 concurrent lookups of one user are 1), and, with a cache, each answer ("none" included) is
 * kept for its TTL and served without a request.
 *
 * One map holds both the keys in flight and the cached answers: key → its batch. A key costs one map entry, once:
 * the entry made when the key is asked for becomes its cached answer when the batch is answered. It replaced
 * dataloader (a promise and two map entries per key) under a cache with an entry of its own per key and a set to
 * find repeated keys: for a lookup of 10,000 logins those cost more than its 100 requests.
 */
export class HelixBatcher<V> implements CachePart {
	private readonly fetchBatch: (keys: string[]) => Promise<Map<string, V>>;
	private readonly onCoalesced: () => void;
	private readonly cache: ResponseCache | undefined;
	private readonly ttlMs: number;
	private readonly missingTtlMs: number;
	/** Every key queued, in flight or (with a cache) answered, and its batch; in LRU order (a hit moves to the end). */
	private readonly slots = new Map<string, Batch<V>>();
	/**
	 * Batches being filled in this tick, sent at the next one: a tick, not the end of the current microtasks, so that
	 * lookups that first await something else still land in them.
	 */
	private queued: Array<Batch<V>> = [];
	private calls = 0;

	constructor(options: HelixBatcherOptions<V>) {
		this.fetchBatch = options.fetchBatch;
		this.onCoalesced = options.onCoalesced ?? (() => {});
		this.cache = options.cache?.cache;
		this.ttlMs = options.cache?.ttlMs ?? 0;
		this.missingTtlMs = options.cache?.missingTtlMs ?? this.ttlMs;
		this.cache?.join(this);
	}

	get size(): number {
		return this.slots.size;
	}

	/** Answers held in memory by the batches the keys point at (for tests: at most about four per key). */
	get heldAnswers(): number {
		let held = 0;
		for (const batch of new Set(this.slots.values())) held += batch.found?.size ?? 0;
		return held;
	}

	/** The value of one key, or undefined when Twitch knows none (unknown user, offline channel). */
	async load(key: string): Promise<V | undefined> {
		const batch = this.usable(key, this.slots.get(key), performance.now()) ?? this.enqueue(key);
		if (batch.found === undefined) await batch.answer;
		return batch.found?.get(key);
	}

	/**
	 * The values found for many keys, in their order, each once (a repeated key is answered once); keys Twitch knows
	 * nothing of are left out.
	 */
	async loadMany(keys: Iterable<string>): Promise<V[]> {
		const call = ++this.calls;
		const now = performance.now();
		const asked: string[] = [];
		const batchOf: Array<Batch<V>> = [];
		const waits: Array<Promise<void>> = [];
		// Keys served from the cache or joined to another lookup's request: a repeat of one of these is skipped here.
		let elsewhere: Set<string> | undefined;
		let last: Batch<V> | undefined;
		for (const key of keys) {
			const existing = this.slots.get(key);
			if (existing !== undefined && (this.isRepeat(existing, key, call) || elsewhere?.has(key))) continue;
			let batch = this.usable(key, existing, now);
			if (batch === undefined) {
				batch = this.enqueue(key, call);
				if (batch !== last) waits.push(batch.answer);
				last = batch;
			} else {
				elsewhere ??= new Set();
				elsewhere.add(key);
				if (batch.found === undefined) waits.push(batch.answer);
			}
			asked.push(key);
			batchOf.push(batch);
		}
		await Promise.all(waits);
		const values: V[] = [];
		for (let i = 0; i < asked.length; i++) {
			const value = batchOf[i]?.found?.get(asked[i] as string);
			if (value !== undefined) values.push(value);
		}
		return values;
	}

	/** Gives up the least recently used key (the response cache is full). */
	dropOldest(): void {
		const oldest = this.slots.entries().next();
		if (oldest.done) return;
		const [key, batch] = oldest.value;
		this.remove(key, batch);
	}

	clear(): void {
		this.cache?.resized(-this.slots.size);
		for (const batch of this.slots.values()) batch.live = 0;
		this.slots.clear();
	}

	/**
	 * The batch that answers `key` now (`batch` is its map entry): one queued or in flight (joined), or an answer still
	 * fresh (a cache hit); undefined when the key must be asked for. Counts the hit, the miss and the join.
	 */
	private usable(key: string, batch: Batch<V> | undefined, now: number): Batch<V> | undefined {
		const metrics = this.cache?.metrics;
		if (batch === undefined) {
			if (metrics) metrics.cacheMisses++;
			return undefined;
		}
		if (batch.found === undefined) {
			if (metrics) metrics.cacheMisses++;
			this.onCoalesced();
			return batch;
		}
		if (batch.staleAt(key) <= now) {
			this.remove(key, batch);
			if (metrics) metrics.cacheMisses++;
			return undefined;
		}
		// The most recently used key goes to the end of the map.
		this.slots.delete(key);
		this.slots.set(key, batch);
		if (metrics) metrics.cacheHits++;
		return batch;
	}

	/** Whether this many-key lookup (`call`) put `key` into this batch already: the same key given twice. */
	private isRepeat(batch: Batch<V>, key: string, call: number): boolean {
		return !batch.sent && batch.call === call && batch.keys.indexOf(key, batch.callStart) >= 0;
	}

	/** Puts a key that has no usable batch into the request being filled in this tick. */
	private enqueue(key: string, call = 0): Batch<V> {
		let batch = this.queued.at(-1);
		if (!batch || batch.keys.length >= HELIX_LIST_LIMIT) {
			if (this.queued.length === 0) setImmediate(() => this.dispatch());
			batch = new Batch<V>();
			this.queued.push(batch);
		}
		if (batch.call !== call) {
			batch.call = call;
			batch.callStart = batch.keys.length;
		}
		batch.keys.push(key);
		batch.live++;
		this.slots.set(key, batch);
		this.cache?.resized(1);
		return batch;
	}

	private dispatch(): void {
		const batches = this.queued;
		this.queued = [];
		for (const batch of batches) {
			batch.sent = true;
			this.send(batch.keys).then(
				(found) => {
					const now = performance.now();
					batch.expiresAt = now + this.ttlMs;
					batch.missingExpiresAt = now + this.missingTtlMs;
					batch.found = found;
					// Without a cache the answer is not kept: the next lookup of these keys asks again.
					if (!this.cache) this.forget(batch);
					batch.settle();
				},
				(error: unknown) => {
					this.forget(batch);
					batch.settle(error ?? new Error('Helix lookup failed'));
				},
			);
		}
	}

	/** Sends one request; a fetchBatch that throws at once rejects like one that fails later. */
	private async send(keys: string[]): Promise<Map<string, V>> {
		return this.fetchBatch(keys);
	}

	/** Removes every key that still points at this batch (its answer is not kept, or there is none). */
	private forget(batch: Batch<V>): void {
		for (const key of batch.keys) {
			if (this.slots.get(key) !== batch) continue;
			this.slots.delete(key);
			this.cache?.resized(-1);
		}
		batch.live = 0;
	}

	/**
	 * Removes one key's map entry. An answered batch whose keys have mostly gone (evicted, expired) is replaced, for
	 * the keys left, by a batch holding their answers only: a few hot keys must not keep the answers of a hundred
	 * others alive.
	 */
	private remove(key: string, batch: Batch<V>): void {
		this.slots.delete(key);
		this.cache?.resized(-1);
		batch.live--;
		if (batch.found === undefined || batch.live === 0 || batch.live * 4 > batch.keys.length) return;
		const left = batch.keys.filter((other) => this.slots.get(other) === batch);
		const compact = Batch.answered(batch, left);
		compact.live = left.length;
		batch.live = 0;
		// Same keys, so the map keeps its order: set() on a present key replaces its value in place.
		for (const other of left) this.slots.set(other, compact);
	}
}
