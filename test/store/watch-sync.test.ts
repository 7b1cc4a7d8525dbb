import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { openCoordination } from '../../src/store/open-coordination.ts';
import { WatchRepository } from '../../src/store/watch-repository.ts';
import { makeWatch } from '../support/fixtures.ts';
import { storeBackends, useTestStores } from './test-stores.ts';

const guildA = '200000000000000001';
const guildB = '200000000000000002';

/** Several processes on one store: each has its own store connection, coordination and in-memory index. */
describe.each(storeBackends)('watches shared by several processes ($kind)', (backend) => {
	const stores = useTestStores(backend);
	const closers: Array<() => Promise<void>> = [];
	const processWatches = async (): Promise<WatchRepository> => {
		const store = await stores.open();
		const coordination = openCoordination(store, { namespace: stores.namespace });
		const watches = new WatchRepository(store, { coordination });
		await watches.load();
		await watches.startSync({ intervalMs: 100 });
		closers.push(async () => {
			await watches.endSync();
			await coordination.close();
		});
		return watches;
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

	it('loses none of the adds two processes make to one guild at the same time, and each sees them all', async () => {
		const one = await processWatches();
		const two = await processWatches();
		const results = await Promise.all(
			Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? one : two).add(makeWatch(guildA, String(1000 + i)), 100)),
		);
		expect(results.every((result) => result.ok)).toBe(true);
		// Each process's index catches up with the other's adds (at once through a feed; on SQLite by the version).
		const all = Array.from({ length: 12 }, (_, i) => String(1000 + i));
		for (const process of [one, two]) {
			const ids = async () => (await process.listByGuild(guildA)).map((w) => w.twitchUserId).sort();
			const deadline = Date.now() + 3_000;
			while ((await ids()).length < 12 && Date.now() < deadline) await sleep(20);
			expect(await ids()).toEqual(all);
		}
		// The limit holds across processes too: both see the stored list, not their own memory.
		const limited = await Promise.all([one.add(makeWatch(guildB, '2001'), 1), two.add(makeWatch(guildB, '2002'), 1)]);
		expect(limited.filter((result) => result.ok)).toHaveLength(1);
		for (const close of closers.splice(0)) await close();
	});

	it('brings a change made in one process to another one’s index (the feed, or the version check on SQLite)', async () => {
		const gateway = await processWatches();
		const notifier = await processWatches();
		const revision = notifier.revision;
		await gateway.add(makeWatch(guildA, '3001'), 100);
		await eventually(() => expect(notifier.watchedUserIds()).toEqual(['3001']), 2_000);
		expect(notifier.revision).toBeGreaterThan(revision);
		await gateway.setGuildPause(guildA, { reason: 'left-guild', channelId: null, at: 1 });
		await eventually(() => expect(notifier.watchedUserIds()).toEqual([]), 2_000);
		await notifier.setGuildPause(guildA, null, ['left-guild']);
		await eventually(() => expect(gateway.watchedUserIds()).toEqual(['3001']), 2_000);
		await gateway.remove(guildA, '3001');
		await eventually(() => expect(notifier.watchesForUser('3001')).toEqual([]), 2_000);
		for (const close of closers.splice(0)) await close();
	});

	it('finds a change whose feed message it never heard by the shared version', async () => {
		const store = await stores.open();
		const coordination = openCoordination(store, { namespace: stores.namespace });
		const deaf = new WatchRepository(store, { coordination });
		await deaf.load(); // no startSync: it hears nothing
		const other = await processWatches();
		await other.add(makeWatch(guildB, '4001'), 100);
		expect(deaf.watchedUserIds()).toEqual([]);
		expect(await deaf.refresh()).toBe(true);
		expect(deaf.watchedUserIds()).toEqual(['4001']);
		expect(await deaf.refresh()).toBe(false); // nothing new: no reload
		await coordination.close();
		for (const close of closers.splice(0)) await close();
	});

	it('tells listeners here and in other processes that a guild was touched (its delivery statuses changed)', async () => {
		const gateway = await processWatches();
		const notifier = await processWatches();
		const heardHere: Array<string | null> = [];
		const heardThere: Array<string | null> = [];
		gateway.onGuildTouched((guildId) => heardHere.push(guildId));
		const stop = notifier.onGuildTouched((guildId) => heardThere.push(guildId));
		await gateway.add(makeWatch(guildA, '5001'), 100);
		await gateway.touch(guildA);
		expect(heardHere).toEqual([guildA]);
		// SQLite has no feed: the version check reads the index again and touches every guild (null).
		await eventually(() => expect(heardThere.filter((id) => id === guildA || id === null).length).toBeGreaterThan(0));
		stop();
		for (const close of closers.splice(0)) await close();
	});
});
