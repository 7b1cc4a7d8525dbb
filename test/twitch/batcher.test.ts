import { describe, expect, it } from 'vitest';
import { HelixBatcher } from '../../src/twitch/batcher.ts';

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
			requests.push(keys);
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

describe('Helix batcher', () => {
	it('shares one request among the lookups of one tick, and resolves unknown keys to undefined', async () => {
		const fake = recordingFetch(new Set(['nobody']));
		const loader = new HelixBatcher((keys) => fake.fetchBatch(keys));
		const results = await Promise.all(['alpha', 'beta', 'nobody'].map((key) => loader.load(key)));
		expect(results).toEqual(['ALPHA', 'BETA', undefined]);
		expect(fake.requests).toEqual([['alpha', 'beta', 'nobody']]);
	});

	it('splits 250 keys into requests of at most 100', async () => {
		const fake = recordingFetch();
		const loader = new HelixBatcher((keys) => fake.fetchBatch(keys));
		const keys = Array.from({ length: 250 }, (_, i) => `user_${i}`);
		const found = await loader.loadMany(keys);
		expect(found).toEqual(keys.map((key) => key.toUpperCase()));
		expect(fake.requests.map((request) => request.length)).toEqual([100, 100, 50]);
	});

	it('lets a lookup of a key in flight join its request, and counts it', async () => {
		const fake = recordingFetch();
		const gate = deferred();
		fake.hold(gate.promise);
		let coalesced = 0;
		const loader = new HelixBatcher(
			(keys) => fake.fetchBatch(keys),
			() => coalesced++,
		);
		const first = loader.load('alpha');
		await new Promise((resolve) => setImmediate(resolve));
		expect(fake.requests).toHaveLength(1);
		const second = loader.load('alpha');
		gate.resolve();
		expect(await Promise.all([first, second])).toEqual(['ALPHA', 'ALPHA']);
		expect(fake.requests).toHaveLength(1);
		expect(coalesced).toBe(1);
	});

	it('asks Twitch again once an answer is in: answers are cached elsewhere, with their TTLs', async () => {
		const fake = recordingFetch();
		const loader = new HelixBatcher((keys) => fake.fetchBatch(keys));
		expect(await loader.load('alpha')).toBe('ALPHA');
		expect(await loader.load('alpha')).toBe('ALPHA');
		expect(fake.requests).toEqual([['alpha'], ['alpha']]);
	});

	it('rejects every lookup of a failed request, and the next lookup asks again', async () => {
		let fail = true;
		const loader = new HelixBatcher(async (keys: string[]) => {
			if (fail) throw new Error('Helix is down');
			return new Map(keys.map((key) => [key, key]));
		});
		const failed = Promise.all([loader.load('alpha'), loader.load('beta')]);
		await expect(failed).rejects.toThrow('Helix is down');
		fail = false;
		expect(await loader.load('alpha')).toBe('alpha');
	});

	it('answers a many-key lookup in order, sharing requests with single lookups of the same tick', async () => {
		const fake = recordingFetch(new Set(['nobody']));
		let coalesced = 0;
		const loader = new HelixBatcher(
			(keys) => fake.fetchBatch(keys),
			() => coalesced++,
		);
		const single = loader.load('beta');
		const many = loader.loadMany(['alpha', 'beta', 'nobody', 'gamma']);
		expect(await many).toEqual(['ALPHA', 'BETA', undefined, 'GAMMA']);
		expect(await single).toBe('BETA');
		expect(fake.requests).toEqual([['beta', 'alpha', 'nobody', 'gamma']]);
		expect(coalesced).toBe(1);
	});
});
