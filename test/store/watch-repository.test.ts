import { describe, expect, it, vi } from 'vitest';
import { WatchRepository } from '../../src/store/watch-repository.ts';
import { makeWatch } from '../support/fixtures.ts';
import { storeBackends, useTestStores, writeRawValue } from './test-stores.ts';

const guildA = '200000000000000001';
const guildB = '200000000000000002';

describe.each(storeBackends)('WatchRepository on $kind', (backend) => {
	const stores = useTestStores(backend);

	async function loadedRepository(): Promise<WatchRepository> {
		const watches = new WatchRepository(await stores.open());
		await watches.load();
		return watches;
	}

	it('adds, gets, lists and removes a guild’s watches', async () => {
		const watches = await loadedRepository();
		expect(await watches.add(makeWatch(guildA, '1001'), 100)).toEqual({ ok: true });
		expect(await watches.add(makeWatch(guildA, '1002', { channelId: '300000000000000001' }), 100)).toEqual({
			ok: true,
		});
		expect((await watches.listByGuild(guildA)).map((watch) => watch.twitchUserId)).toEqual(['1001', '1002']);
		expect(await watches.get(guildA, '1002')).toEqual(makeWatch(guildA, '1002', { channelId: '300000000000000001' }));
		expect(await watches.get(guildB, '1002')).toBeUndefined();

		expect(await watches.remove(guildA, '1001')).toEqual(makeWatch(guildA, '1001'));
		expect(await watches.remove(guildA, '1001')).toBeUndefined();
		expect((await watches.listByGuild(guildA)).map((watch) => watch.twitchUserId)).toEqual(['1002']);
	});

	it('refuses a second watch of the same Twitch user in one guild', async () => {
		const watches = await loadedRepository();
		await watches.add(makeWatch(guildA, '1001'), 100);
		expect(await watches.add(makeWatch(guildA, '1001', { roleId: '400000000000000001' }), 100)).toEqual({
			ok: false,
			reason: 'exists',
		});
		expect((await watches.get(guildA, '1001'))?.roleId).toBeNull();
	});

	it('refuses a watch beyond the guild’s limit, other guilds unaffected', async () => {
		const watches = await loadedRepository();
		expect(await watches.add(makeWatch(guildA, '1001'), 2)).toEqual({ ok: true });
		expect(await watches.add(makeWatch(guildA, '1002'), 2)).toEqual({ ok: true });
		expect(await watches.add(makeWatch(guildA, '1003'), 2)).toEqual({ ok: false, reason: 'limit' });
		expect(await watches.add(makeWatch(guildB, '1003'), 2)).toEqual({ ok: true });
		expect(await watches.listByGuild(guildA)).toHaveLength(2);
	});

	it('concurrent adds to one guild all land', async () => {
		const store = await stores.open();
		const watches = new WatchRepository(store);
		await watches.load();
		const results = await Promise.all(
			Array.from({ length: 25 }, (_, index) => watches.add(makeWatch(guildA, String(1000 + index)), 100)),
		);
		expect(results.every((result) => result.ok)).toBe(true);
		const afterRestart = new WatchRepository(await stores.reopen(store));
		await afterRestart.load();
		expect(await afterRestart.listByGuild(guildA)).toHaveLength(25);
	});

	it('concurrent adds to one guild respect the limit exactly', async () => {
		const watches = await loadedRepository();
		const results = await Promise.all(
			Array.from({ length: 10 }, (_, index) => watches.add(makeWatch(guildA, String(1000 + index)), 4)),
		);
		expect(results.filter((result) => result.ok)).toHaveLength(4);
		expect(await watches.listByGuild(guildA)).toHaveLength(4);
	});

	it('watchedUserIds is unique across 40 guilds and rebuilt by load() after a restart', async () => {
		const store = await stores.open();
		const watches = new WatchRepository(store);
		await watches.load();
		// 150 watches over 40 guilds, 100 distinct users: users 0–49 are watched by two guilds each.
		const added = Array.from({ length: 150 }, (_, index) =>
			makeWatch(`2000000000000${String(index % 40).padStart(5, '0')}`, String(5000 + (index % 100))),
		);
		await Promise.all(added.map((watch) => watches.add(watch, 100)));
		const expected = Array.from({ length: 100 }, (_, index) => String(5000 + index)).sort();
		expect(watches.watchedUserIds().sort()).toEqual(expected);
		expect(watches.guildCount()).toBe(40);

		const afterRestart = new WatchRepository(await stores.reopen(store));
		await afterRestart.load();
		expect(afterRestart.watchedUserIds().sort()).toEqual(expected);
		expect(afterRestart.guildCount()).toBe(40);
		expect(afterRestart.watchesForUser('5000')).toHaveLength(2);
	});

	it('watchesForUser returns the user’s watch in every guild, and only theirs', async () => {
		const watches = await loadedRepository();
		await watches.add(makeWatch(guildA, '1001'), 100);
		await watches.add(makeWatch(guildA, '1002'), 100);
		await watches.add(makeWatch(guildB, '1001', { channelId: '300000000000000002' }), 100);
		const forUser = watches.watchesForUser('1001');
		expect(forUser.map((watch) => watch.guildId).sort()).toEqual([guildA, guildB]);
		expect(forUser.every((watch) => watch.twitchUserId === '1001')).toBe(true);
		expect(watches.watchesForUser('9999')).toEqual([]);
	});

	it('removing a user’s last watch drops it from watchedUserIds and the guild from guildCount', async () => {
		const store = await stores.open();
		const watches = new WatchRepository(store);
		await watches.load();
		await watches.add(makeWatch(guildA, '1001'), 100);
		await watches.add(makeWatch(guildB, '1001'), 100);
		await watches.remove(guildA, '1001');
		expect(watches.watchedUserIds()).toEqual(['1001']);
		expect(watches.guildCount()).toBe(1);
		await watches.remove(guildB, '1001');
		expect(watches.watchedUserIds()).toEqual([]);
		expect(watches.guildCount()).toBe(0);
		const reopened = await stores.reopen(store);
		const afterRestart = new WatchRepository(reopened);
		await afterRestart.load();
		expect(afterRestart.guildCount()).toBe(0);
		expect(await reopened.keyv.get('watch-guilds')).toEqual([]);
	});

	it('update changes one watch, persists it and refreshes the index', async () => {
		const store = await stores.open();
		const watches = new WatchRepository(store);
		await watches.load();
		await watches.add(makeWatch(guildA, '1001'), 100);
		await watches.add(makeWatch(guildA, '1002'), 100);
		const updated = await watches.update(guildA, '1001', (watch) => ({
			...watch,
			roleId: '600000000000000001',
			template: '{streamer} is on',
		}));
		expect(updated).toMatchObject({ roleId: '600000000000000001', template: '{streamer} is on' });
		expect(watches.watchesForUser('1001')[0]).toEqual(updated);
		expect(await watches.update(guildA, '9999', (watch) => watch)).toBeUndefined();

		const afterRestart = new WatchRepository(await stores.reopen(store));
		expect(await afterRestart.get(guildA, '1001')).toEqual(updated);
		expect((await afterRestart.listByGuild(guildA)).map((watch) => watch.twitchUserId)).toEqual(['1001', '1002']);
	});

	it('pauses and resumes a guild’s watches; a user watched only by paused watches is not polled', async () => {
		const store = await stores.open();
		const watches = new WatchRepository(store);
		await watches.load();
		await watches.add(makeWatch(guildA, '1001'), 100);
		await watches.add(makeWatch(guildA, '1002'), 100);
		await watches.add(makeWatch(guildB, '1002'), 100);
		const pause = { reason: 'left-guild' as const, channelId: null, at: 1_700_000_000_000 };

		expect(await watches.setGuildPause(guildA, pause)).toBe(2);
		expect(watches.watchedUserIds().sort()).toEqual(['1002']);
		const afterRestart = new WatchRepository(await stores.reopen(store));
		await afterRestart.load();
		expect((await afterRestart.get(guildA, '1001'))?.paused).toEqual(pause);
		expect(afterRestart.watchedUserIds()).toEqual(['1002']);

		expect(await afterRestart.setGuildPause(guildA, null, ['channel-deleted'])).toBe(0);
		expect(await afterRestart.setGuildPause(guildA, null, ['left-guild'])).toBe(2);
		expect(afterRestart.watchedUserIds().sort()).toEqual(['1001', '1002']);
	});

	it('lifts a channel pause when the watch is pointed at another channel', async () => {
		const watches = await loadedRepository();
		const paused = { reason: 'channel-deleted' as const, channelId: '700000000000000001', at: 1 };
		await watches.add(makeWatch(guildA, '1001', { channelId: '700000000000000001', paused }), 100);
		const kept = await watches.update(guildA, '1001', (watch) => ({ ...watch, lastAnnouncedAt: 2 }));
		expect(kept?.paused).toEqual(paused);
		const moved = await watches.update(guildA, '1001', (watch) => ({ ...watch, channelId: '700000000000000002' }));
		expect(moved?.paused).toBeNull();
	});

	it('update refuses to move a watch to another user', async () => {
		const watches = await loadedRepository();
		await watches.add(makeWatch(guildA, '1001'), 100);
		await expect(watches.update(guildA, '1001', (watch) => ({ ...watch, twitchUserId: '1002' }))).rejects.toThrow(
			/cannot change/,
		);
		expect(watches.watchedUserIds()).toEqual(['1001']);
	});

	it('returned watches are frozen, so a stray assignment cannot change the index', async () => {
		const watches = await loadedRepository();
		await watches.add(makeWatch(guildA, '1001'), 100);
		const [watch] = watches.watchesForUser('1001');
		expect(() => {
			(watch as { login: string }).login = 'changed';
		}).toThrow(TypeError);
		expect((await watches.get(guildA, '1001'))?.login).toBe('user1001');
	});

	it('updateIdentity renames the user in every guild; the watches stay keyed by id', async () => {
		const store = await stores.open();
		const watches = new WatchRepository(store);
		await watches.load();
		await watches.add(makeWatch(guildA, '1001', { login: 'oldname', displayName: 'OldName' }), 100);
		await watches.add(makeWatch(guildB, '1001', { login: 'oldname', displayName: 'OldName' }), 100);
		await watches.updateIdentity('1001', 'newname', 'NewName');
		expect(watches.watchedUserIds()).toEqual(['1001']);
		const renamed = watches.watchesForUser('1001').map((watch) => [watch.guildId, watch.login, watch.displayName]);
		expect(renamed.sort()).toEqual([
			[guildA, 'newname', 'NewName'],
			[guildB, 'newname', 'NewName'],
		]);

		const afterRestart = new WatchRepository(await stores.reopen(store));
		await afterRestart.load();
		expect((await afterRestart.get(guildB, '1001'))?.login).toBe('newname');
	});

	it('load() is idempotent and shared by concurrent callers', async () => {
		const store = await stores.open();
		await new WatchRepository(store).add(makeWatch(guildA, '1001'), 100);
		const watches = new WatchRepository(store);
		const getMany = vi.spyOn(store.keyv, 'getMany');
		await Promise.all([watches.load(), watches.load()]);
		await watches.load();
		expect(getMany).toHaveBeenCalledTimes(1);
		expect(watches.watchedUserIds()).toEqual(['1001']);
	});

	it('the in-memory reads refuse to answer before load()', async () => {
		const watches = new WatchRepository(await stores.open());
		expect(() => watches.watchedUserIds()).toThrow(/load\(\)/);
		expect(() => watches.watchesForUser('1001')).toThrow(/load\(\)/);
	});

	it('a corrupt watch is left out and reported; the guild’s other watches load', async () => {
		const store = await stores.open();
		await new WatchRepository(store).add(makeWatch(guildA, '1001'), 100);
		const stored = (await store.keyv.get(`watches:${guildA}`)) as unknown[];
		await store.keyv.set(`watches:${guildA}`, [...stored, { ...makeWatch(guildA, '1002'), version: 2 }]);
		const onCorrupt = vi.fn();
		const watches = new WatchRepository(store, { onCorrupt });
		await watches.load();
		expect(watches.watchedUserIds()).toEqual(['1001']);
		expect(onCorrupt).toHaveBeenCalledWith(
			`watches:${guildA}`,
			expect.objectContaining({ message: expect.stringMatching(/version 2/) }),
		);
	});

	it('a guild list that is not JSON is reported and loads as no watches instead of crashing', async () => {
		const store = await stores.open();
		await writeRawValue(store, 'watch-guilds', 'garbage');
		const onCorrupt = vi.fn();
		const watches = new WatchRepository(store, { onCorrupt });
		await watches.load();
		expect(watches.guildCount()).toBe(0);
		expect(onCorrupt).toHaveBeenCalledWith('watch-guilds', expect.any(Error));
	});
});
