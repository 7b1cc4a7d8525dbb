import { describe, expect, it } from 'vitest';
import { createTwitchMetrics } from '../../src/twitch/metrics.ts';
import { ResponseCache } from '../../src/twitch/response-cache.ts';

describe('response cache', () => {
	it('serves an answer until its TTL, then loads it again', async () => {
		const metrics = createTwitchMetrics();
		const cache = new ResponseCache(metrics);
		let loads = 0;
		const load = async () => ++loads;
		expect(await cache.getOrLoad('top-games:1', 40, load)).toBe(1);
		expect(await cache.getOrLoad('top-games:1', 40, load)).toBe(1);
		await new Promise((resolve) => setTimeout(resolve, 60));
		expect(await cache.getOrLoad('top-games:1', 40, load)).toBe(2);
		expect({ hits: metrics.cacheHits, misses: metrics.cacheMisses }).toEqual({ hits: 1, misses: 2 });
	});

	it('remembers null as an answer ("no such user")', () => {
		const cache = new ResponseCache(createTwitchMetrics());
		cache.set('user:login:nobody', null, 60_000);
		expect(cache.get('user:login:nobody')).toMatchObject({ value: null });
		expect(cache.get('user:login:other')).toBeUndefined();
	});

	it('holds at most maxEntries answers, dropping the least recently used', () => {
		const cache = new ResponseCache(createTwitchMetrics(), 2);
		cache.set('a', 1, 60_000);
		cache.set('b', 2, 60_000);
		cache.get('a');
		cache.set('c', 3, 60_000);
		expect(['a', 'b', 'c'].map((key) => cache.get(key)?.value)).toEqual([1, undefined, 3]);
	});
});
