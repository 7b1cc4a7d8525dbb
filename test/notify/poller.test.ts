import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/logger.ts';
import { pollDelayBound } from '../../src/notify/poll-scheduler.ts';
import { StreamPoller } from '../../src/notify/poller.ts';
import { StreamStates } from '../../src/notify/stream-states.ts';
import { openStore, type Store } from '../../src/store/keyv.ts';
import type { Watch } from '../../src/store/records.ts';
import { StreamStateRepository } from '../../src/store/stream-state-repository.ts';
import { WatchRepository } from '../../src/store/watch-repository.ts';
import { TwitchClient } from '../../src/twitch/client.ts';
import type { TwitchStream } from '../../src/twitch/schemas.ts';
import { type FakeTwitch, startFakeTwitch } from '../fakes/twitch/index.ts';
import { ManualClock } from '../support/clock.ts';
import { GRACE_MS, waitUntil } from '../support/notifier-world.ts';

const logger = createSilentLogger();
let folder: string;
let store: Store;
let fakeTwitch: FakeTwitch;
let twitch: TwitchClient;
let clock: ManualClock;

beforeEach(async () => {
	clock = new ManualClock();
	folder = mkdtempSync(join(tmpdir(), 'poller-test-'));
	store = await openStore(`sqlite://${join(folder, 'bot.sqlite')}`, { namespace: 'poller' });
	fakeTwitch = await startFakeTwitch({ now: () => clock.now() });
	twitch = new TwitchClient({
		clientId: fakeTwitch.clientId,
		clientSecret: fakeTwitch.clientSecret,
		apiUrl: fakeTwitch.helixUrl,
		authUrl: fakeTwitch.authUrl,
		logger,
		cache: false,
		attempts: 1,
		retryBaseMs: 1,
	});
});

afterEach(async () => {
	await twitch.close();
	await fakeTwitch.close();
	await store.close();
	rmSync(folder, { recursive: true, force: true });
});

function watchOf(guildId: string, userId: string, login: string): Watch {
	return {
		version: 1,
		guildId,
		twitchUserId: userId,
		login,
		displayName: login,
		channelId: `3${guildId.slice(1)}`,
		roleId: null,
		template: null,
		createdAt: clock.now(),
		createdBy: '100000000000000001',
	};
}

/** `users` Twitch users, each watched by `perUser` of `guilds` guilds (round robin); returns their ids in order. */
async function seedWatches(
	users: number,
	guilds: number,
	perUser = 1,
): Promise<{ ids: string[]; watches: WatchRepository }> {
	const watches = new WatchRepository(store);
	const ids: string[] = [];
	for (let n = 0; n < users; n++) {
		const user = fakeTwitch.addUser({ login: `watched${n}` });
		ids.push(user.id);
		for (let k = 0; k < perUser; k++) {
			const guildId = String(200000000000000000n + BigInt((n + k) % guilds));
			await watches.add(watchOf(guildId, user.id, user.login), 1000);
		}
	}
	return { ids, watches };
}

/** Writes watches of `userIds` (10 a guild) in the store's documented layout: adding them one by one is not measured. */
async function writeWatches(userIds: readonly string[], logins: readonly string[]): Promise<WatchRepository> {
	const guildIds = Array.from({ length: Math.ceil(userIds.length / 10) }, (_, n) =>
		String(200000000000000000n + BigInt(n)),
	);
	await Promise.all(
		guildIds.map((guildId, g) =>
			store.keyv.set(
				`watches:${guildId}`,
				userIds.slice(g * 10, g * 10 + 10).map((id, k) => watchOf(guildId, id, logins[g * 10 + k]!)),
			),
		),
	);
	await store.keyv.set('watch-guilds', guildIds);
	return new WatchRepository(store);
}

/** A poller over its own stream states (read through `getState`). */
function poller(
	watches: WatchRepository,
	twitchClient: Pick<TwitchClient, 'getLiveStreams'> = twitch,
	repository = new StreamStateRepository(store),
) {
	const states = new StreamStates({ repository, clock, logger, graceMs: GRACE_MS });
	const streams = new StreamPoller({ twitch: twitchClient, watches, states, logger, clock, intervalMs: 60_000 });
	return Object.assign(streams, { getState: (userId: string) => states.get(userId) });
}

describe('stream poller', () => {
	it('150 watched channels across 40 guilds → 2 Get Streams requests a cycle', async () => {
		const { ids, watches } = await seedWatches(150, 40, 2);
		expect(watches.guildCount()).toBe(40);
		for (const id of ids.slice(0, 35)) fakeTwitch.goLive(id);
		const streams = poller(watches);

		for (let cycle = 0; cycle < 3; cycle++) {
			fakeTwitch.resetStats();
			const report = await streams.runCycle();
			expect(fakeTwitch.stats.byRoute['/helix/streams']).toBe(2);
			expect(report).toMatchObject({ watchedUsers: 150, batches: 2, failedBatches: 0, liveUsers: 35 });
		}
		const sent = fakeTwitch.requests.filter((request) => request.route === '/helix/streams');
		for (const request of sent) {
			expect(request.query.get('first')).toBe('100');
			expect(request.query.getAll('user_id').length).toBeLessThanOrEqual(100);
		}
	});

	it('a failing Twitch batch → the other batches go on and nobody in it is marked ended', async () => {
		const { ids, watches } = await seedWatches(150, 40);
		const inFailingBatch = ids.slice(0, 100);
		const inHealthyBatch = ids.slice(100);
		fakeTwitch.goLive(inFailingBatch[0]!);
		fakeTwitch.goLive(inHealthyBatch[0]!);
		let failing = false;
		const flaky: Pick<TwitchClient, 'getLiveStreams'> = {
			getLiveStreams: (userIds) =>
				failing && userIds.includes(inFailingBatch[0]!)
					? Promise.reject(new Error('Twitch answered 500'))
					: twitch.getLiveStreams(userIds),
		};
		const streams = poller(watches, flaky);
		await streams.runCycle();

		failing = true;
		fakeTwitch.goLive(inHealthyBatch[1]!);
		// Longer than the grace period: a failing batch is "unknown", never "absent".
		const reports = [];
		for (let minute = 0; minute < 6; minute++) {
			clock.advance(60_000);
			reports.push(await streams.runCycle());
		}

		expect(reports.every((report) => report.failedBatches === 1 && report.events.ended === 0)).toBe(true);
		expect(reports[0]?.events.live).toBe(1);
		expect(streams.getState(inFailingBatch[0]!)).toMatchObject({ status: 'live', missingSince: null });
		expect(streams.getState(inHealthyBatch[1]!)).toMatchObject({ status: 'live' });
	});

	it('a batch Twitch fails with a 500 is isolated from the other batch of the same cycle', async () => {
		const { ids, watches } = await seedWatches(150, 40);
		for (const id of [ids[0]!, ids[149]!]) fakeTwitch.goLive(id);
		const streams = poller(watches);
		await streams.runCycle();
		fakeTwitch.injectFault('/helix/streams', { kind: 'status', status: 500 });

		clock.advance(60_000);
		const report = await streams.runCycle();

		expect(report).toMatchObject({ batches: 2, failedBatches: 1, events: { live: 0, changed: 0, ended: 0 } });
		for (const id of [ids[0]!, ids[149]!]) {
			expect(streams.getState(id)).toMatchObject({ status: 'live', missingSince: null });
		}
	});

	it('keeps the loop alive when a cycle throws, and runs the next cycle an interval later', async () => {
		const { watches } = await seedWatches(3, 1);
		let calls = 0;
		const unreliable: Pick<TwitchClient, 'getLiveStreams'> = {
			getLiveStreams: async () => {
				calls++;
				if (calls === 1) throw new Error('boom');
				return [];
			},
		};
		// The state store fails on the first cycle as well: the cycle itself throws.
		const states = new StreamStateRepository(store);
		let loadFailures = 1;
		const original = states.getMany.bind(states);
		states.getMany = (userIds) => (loadFailures-- > 0 ? Promise.reject(new Error('store down')) : original(userIds));
		const streams = poller(watches, unreliable, states);

		streams.start();
		await waitUntil(() => clock.sleepers === 1); // first cycle failed (store), loop sleeping
		expect(calls).toBe(0);
		clock.advance(60_000);
		await waitUntil(() => calls === 1 && clock.sleepers === 1); // second cycle: Get Streams failed, loop sleeping
		clock.advance(60_000);
		await waitUntil(() => calls === 2 && clock.sleepers === 1);
		await streams.stop();
		expect(calls).toBe(2);
	});

	it('asks at most 8 Get Streams batches at once, and uses each answer as it arrives', async () => {
		const { ids, watches } = await seedWatches(2_000, 40);
		const lastBatch = ids.slice(-100);
		let inFlight = 0;
		let mostInFlight = 0;
		let calls = 0;
		let releaseLast: () => void = () => {};
		const gatedTwitch: Pick<TwitchClient, 'getLiveStreams'> = {
			getLiveStreams: async (userIds) => {
				calls++;
				inFlight++;
				mostInFlight = Math.max(mostInFlight, inFlight);
				try {
					if (userIds.includes(lastBatch[0]!)) await new Promise<void>((resolve) => (releaseLast = resolve));
					else await new Promise((resolve) => setTimeout(resolve, 5));
					// The first user of every batch is live.
					return [{ ...liveStreamOf(userIds[0]!) }];
				} finally {
					inFlight--;
				}
			},
		};
		const streams = poller(watches, gatedTwitch);
		const cycle = streams.runCycle();
		await waitUntil(() => calls === 20);
		// The last batch is still out, and the answers of the others are already in the stream states.
		expect(streams.getState(ids[0]!)).toMatchObject({ status: 'live' });
		releaseLast();
		const report = await cycle;

		expect(mostInFlight).toBeLessThanOrEqual(8);
		expect(report).toMatchObject({ batches: 20, failedBatches: 0, liveUsers: 20 });
	});

	it('never overlaps cycles, and stop() waits for the running cycle', async () => {
		const { watches } = await seedWatches(3, 1);
		let running = 0;
		let maxRunning = 0;
		const waiting: Array<() => void> = [];
		const slow: Pick<TwitchClient, 'getLiveStreams'> = {
			getLiveStreams: async () => {
				running++;
				maxRunning = Math.max(maxRunning, running);
				await new Promise<void>((resolve) => waiting.push(resolve));
				running--;
				return [] as TwitchStream[];
			},
		};
		/** Lets the Get Streams call in progress answer, once there is one. */
		const answer = async () => {
			await waitUntil(() => waiting.length > 0);
			waiting.shift()?.();
		};
		const streams = poller(watches, slow);
		const first = streams.runCycle();
		const second = streams.runCycle();
		await answer();
		await answer();
		await Promise.all([first, second]);
		expect(maxRunning).toBe(1);

		streams.start();
		await waitUntil(() => waiting.length > 0);
		let stopped = false;
		const stopping = streams.stop().then(() => {
			stopped = true;
		});
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(stopped).toBe(false);
		await answer();
		await stopping;
		expect(running).toBe(0);
	});

	it('reads stored states once, then writes only the states that changed', async () => {
		const { ids, watches } = await seedWatches(20, 4);
		const states = new StreamStateRepository(store);
		let reads = 0;
		const writes: number[] = [];
		const getMany = states.getMany.bind(states);
		const setMany = states.setMany.bind(states);
		states.getMany = (userIds) => {
			reads++;
			return getMany(userIds);
		};
		states.setMany = (changed) => {
			writes.push(changed.length);
			return setMany(changed);
		};
		for (const id of ids.slice(0, 5)) fakeTwitch.goLive(id);
		const streams = poller(watches, twitch, states);

		await streams.runCycle();
		for (const id of ids.slice(0, 5)) fakeTwitch.updateStream(id, { viewer_count: 5000 });
		clock.advance(60_000);
		await streams.runCycle();
		fakeTwitch.updateStream(ids[0]!, { title: 'new title' });
		clock.advance(60_000);
		await streams.runCycle();

		expect(reads).toBe(1);
		expect(writes).toEqual([5, 1]);
		const restarted = poller(new WatchRepository(store));
		await restarted.loadStates();
		expect(restarted.getState(ids[0]!)).toMatchObject({ status: 'live', title: 'new title' });
	});

	it('10,000 watched channels over 1,000 guilds: 100 requests and well under a second per cycle', async () => {
		const { userIds, logins } = fakeTwitch.seedBulk({ users: 10_000, liveFraction: 0.1 });
		// Written in the store's documented layout directly: adding 10,000 watches one by one is not what is measured.
		const watches = await writeWatches(userIds, logins);
		const streams = poller(watches);

		const first = await streams.runCycle(); // 1,000 go-lives, 1,000 states written
		fakeTwitch.resetStats();
		clock.advance(60_000);
		const steady = await streams.runCycle();

		expect(first).toMatchObject({ watchedUsers: 10_000, batches: 100, liveUsers: 1000, written: 1000 });
		expect(first.events.live).toBe(1000);
		expect(steady).toMatchObject({ batches: 100, failedBatches: 0, liveUsers: 1000, written: 0 });
		expect(fakeTwitch.stats.byRoute['/helix/streams']).toBe(100);
	});

	it('scheduler: 2,000 channels under a bucket that allows 7 of the 20 requests a cycle → everyone polled within the bound, commands still answered', async () => {
		// The fake's bucket and the client's limiter run on the manual clock: the bucket refills only when the test
		// advances it, one interval (1 s: 10 points) between cycles. A request that had to wait for a refill inside a
		// cycle would never be answered, so a command answered during a cycle found its point at once.
		const small = await startFakeTwitch({ now: () => clock.now(), rateLimit: { limit: 10, refillPerSecond: 10 } });
		const client = new TwitchClient({
			clientId: small.clientId,
			clientSecret: small.clientSecret,
			apiUrl: small.helixUrl,
			authUrl: small.authUrl,
			logger,
			clock,
			cache: false,
			attempts: 1,
			retryBaseMs: 1,
		});
		try {
			const { userIds, logins } = small.seedBulk({ users: 2_000, liveFraction: 0.05 }); // user n live when n % 20 = 19
			const covered = new Set(userIds.filter((_, n) => n % 10 === 3)); // 200 covered by EventSub, none live
			const watches = await writeWatches(userIds, logins);
			const asked: string[][] = [];
			// While `held`, answers of Get Streams are kept back from the poller (the requests themselves go out): the
			// cycle stays in progress for as long as the test needs.
			let held: Promise<void> | undefined;
			const recording: Pick<TwitchClient, 'getLiveStreams'> = {
				getLiveStreams: async (ids) => {
					asked.at(-1)?.push(...ids);
					const answer = client.getLiveStreams(ids);
					await held;
					return answer;
				},
			};
			const states = new StreamStates({ repository: new StreamStateRepository(store), clock, logger });
			const intervalMs = 1_000;
			const streams = new StreamPoller({
				twitch: recording,
				watches,
				states,
				logger,
				clock,
				intervalMs,
				isCovered: (id) => covered.has(id),
				budget: { pointsPerMinute: 600 }, // the fake's 10 a second: 7 requests a cycle at the 0.7 share
			});
			const bound = pollDelayBound({ requestsPerCycle: 7, live: 100, covered: 200, uncovered: 1_700 });
			expect(bound).toEqual({ uncoveredCycles: 4, coveredCycles: 5 });

			const reports = [];
			let commandAnswered = false;
			for (let cycle = 0; cycle < 8; cycle++) {
				if (cycle > 0) clock.advance(intervalMs);
				asked.push([]);
				small.resetStats();
				let release = () => {};
				if (cycle === 3) held = new Promise((resolve) => (release = resolve));
				let cycleDone = false;
				const running = streams.runCycle().then((report) => {
					cycleDone = true;
					return report;
				});
				if (cycle === 3) {
					// All 7 of the cycle's requests have taken their points; the manual clock stands still.
					await waitUntil(() => small.stats.byRoute['/helix/streams'] === 7);
					const user = await client.getUserByLogin(logins[42]!);
					commandAnswered = user?.id === userIds[42] && !cycleDone;
					held = undefined;
					release();
				}
				const report = await running;
				reports.push(report);
				expect(small.stats.byRoute['/helix/streams']).toBeLessThanOrEqual(7);
				expect(report.batches).toBeLessThanOrEqual(7);
				expect(small.stats.status429).toBe(0);
			}
			expect(commandAnswered).toBe(true);

			// Every watched user polled, nobody unpolled longer than the bound (5 cycles covered, 4 the others).
			const pollsOf = new Map<string, number[]>();
			asked.forEach((ids, cycle) => {
				for (const id of ids) pollsOf.set(id, [...(pollsOf.get(id) ?? []), cycle]);
			});
			expect(pollsOf.size).toBe(2_000);
			for (const [id, cycles] of pollsOf) {
				const limit = covered.has(id) ? 5 : 4;
				expect(cycles[0]).toBeLessThan(limit);
				for (let n = 1; n < cycles.length; n++) expect(cycles[n]! - cycles[n - 1]!).toBeLessThanOrEqual(limit);
				expect(cycles.at(-1)).toBeGreaterThanOrEqual(7 - limit);
			}
			for (const report of reports) {
				expect(report.schedule.worstDelayMs).toBeLessThanOrEqual(5 * intervalMs);
				expect(report.schedule.worstUncoveredDelayMs).toBeLessThanOrEqual(4 * intervalMs);
				expect(report.events.ended).toBe(0); // a user left for a later cycle is never taken for absent
			}
			const last = reports.at(-1)!;
			expect(last).toMatchObject({ watchedUsers: 2_000, batches: 7, failedBatches: 0, liveUsers: 100 });
			expect(last.schedule).toMatchObject({
				budgetRequests: 7,
				polled: { live: 100, covered: 40, uncovered: 560 },
				waiting: { covered: 160, uncovered: 1_140 },
			});
			expect(reports.reduce((sum, report) => sum + report.events.live, 0)).toBe(100);
		} finally {
			await client.close();
			await small.close();
		}
	});
});

/** A Get Streams item of a live stream of `userId`. */
function liveStreamOf(userId: string): TwitchStream {
	return {
		id: `5${userId}`,
		userId,
		userLogin: `user${userId}`,
		userName: `User${userId}`,
		gameId: '',
		gameName: '',
		title: 'Live',
		tags: [],
		viewerCount: 1,
		startedAt: '2025-06-01T17:00:00Z',
		language: 'en',
		thumbnailUrl: 'https://static-cdn.jtvnw.net/previews-ttv/live_user_x-{width}x{height}.jpg',
		isMature: false,
	};
}
