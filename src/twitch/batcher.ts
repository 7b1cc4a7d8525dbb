/** Twitch's limit on ids or logins in one request. */
export const HELIX_LIST_LIMIT = 100;

/**
 * Coalesces single-key lookups made in the same tick into shared requests of at most 100 keys, and lets callers
 * asking for a key that is already being fetched join that request. An explicit list of any length is split the
 * same way: 250 logins are 3 requests, and 1,000 concurrent lookups of one user are 1.
 */
export class KeyedBatcher<V> {
	private queued = new Map<string, Deferred<V | undefined>>();
	private readonly inFlight = new Map<string, Promise<V | undefined>>();
	private scheduled = false;
	private readonly fetchBatch: (keys: string[]) => Promise<Map<string, V>>;
	private readonly onCoalesced: () => void;

	/**
	 * @param fetchBatch fetches up to 100 keys; keys absent from the returned map resolve to undefined (unknown user,
	 *   offline channel).
	 * @param onCoalesced called when a lookup joins a request already queued or in flight (for metrics).
	 */
	constructor(fetchBatch: (keys: string[]) => Promise<Map<string, V>>, onCoalesced: () => void = () => {}) {
		this.fetchBatch = fetchBatch;
		this.onCoalesced = onCoalesced;
	}

	/** Looks up one key, sharing the request with every other lookup of this tick. */
	load(key: string): Promise<V | undefined> {
		const running = this.inFlight.get(key);
		if (running) {
			this.onCoalesced();
			return running;
		}
		const waiting = this.queued.get(key);
		if (waiting) {
			this.onCoalesced();
			return waiting.promise;
		}
		const deferred = createDeferred<V | undefined>();
		this.queued.set(key, deferred);
		if (this.queued.size >= HELIX_LIST_LIMIT) this.flush();
		else if (!this.scheduled) {
			this.scheduled = true;
			setImmediate(() => this.flush());
		}
		return deferred.promise;
	}

	/** Looks up many keys (deduplicated, in requests of at most 100); the result holds the keys that were found. */
	async loadMany(keys: Iterable<string>): Promise<Map<string, V>> {
		const unique = [...new Set(keys)];
		const values = await Promise.all(unique.map((key) => this.load(key)));
		const found = new Map<string, V>();
		unique.forEach((key, index) => {
			const value = values[index];
			if (value !== undefined) found.set(key, value);
		});
		return found;
	}

	private flush(): void {
		this.scheduled = false;
		const batch = this.queued;
		if (batch.size === 0) return;
		this.queued = new Map();
		const keys = [...batch.keys()];
		const request = this.fetchBatch(keys);
		for (const [key, deferred] of batch) {
			this.inFlight.set(key, deferred.promise);
		}
		request.then(
			(found) => {
				for (const [key, deferred] of batch) {
					this.inFlight.delete(key);
					deferred.resolve(found.get(key));
				}
			},
			(error: unknown) => {
				for (const [key, deferred] of batch) {
					this.inFlight.delete(key);
					deferred.reject(error);
				}
			},
		);
	}
}

interface Deferred<T> {
	promise: Promise<T>;
	resolve(value: T): void;
	reject(error: unknown): void;
}

function createDeferred<T>(): Deferred<T> {
	let resolve!: (value: T) => void;
	let reject!: (error: unknown) => void;
	const promise = new Promise<T>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}
