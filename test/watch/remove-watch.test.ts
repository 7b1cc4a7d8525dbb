import { beforeEach, describe, expect, it } from 'vitest';
import type { Repositories } from '../../src/store/repositories.ts';
import { watchSuggestions } from '../../src/views/watch-choices.ts';
import { addWatch } from '../../src/watch/add-watch.ts';
import { removeWatch } from '../../src/watch/remove-watch.ts';
import type { WatchAdminDeps } from '../../src/watch/watch-admin-deps.ts';
import { storeBackends, useTestStores } from '../store/test-stores.ts';
import {
	fixedChecker,
	GUILD,
	openWatchWorld,
	rejection,
	addRequest as request,
	type ScriptedTwitch,
} from './watch-fixtures.ts';

const stores = useTestStores(storeBackends[0]!);
let twitch: ScriptedTwitch;
let repositories: Repositories;
let deps: WatchAdminDeps;

beforeEach(async () => {
	({ twitch, repositories, deps } = await openWatchWorld(stores));
});

const stored = () => repositories.watches.listByGuild(GUILD);

describe('/watch remove', () => {
	it('works after a rename, by the new login or the stored one', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		await addWatch(deps, request({ login: 'beta' }), fixedChecker());
		// Renamed on Twitch, not yet seen by the notifier: the watch still carries the old login.
		twitch.rename('1001', 'alpha_reborn');
		const removed = await removeWatch(deps, GUILD, 'alpha_reborn');
		expect(removed.twitchUserId).toBe('1001');
		// The stored login (what /watch list shows) works too, even when Twitch no longer knows it.
		twitch.rename('1002', 'beta_reborn');
		expect((await removeWatch(deps, GUILD, 'beta')).twitchUserId).toBe('1002');
		expect(await stored()).toEqual([]);
	});

	it('says when the server does not watch that channel', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		const error = await rejection(removeWatch(deps, GUILD, 'gamma'));
		expect(error.message).toBe('This server does not watch “gamma”. `/watch list` shows the channels it watches.');
		expect(await stored()).toHaveLength(1);
	});

	it('suggests the server’s watches matching what is typed', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		await addWatch(deps, request({ login: 'beta' }), fixedChecker());
		const watches = await stored();
		expect(watchSuggestions(watches, 'ALP')).toEqual([{ name: 'Alpha', value: 'alpha' }]);
		expect(watchSuggestions(watches, '').map((choice) => choice.value)).toEqual(['alpha', 'beta']);
	});
});
