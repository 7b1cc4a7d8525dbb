import { describe, expect, it, vi } from 'vitest';
import { StreamStateRepository } from '../../src/store/stream-state-repository.ts';
import { makeStreamState } from '../support/fixtures.ts';
import { storeBackends, useTestStores } from './test-stores.ts';

describe.each(storeBackends)('StreamStateRepository on $kind', (backend) => {
	const stores = useTestStores(backend);

	it('setMany then getMany round-trips the states; users without state are absent', async () => {
		const store = await stores.open();
		const live = makeStreamState('1001');
		const offline = makeStreamState('1002', {
			status: 'offline',
			streamId: null,
			lastEndedStreamId: '40001002',
			endedAt: 1_700_000_100_000,
		});
		await new StreamStateRepository(store).setMany([live, offline]);
		const afterRestart = new StreamStateRepository(await stores.reopen(store));
		const states = await afterRestart.getMany(['1002', '1003', '1001']);
		expect([...states.keys()].sort()).toEqual(['1001', '1002']);
		expect(states.get('1001')).toEqual(live);
		expect(states.get('1002')).toEqual(offline);
	});

	it('getMany of no users reads nothing and returns an empty map', async () => {
		expect((await new StreamStateRepository(await stores.open()).getMany([])).size).toBe(0);
	});

	it('set replaces one state and get reads it', async () => {
		const states = new StreamStateRepository(await stores.open());
		await states.set(makeStreamState('1001', { viewerCount: 1 }));
		await states.set(makeStreamState('1001', { viewerCount: 2, missingSince: 1_700_000_060_000 }));
		expect(await states.get('1001')).toMatchObject({ viewerCount: 2, missingSince: 1_700_000_060_000 });
		expect(await states.get('1002')).toBeUndefined();
	});

	it('setMany with the same user twice keeps the last state', async () => {
		const states = new StreamStateRepository(await stores.open());
		await states.setMany([makeStreamState('1001', { title: 'first' }), makeStreamState('1001', { title: 'second' })]);
		expect((await states.get('1001'))?.title).toBe('second');
	});

	it('setMany rejects an invalid state and stores none of the batch', async () => {
		const states = new StreamStateRepository(await stores.open());
		const invalid = { ...makeStreamState('1002'), viewerCount: -1 };
		await expect(states.setMany([makeStreamState('1001'), invalid])).rejects.toThrow();
		expect((await states.getMany(['1001', '1002'])).size).toBe(0);
	});

	it('a corrupt state is treated as absent and reported, the others are read', async () => {
		const store = await stores.open();
		const onCorrupt = vi.fn();
		const states = new StreamStateRepository(store, { onCorrupt });
		await states.set(makeStreamState('1001'));
		await store.keyv.set('stream-state:1002', { ...makeStreamState('1002'), status: 'rerun' });
		const read = await states.getMany(['1001', '1002']);
		expect([...read.keys()]).toEqual(['1001']);
		expect(onCorrupt).toHaveBeenCalledWith('stream-state:1002', expect.any(Error));
	});

	// Speed is measured by `npm run bench` (the notifier's cycle), not asserted here: timings flake on a busy machine.
	it('round-trips 10,000 states through setMany and getMany', async () => {
		const states = new StreamStateRepository(await stores.open());
		const many = Array.from({ length: 10_000 }, (_, index) => makeStreamState(String(100_000 + index)));
		await states.setMany(many);
		const read = await states.getMany(many.map((state) => state.userId));
		expect(read.size).toBe(10_000);
		expect(read.get('109999')).toEqual(many[9_999]);
	});
});
