import { describe, expect, it } from 'vitest';
import { HelixBatcher } from '../../src/twitch/batcher.ts';
import { createTwitchMetrics } from '../../src/twitch/metrics.ts';
import { ResponseCache } from '../../src/twitch/response-cache.ts';

/** A fetchBatch that records each request's keys and answers every key but `missing` with its upper-case form. */
function recordingFetch(missing: ReadonlySet<string> = new Set()) {
	const requests: string[][] = [];
	let gate: Promise<void> = Promise.resolve();
	return {
		requests,
		hold(until: Promise<void>) {
			gate = until;
		},
		async fetchBatch(keys: string[]): Promise<Map<string, string>> {
			requests.push([...keys]);
			await gate;
			return new Map(keys.filter((key) => !missing.has(key)).map((key) => [key, key.toUpperCase()]));
		},
	};
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
	let resolve!: () => void;
	const promise = new Promise<void>((done) => {
		resolve = done;
	});
	return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Helix batcher', () => {
	it('shares one request among the lookups of one tick, and resolves unknown keys to undefined', async () => {
		const fake = recordingFetch(new Set(['nobody']));
		const loader = new HelixBatcher({ fetchBatch: (keys) => fake.fetchBatch(keys) });
		const results = await Promise.all(['alpha', 'beta', 'nobody'].map((key) => loader.load(key)));
		expect(results).toEqual(['ALPHA', 'BETA', undefined]);
		expect(fake.requests).toEqual([['alpha', 'beta', 'nobody']]);
	});

	it('splits 250 keys into requests of at most 100', async () => {
		const fake = recordingFetch();
		const loader = new HelixBatcher({ fetchBatch: (keys) => fake.fetchBatch(keys) });
		const keys = Array.from({ length: 250 }, (_, i) => `user_${i}`);
		expect(await loader.loadMany(keys)).toEqual(keys.map((key) => key.toUpperCase()));
		expect(fake.requests.map((request) => request.length)).toEqual([100, 100, 50]);
	});

	it('lets a lookup of a key in flight join its request, and counts it', async () => {
		const fake = recordingFetch();
		const gate = deferred();
		fake.hold(gate.promise);
		let coalesced = 0;
		const loader = new HelixBatcher({ fetchBatch: (keys) => fake.fetchBatch(keys), onCoalesced: () => coalesced++ });
		const first = loader.load('alpha');
		await new Promise((resolve) => setImmediate(resolve));
		expect(fake.requests).toHaveLength(1);
		const second = loader.load('alpha');
		const many = loader.loadMany(['alpha', 'beta']);
		gate.resolve();
		expect(await Promise.all([first, second, many])).toEqual(['ALPHA', 'ALPHA', ['ALPHA', 'BETA']]);
		expect(fake.requests).toEqual([['alpha'], ['beta']]);
		expect(coalesced).toBe(2);
	});

	it('asks Twitch again once an answer is in when there is no cache', async () => {
		const fake = recordingFetch();
		const loader = new HelixBatcher({ fetchBatch: (keys) => fake.fetchBatch(keys) });
		expect(await loader.load('alpha')).toBe('ALPHA');
		expect(await loader.load('alpha')).toBe('ALPHA');
		expect(fake.requests).toEqual([['alpha'], ['alpha']]);
	});

	it('rejects every lookup of a failed request, and the next lookup asks again', async () => {
		let fail = true;
		const loader = new HelixBatcher({
			fetchBatch: async (keys: string[]) => {
				if (fail) throw new Error('Helix is down');
				return new Map(keys.map((key) => [key, key]));
			},
			cache: { cache: new ResponseCache(createTwitchMetrics()), ttlMs: 60_000 },
		});
		const failed = Promise.all([loader.load('alpha'), loader.loadMany(['beta'])]);
		await expect(failed).rejects.toThrow('Helix is down');
		fail = false;
		expect(await loader.load('alpha')).toBe('alpha');
	});

	it('answers a many-key lookup in order, each key once, sharing requests with the single lookups of the tick', async () => {
		const fake = recordingFetch(new Set(['nobody']));
		let coalesced = 0;
		const loader = new HelixBatcher({ fetchBatch: (keys) => fake.fetchBatch(keys), onCoalesced: () => coalesced++ });
		const single = loader.load('beta');
		const many = loader.loadMany(['alpha', 'beta', 'nobody', 'alpha', 'gamma', 'beta']);
		expect(await many).toEqual(['ALPHA', 'BETA', 'GAMMA']);
		expect(await single).toBe('BETA');
		expect(fake.requests).toEqual([['beta', 'alpha', 'nobody', 'gamma']]);
		expect(coalesced).toBe(1);
	});
});

describe('Helix batcher with a cache', () => {
	function cachedLoader(options: { ttlMs?: number; missingTtlMs?: number; maxEntries?: number } = {}) {
		const fake = recordingFetch(new Set(['nobody']));
		const metrics = createTwitchMetrics();
		const cache = new ResponseCache(metrics, options.maxEntries);
		const loader = new HelixBatcher({
			fetchBatch: (keys) => fake.fetchBatch(keys),
			cache: {
				cache,
				ttlMs: options.ttlMs ?? 60_000,
				...(options.missingTtlMs ? { missingTtlMs: options.missingTtlMs } : {}),
			},
		});
		return { fake, metrics, cache, loader };
	}

	it('serves a known key and a known "none" from the cache, alone or among others, and counts hits and misses', async () => {
		const { fake, metrics, loader } = cachedLoader();
		expect(await loader.loadMany(['alpha', 'nobody'])).toEqual(['ALPHA']);
		expect(await loader.load('alpha')).toBe('ALPHA');
		expect(await loader.load('nobody')).toBeUndefined();
		expect(await loader.loadMany(['nobody', 'beta', 'alpha', 'alpha'])).toEqual(['BETA', 'ALPHA']);
		expect(fake.requests).toEqual([['alpha', 'nobody'], ['beta']]);
		expect({ hits: metrics.cacheHits, misses: metrics.cacheMisses }).toEqual({ hits: 4, misses: 3 });
	});

	it('asks again once an answer is stale, "none" after its own, shorter TTL', async () => {
		const { fake, loader } = cachedLoader({ ttlMs: 200, missingTtlMs: 40 });
		await loader.loadMany(['alpha', 'nobody']);
		await sleep(80);
		await loader.loadMany(['alpha', 'nobody']);
		expect(fake.requests).toEqual([['alpha', 'nobody'], ['nobody']]);
		await sleep(200);
		await loader.load('alpha');
		expect(fake.requests).toEqual([['alpha', 'nobody'], ['nobody'], ['alpha']]);
	});

	it('holds at most maxEntries answers in all, the largest part giving up its least recently used', async () => {
		const { fake, cache, loader } = cachedLoader({ maxEntries: 3 });
		await loader.loadMany(['alpha', 'beta', 'gamma']);
		await loader.load('alpha'); // beta is now the least recently used
		await loader.load('delta'); // a fourth: beta goes
		cache.set('top-games:1', ['Chess'], 60_000); // the loader holds the most: its oldest, gamma, goes
		expect(cache.get('top-games:1')).toEqual(expect.objectContaining({ value: ['Chess'] }));
		fake.requests.length = 0;
		expect([await loader.load('alpha'), await loader.load('delta')]).toEqual(['ALPHA', 'DELTA']);
		expect(fake.requests).toEqual([]);
		expect(await loader.load('gamma')).toBe('GAMMA');
		expect(fake.requests).toEqual([['gamma']]);
	});

	it('keeps the answers of the keys left once most keys of a request have gone, and those only', async () => {
		const { fake, loader } = cachedLoader({ maxEntries: 10 });
		await loader.loadMany(Array.from({ length: 8 }, (_, i) => `a${i}`));
		await loader.load('a7'); // the most recently used of its request
		await loader.loadMany(Array.from({ length: 9 }, (_, i) => `b${i}`)); // pushes out a0 to a6
		// a7's request held 8 answers; what is left of it holds 2 at most (a6 went after the others were copied).
		expect(loader.heldAnswers).toBeLessThanOrEqual(9 + 2);
		fake.requests.length = 0;
		expect(await loader.load('a7')).toBe('A7');
		expect(fake.requests).toEqual([]);
		expect(await loader.load('a0')).toBe('A0');
		expect(fake.requests).toEqual([['a0']]);
	});
});
