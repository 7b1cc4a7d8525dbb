/** Twitch's limit on ids or logins in one request. */
export const HELIX_LIST_LIMIT = 100;

/** Up to 100 keys that go to Twitch as one request, and what Twitch answered for them. */
interface Batch<V> {
	readonly keys: string[];
	/** Settles when the answer is in; `found` is set by then (unless the request failed). */
	readonly answer: Promise<void>;
	found: Map<string, V> | undefined;
}

/**
 * Coalesces the lookups of one Helix list endpoint (users by login, streams by user id, …): keys asked for in the
 * same tick share requests of at most 100, and a lookup of a key already queued or in flight joins that request
 * (250 logins are 3 requests, 1,000 concurrent lookups of one user are 1). A key is remembered only until its
 * answer is in: answers are kept, with their TTLs, by the response cache.
 *
 * Hand-written where dataloader was used: dataloader made a promise and two map entries per key, which for a lookup
 * of 10,000 logins cost more than its 100 requests. Here a key costs one map entry, and a caller one promise per
 * request it waits for.
 */
export class HelixBatcher<V> {
	private readonly fetchBatch: (keys: string[]) => Promise<Map<string, V>>;
	private readonly onCoalesced: () => void;
	/** Every key queued or in flight, and the batch it is in. */
	private readonly pending = new Map<string, Batch<V>>();
	/**
	 * Batches being filled in this tick, sent at the next one: a tick, not the end of the current microtasks, so that
	 * lookups that first await something else still land in them.
	 */
	private queued: Array<Batch<V> & { settle: (error?: unknown) => void }> = [];

	/**
	 * @param fetchBatch fetches up to 100 keys; keys absent from the returned map are unknown to Twitch.
	 * @param onCoalesced called when a lookup joins a request already queued or in flight (for metrics).
	 */
	constructor(fetchBatch: (keys: string[]) => Promise<Map<string, V>>, onCoalesced: () => void = () => {}) {
		this.fetchBatch = fetchBatch;
		this.onCoalesced = onCoalesced;
	}

	/** The value of one key, or undefined when Twitch knows none (unknown user, offline channel). */
	async load(key: string): Promise<V | undefined> {
		const batch = this.batchOf(key);
		await batch.answer;
		return batch.found?.get(key);
	}

	/**
	 * The values of many distinct keys, in their order (undefined where Twitch knows none). A key already queued or in
	 * flight joins that request. Of the others, each full hundred goes out at once as a request of its own, which
	 * later lookups do not join (registering each of 10,000 keys for that cost more than the rare lookup it would
	 * save); the rest are queued like single lookups, to share a request with the other lookups of this tick.
	 */
	async loadMany(keys: readonly string[]): Promise<Array<V | undefined>> {
		let own = keys;
		let ownAt = (j: number) => j;
		const joined: Array<[at: number, batch: Batch<V>]> = [];
		if (this.pending.size > 0) {
			const ownKeys: string[] = [];
			const positions: number[] = [];
			keys.forEach((key, at) => {
				const batch = this.pending.get(key);
				if (batch) {
					this.onCoalesced();
					joined.push([at, batch]);
				} else {
					ownKeys.push(key);
					positions.push(at);
				}
			});
			own = ownKeys;
			ownAt = (j) => positions[j] as number;
		}
		const full = own.length - (own.length % HELIX_LIST_LIMIT);
		const requests: Array<Promise<Map<string, V>>> = [];
		for (let j = 0; j < full; j += HELIX_LIST_LIMIT) requests.push(this.send(own.slice(j, j + HELIX_LIST_LIMIT)));
		for (let j = full; j < own.length; j++) joined.push([ownAt(j), this.enqueue(own[j] as string)]);
		const [answers] = await Promise.all([
			Promise.all(requests),
			Promise.all([...new Set(joined.map(([, batch]) => batch))].map((batch) => batch.answer)),
		]);
		const values = new Array<V | undefined>(keys.length);
		for (let j = 0; j < full; j++) values[ownAt(j)] = answers[Math.floor(j / HELIX_LIST_LIMIT)]?.get(own[j] as string);
		for (const [at, batch] of joined) values[at] = batch.found?.get(keys[at] as string);
		return values;
	}

	private batchOf(key: string): Batch<V> {
		const joined = this.pending.get(key);
		if (joined) {
			this.onCoalesced();
			return joined;
		}
		return this.enqueue(key);
	}

	/** Puts a key that is not pending into the request being filled in this tick. */
	private enqueue(key: string): Batch<V> {
		let batch = this.queued.at(-1);
		if (!batch || batch.keys.length >= HELIX_LIST_LIMIT) {
			if (this.queued.length === 0) setImmediate(() => this.dispatch());
			let settle!: (error?: unknown) => void;
			const answer = new Promise<void>((resolve, reject) => {
				settle = (error) => (error === undefined ? resolve() : reject(error));
			});
			batch = { keys: [], answer, found: undefined, settle };
			this.queued.push(batch);
		}
		batch.keys.push(key);
		this.pending.set(key, batch);
		return batch;
	}

	private dispatch(): void {
		const batches = this.queued;
		this.queued = [];
		for (const batch of batches) {
			this.send(batch.keys).then(
				(found) => {
					batch.found = found;
					this.forget(batch);
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

	/** The answer is in: the next lookup of these keys asks again (or finds the response cache's copy). */
	private forget(batch: Batch<V>): void {
		for (const key of batch.keys) this.pending.delete(key);
	}
}
