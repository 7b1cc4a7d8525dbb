import { beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/logger.ts';
import { describeDeliveryError } from '../../src/notify/delivery-problems.ts';
import type { Repositories } from '../../src/store/repositories.ts';
import { renderWatchList } from '../../src/views/watch.ts';
import { addWatch } from '../../src/watch/add-watch.ts';
import { listWatches } from '../../src/watch/list-watches.ts';
import type { WatchAdminDeps } from '../../src/watch/watch-admin-deps.ts';
import { storeBackends, useTestStores } from '../store/test-stores.ts';
import { makeStreamState } from '../support/fixtures.ts';
import {
	fixedChecker,
	GUILD,
	NEWS,
	NOW,
	openWatchWorld,
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

describe('/watch list', () => {
	it('shows a recorded delivery problem with a hint', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		await repositories.deliveryStatus.update({ guildId: GUILD, twitchUserId: '1001' }, (status) => ({
			...status,
			lastError: { code: 50013, message: 'Missing Permissions: the bot needs Send Messages.', at: NOW - 60_000 },
			consecutiveFailures: 2,
			retryAt: NOW + 120_000,
			lastSuccessAt: null,
		}));
		const listing = await listWatches(deps, GUILD, fixedChecker());
		const text = renderWatchList(listing, 1, NOW).embeds?.[0]?.description ?? '';
		expect(text).toContain('Last delivery problem <t:1748779140:R> (50013): Missing Permissions');
		expect(text).toContain('Give me Send Messages and Embed Links in <#1400000000000000001>');
		expect(text).toContain('Next try <t:1748779320:R>');
	});

	it('shows a network failure the notifier recorded in plain words with its incident id, never the raw error', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		const timedOut = new DOMException('This operation was aborted', 'AbortError');
		// What the announcer stores for a failed post: code and message of the described problem.
		const problem = describeDeliveryError(timedOut, { logger: createSilentLogger() });
		await repositories.deliveryStatus.update({ guildId: GUILD, twitchUserId: '1001' }, (status) => ({
			...status,
			lastError: { code: problem.code, message: problem.message, at: NOW - 60_000 },
			consecutiveFailures: 1,
			retryAt: NOW + 60_000,
			lastSuccessAt: null,
		}));
		const listing = await listWatches(deps, GUILD, fixedChecker());
		const text = renderWatchList(listing, 1, NOW).embeds?.[0]?.description ?? '';
		expect(text).toContain(
			'Last delivery problem <t:1748779140:R>: Discord did not answer in time; this usually passes on its own.',
		);
		expect(text).toContain(`give the bot’s operator this incident id: \`${problem.incidentId}\``);
		expect(text).toContain('Next try <t:1748779260:R>.');
		expect(text).not.toContain('aborted');
	});

	it('shows live or offline from the stored stream state, else from Twitch', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		await addWatch(deps, request({ login: 'beta' }), fixedChecker());
		await addWatch(deps, request({ login: 'gamma' }), fixedChecker());
		await repositories.streamStates.set(makeStreamState('1001', { status: 'live' }));
		await repositories.streamStates.set(makeStreamState('1002', { status: 'offline' }));
		twitch.goLive('1003');
		const listing = await listWatches(deps, GUILD, fixedChecker());
		expect(listing.entries.map((entry) => [entry.watch.login, entry.status])).toEqual([
			['alpha', 'live'],
			['beta', 'offline'],
			['gamma', 'live'],
		]);
	});

	it('says which channels EventSub pushes and which are polled, and nothing of it when EventSub is off', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		await addWatch(deps, request({ login: 'beta' }), fixedChecker());
		const notifier = {
			streamStateOf: () => undefined,
			isInstant: (userId: string) => userId === '1001',
			eventsub: {} as never,
		};
		const on = await listWatches({ ...deps, notifier }, GUILD, fixedChecker());
		expect(on.entries.map((entry) => [entry.watch.login, entry.instant])).toEqual([
			['alpha', true],
			['beta', false],
		]);
		const off = await listWatches({ ...deps, notifier: { ...notifier, eventsub: undefined } }, GUILD, fixedChecker());
		expect(off.entries.map((entry) => entry.instant)).toEqual([null, null]);
	});

	it('still lists when Twitch is down, with the status unknown', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		twitch.failLiveStreams = true;
		const listing = await listWatches(deps, GUILD, fixedChecker());
		expect(listing.entries[0]?.status).toBe('unknown');
	});

	it('shows what would stop the next post right now', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		const listing = await listWatches(
			deps,
			GUILD,
			fixedChecker({ status: 'blocked', problem: { kind: 'channel-not-found', channelId: NEWS } }),
		);
		const text = renderWatchList(listing, 1, NOW).embeds?.[0]?.description ?? '';
		expect(text).toContain('⚠️ Now: I can’t find <#1400000000000000001>');
	});
});
