import { describe, expect, it } from 'vitest';
import { DeliveryStatusRepository } from '../../src/store/delivery-status-repository.ts';
import { makeWatch } from '../support/fixtures.ts';
import { storeBackends, useTestStores } from './test-stores.ts';

const guildA = '200000000000000001';

describe.each(storeBackends)('DeliveryStatusRepository on $kind', (backend) => {
	const stores = useTestStores(backend);

	it('starts empty, stores an update apart from the watch, and reads it back after a restart', async () => {
		const store = await stores.open();
		const statuses = new DeliveryStatusRepository(store);
		const watch = makeWatch(guildA, '1001');
		expect(await statuses.get(watch)).toMatchObject({ lastError: null, retryAt: null, lastAnnouncedAt: null });
		expect(statuses.peek(watch)).toBeDefined();

		const failed = await statuses.update(watch, (status) => ({
			...status,
			lastError: { code: 50013, message: 'Missing Permissions', at: 1_700_000_000_000 },
			consecutiveFailures: 1,
			retryAt: 1_700_000_060_000,
		}));
		expect(failed).toMatchObject({ guildId: guildA, twitchUserId: '1001', consecutiveFailures: 1 });

		const afterRestart = new DeliveryStatusRepository(await stores.reopen(store));
		expect(afterRestart.peek(watch)).toBeUndefined(); // nothing in memory before a read
		expect(await afterRestart.get(watch)).toEqual(failed);
	});

	it('takes what an older version kept on the watch as the first status of a target without a record', async () => {
		const statuses = new DeliveryStatusRepository(await stores.open());
		const legacy = makeWatch(guildA, '1002', {
			lastAnnouncedAt: 1_700_000_000_000,
			delivery: { lastError: null, consecutiveFailures: 0, retryAt: null, lastSuccessAt: 1_700_000_000_000 },
		});
		expect(await statuses.get(legacy)).toMatchObject({ lastAnnouncedAt: 1_700_000_000_000 });
	});

	it('reads many in one batch, keeps their order, and forgets a removed target', async () => {
		const statuses = new DeliveryStatusRepository(await stores.open());
		const watches = ['1003', '1004', '1005'].map((id) => makeWatch(guildA, id));
		await statuses.update(watches[1]!, (status) => ({ ...status, lastAnnouncedAt: 5 }));
		const fresh = new DeliveryStatusRepository(await stores.open());
		expect((await fresh.getMany(watches)).map((status) => status.lastAnnouncedAt)).toEqual([null, 5, null]);
		await fresh.delete(watches[1]!);
		expect((await new DeliveryStatusRepository(await stores.open()).get(watches[1]!)).lastAnnouncedAt).toBeNull();
	});

	it('serialises concurrent updates of one target', async () => {
		const statuses = new DeliveryStatusRepository(await stores.open());
		const watch = makeWatch(guildA, '1006');
		await Promise.all(
			Array.from({ length: 20 }, () =>
				statuses.update(watch, (status) => ({ ...status, consecutiveFailures: status.consecutiveFailures + 1 })),
			),
		);
		expect((await statuses.get(watch)).consecutiveFailures).toBe(20);
	});
});
