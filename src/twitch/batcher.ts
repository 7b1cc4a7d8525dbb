import DataLoader from 'dataloader';

/** Twitch's limit on ids or logins in one request. */
export const HELIX_LIST_LIMIT = 100;

/** Looks up one id or login; resolves to undefined for a key Twitch does not know (unknown user, offline channel). */
export type HelixLoader<V> = DataLoader<string, V | undefined>;

/**
 * A dataloader for one Helix lookup: single-key lookups made in the same tick share requests of at most 100 keys,
 * and a lookup of a key already queued or in flight joins that request (250 logins are 3 requests, 1,000
 * concurrent lookups of one user are 1). Unlike dataloader's default, a key is remembered only until its answer
 * is in: answers are kept, with their TTLs, by the response cache.
 *
 * @param fetchBatch fetches up to 100 keys; keys absent from the returned map resolve to undefined.
 * @param onCoalesced called when a lookup joins a request already queued or in flight (for metrics).
 */
export function createHelixLoader<V>(
	fetchBatch: (keys: string[]) => Promise<Map<string, V>>,
	onCoalesced: () => void = () => {},
): HelixLoader<V> {
	const pending = new Map<string, Promise<V | undefined>>();
	return new DataLoader<string, V | undefined>(
		async (keys) => {
			try {
				const found = await fetchBatch([...keys]);
				return keys.map((key) => found.get(key));
			} finally {
				for (const key of keys) pending.delete(key);
			}
		},
		{
			maxBatchSize: HELIX_LIST_LIMIT,
			// A tick, not dataloader's default (the end of the current microtasks): lookups that first await the
			// response cache still land in the same request.
			batchScheduleFn: (dispatch) => setImmediate(dispatch),
			cacheMap: {
				get: (key) => {
					const joined = pending.get(key);
					if (joined) onCoalesced();
					return joined;
				},
				set: (key, promise) => pending.set(key, promise),
				delete: (key) => pending.delete(key),
				clear: () => pending.clear(),
			},
		},
	);
}

/** Looks up many distinct keys through `loader`; the result holds the keys that were found. */
export async function loadFound<V>(loader: HelixLoader<V>, keys: readonly string[]): Promise<Map<string, V>> {
	const values = await Promise.all(keys.map((key) => loader.load(key)));
	const found = new Map<string, V>();
	keys.forEach((key, index) => {
		const value = values[index];
		if (value !== undefined) found.set(key, value);
	});
	return found;
}
