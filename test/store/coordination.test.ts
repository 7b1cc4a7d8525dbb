import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fencedAdapter, LeaseLostError, openCoordination } from '../../src/store/open-coordination.ts';
import { storeBackends, useTestStores } from './test-stores.ts';

describe.each(storeBackends)('coordination through the store ($kind)', (backend) => {
	const stores = useTestStores(backend);
	const coordinationOf = async () => {
		const store = await stores.open();
		return { store, coordination: openCoordination(store, { namespace: stores.namespace }) };
	};

	it('gives a lease to one holder at a time, with a fence that grows with every new holder', async () => {
		const a = await coordinationOf();
		const b = await coordinationOf();
		const first = await a.coordination.acquire('notifier', 'A', 300);
		expect(first?.fence).toBeGreaterThan(0);
		expect(await b.coordination.acquire('notifier', 'B', 300)).toBeNull();
		// The holder asking again keeps its lease and its fence.
		expect(await a.coordination.acquire('notifier', 'A', 300)).toEqual(first);
		expect(await a.coordination.renew('notifier', 'A', first!.fence, 300)).toBe(true);
		await sleep(450);
		// Expired: B takes it with a higher fence, and A can no longer renew.
		const second = await b.coordination.acquire('notifier', 'B', 5_000);
		expect(second!.fence).toBeGreaterThan(first!.fence);
		expect(await a.coordination.renew('notifier', 'A', first!.fence, 5_000)).toBe(false);
		// A release by someone else is a no-op; the holder's own frees it at once, and the fence still grows.
		await a.coordination.release('notifier', 'A');
		expect(await a.coordination.acquire('notifier', 'A', 5_000)).toBeNull();
		await b.coordination.release('notifier', 'B');
		const third = await a.coordination.acquire('notifier', 'A', 5_000);
		expect(third!.fence).toBeGreaterThan(second!.fence);
		await a.coordination.close();
		await b.coordination.close();
	});

	it('lets exactly one of many concurrent claimants take a lease', async () => {
		const { coordination } = await coordinationOf();
		const claims = await Promise.all(
			Array.from({ length: 20 }, (_, i) => coordination.acquire('identify:0', `process-${i}`, 5_000)),
		);
		expect(claims.filter((claim) => claim !== null)).toHaveLength(1);
	});

	it('writes under a lease only while the store still says it is held', async () => {
		const { store, coordination } = await coordinationOf();
		const grant = await coordination.acquire('notifier', 'A', 400);
		let holding: { name: string; holder: string; fence: number } | null = {
			name: 'notifier',
			holder: 'A',
			fence: grant!.fence,
		};
		const fenced = store.keyvOver(fencedAdapter(store.keyv.store, coordination, () => holding));
		await fenced.set('record', { n: 1 });
		await fenced.setMany([
			{ key: 'a', value: 1 },
			{ key: 'b', value: 2, ttl: 60_000 },
		]);
		expect(await store.keyv.get('record')).toEqual({ n: 1 });
		expect(await fenced.getMany(['a', 'b'])).toEqual([1, 2]);
		await fenced.delete('a');
		expect(await store.keyv.get('a')).toBeUndefined();

		// Another process takes the lease after it expired: A's late write is refused and changes nothing.
		await sleep(550);
		expect(await coordination.acquire('notifier', 'B', 5_000)).not.toBeNull();
		await expect(fenced.set('record', { n: 2 })).rejects.toBeInstanceOf(LeaseLostError);
		await expect(fenced.setMany([{ key: 'b', value: 3 }])).rejects.toBeInstanceOf(LeaseLostError);
		expect(await store.keyv.get('record')).toEqual({ n: 1 });
		expect(await store.keyv.get('b')).toBe(2);
		// A process that knows it holds nothing does not even try.
		holding = null;
		await expect(fenced.set('record', { n: 3 })).rejects.toBeInstanceOf(LeaseLostError);
		await coordination.close();
	});

	it('counts across processes', async () => {
		const a = await coordinationOf();
		const b = await coordinationOf();
		expect(await a.coordination.read('watches')).toBe(0);
		await Promise.all([a.coordination.increment('watches'), b.coordination.increment('watches')]);
		expect(await b.coordination.read('watches')).toBe(2);
	});

	it('carries a published change to a subscriber in another process (SQLite: none, the version is the feed)', async () => {
		const a = await coordinationOf();
		const b = await coordinationOf();
		if (backend.kind === 'sqlite') {
			expect(a.coordination.feedKind).toBe('poll');
			return;
		}
		expect(a.coordination.feedKind).toBe('feed');
		const heard: string[] = [];
		const unsubscribe = await b.coordination.subscribe('watches', (message) => heard.push(message));
		await a.coordination.publish('watches', 'guild-1');
		for (let i = 0; i < 50 && heard.length === 0; i++) await sleep(20);
		expect(heard).toEqual(['guild-1']);
		await unsubscribe();
		await a.coordination.publish('watches', 'guild-2');
		await sleep(100);
		expect(heard).toEqual(['guild-1']);
		await a.coordination.close();
		await b.coordination.close();
	});
});
