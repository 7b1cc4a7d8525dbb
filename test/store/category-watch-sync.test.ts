/**
 * Category watches shared by several processes (a gateway process adds one, the notifier process must poll it), on
 * every store: they ride on the watch repository's change feed and version check (see CategoryWatchRepository).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type CategoryWatch, CategoryWatchRepository } from '../../src/store/category-watch-repository.ts';
import { openCoordination } from '../../src/store/open-coordination.ts';
import { WatchRepository } from '../../src/store/watch-repository.ts';
import { storeBackends, useTestStores } from './test-stores.ts';

const guild = '200000000000000001';

function categoryWatch(gameId: string, language: string | null = null): Omit<CategoryWatch, 'id' | 'version'> {
	return {
		guildId: guild,
		gameId,
		gameName: `Game ${gameId}`,
		language,
		minViewers: 0,
		titleKeyword: null,
		channelId: '300000000000000001',
		roleId: null,
		template: null,
		createdAt: 1,
		createdBy: '1',
	};
}

describe.each(storeBackends)('category watches shared by several processes ($kind)', (backend) => {
	const stores = useTestStores(backend);

	const openProcess = async () => {
		const store = await stores.open();
		const coordination = openCoordination(store, { namespace: stores.namespace });
		const watches = new WatchRepository(store, { coordination });
		const categories = new CategoryWatchRepository(store, { coordination, feed: watches });
		await watches.load();
		await categories.load();
		await watches.startSync({ intervalMs: 100 });
		return {
			categories,
			close: async () => {
				categories.close();
				await watches.endSync();
				await coordination.close();
			},
		};
	};
	const eventually = async (check: () => void, ms = 3_000) => {
		const deadline = Date.now() + ms;
		for (;;) {
			try {
				check();
				return;
			} catch (error) {
				if (Date.now() > deadline) throw error;
				await sleep(20);
			}
		}
	};
	const gamesOf = (repository: CategoryWatchRepository) =>
		repository
			.all()
			.map((watch) => `${watch.gameId}:${watch.language ?? '*'}${watch.paused ? ':paused' : ''}`)
			.sort();

	it('brings an add, a pause and a removal made in one process to the other', async () => {
		const gateway = await openProcess();
		const notifier = await openProcess();
		try {
			const added = await gateway.categories.add(categoryWatch('1'), 10);
			if (!added.ok) throw new Error(added.reason);
			await eventually(() => expect(gamesOf(notifier.categories)).toEqual(['1:*']));
			await notifier.categories.setPaused(guild, { reason: 'left-guild', channelId: null, at: 1 });
			await eventually(() => expect(gamesOf(gateway.categories)).toEqual(['1:*:paused']));
			await gateway.categories.remove(guild, added.watch.id);
			await eventually(() => expect(gamesOf(notifier.categories)).toEqual([]));
		} finally {
			await gateway.close();
			await notifier.close();
		}
	});

	it('keeps the limit and refuses a second watch of one category and language across processes', async () => {
		const one = await openProcess();
		const two = await openProcess();
		try {
			const results = await Promise.all([
				one.categories.add(categoryWatch('1'), 2),
				two.categories.add(categoryWatch('1'), 2),
				one.categories.add(categoryWatch('2'), 2),
				two.categories.add(categoryWatch('3'), 2),
			]);
			expect(results.filter((result) => result.ok)).toHaveLength(2);
			expect(results.filter((result) => !result.ok && result.reason === 'exists').length).toBeLessThanOrEqual(1);
			await eventually(() => expect(gamesOf(one.categories)).toEqual(gamesOf(two.categories)));
			expect(gamesOf(one.categories)).toHaveLength(2);
		} finally {
			await one.close();
			await two.close();
		}
	});
});
