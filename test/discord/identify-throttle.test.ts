import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.ts';
import {
	IDENTIFY_SPACING_MS,
	StoreIdentifyThrottler,
	storeIdentifyThrottler,
} from '../../src/discord/identify-throttle.ts';
import type { LeaseGrant } from '../../src/store/coordination.ts';
import { ManualClock } from '../support/clock.ts';
import { recordingLogger } from './fake-interactions.ts';
import { MemoryLeases } from './memory-leases.ts';

/** Lets every pending promise callback run (the throttler's store calls and sleeps are promise chains). */
async function settle(): Promise<void> {
	for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Moves the clock forward in small steps, letting the throttlers react at each. */
async function runClock(clock: ManualClock, ms: number, stepMs = 50): Promise<void> {
	await settle();
	for (let passed = 0; passed < ms; passed += stepMs) {
		clock.advance(stepMs);
		await settle();
	}
}

/** Starts an identify wait and notes when (monotonic) it was let through. */
function identify(
	throttler: StoreIdentifyThrottler,
	shardId: number,
	clock: Clock,
	signal = new AbortController().signal,
) {
	const wait = { at: null as number | null, failed: null as unknown };
	void throttler.waitForIdentify(shardId, signal).then(
		() => {
			wait.at = clock.monotonic();
		},
		(error: unknown) => {
			wait.failed = error;
		},
	);
	return wait;
}

function setUp(maxConcurrency: number, leases?: Pick<MemoryLeases, 'acquire'>) {
	const clock = new ManualClock();
	const memory = new MemoryLeases(clock);
	const { logger, records } = recordingLogger();
	const options = { leases: leases ?? memory, maxConcurrency, clock, logger };
	// Two throttlers over one store: two processes of the bot.
	return {
		clock,
		memory,
		records,
		processA: new StoreIdentifyThrottler(options),
		processB: new StoreIdentifyThrottler(options),
	};
}

describe('StoreIdentifyThrottler', () => {
	it('spaces the identifies of two processes in one bucket at least 5 s apart', async () => {
		const { clock, processA, processB } = setUp(1);
		const start = clock.monotonic();

		const first = identify(processA, 0, clock);
		const second = identify(processB, 1, clock);
		await runClock(clock, 7_000);

		expect(first.at).toBe(start);
		expect(second.at).not.toBeNull();
		expect((second.at ?? 0) - (first.at ?? 0)).toBeGreaterThanOrEqual(5_000);
		expect((second.at ?? 0) - (first.at ?? 0)).toBeLessThanOrEqual(IDENTIFY_SPACING_MS + 250);
	});

	it('lets shards of different buckets identify at once, across processes', async () => {
		const { clock, memory, processA, processB } = setUp(2);
		const start = clock.monotonic();

		const first = identify(processA, 0, clock);
		const second = identify(processB, 3, clock);
		await settle();

		expect([first.at, second.at]).toEqual([start, start]);
		expect(memory.asked).toEqual(['identify:0', 'identify:1']);
	});

	it('spaces the shards of one bucket within one process, each asking the store in turn', async () => {
		const { clock, memory, processA } = setUp(2);

		const waits = [0, 2, 4].map((shardId) => identify(processA, shardId, clock));
		await settle();
		expect(memory.asked).toEqual(['identify:0']);
		await runClock(clock, 12_000);

		const times = waits.map((wait) => wait.at ?? Number.NaN);
		expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(5_000);
		expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(5_000);
	});

	it('waits a full spacing and logs a warning when the store fails, instead of identifying at once or throwing', async () => {
		const failing = {
			acquire: async (): Promise<LeaseGrant | null> => {
				throw new Error('connection refused');
			},
		};
		const { clock, records, processA } = setUp(1, failing);
		const start = clock.monotonic();

		const first = identify(processA, 0, clock);
		const second = identify(processA, 1, clock);
		await runClock(clock, IDENTIFY_SPACING_MS - 100);
		expect(first.at).toBeNull();
		await runClock(clock, 12_000);

		expect(first.failed).toBeNull();
		expect(first.at! - start).toBeGreaterThanOrEqual(IDENTIFY_SPACING_MS);
		expect(second.at! - first.at!).toBeGreaterThanOrEqual(5_000);
		expect(records.filter((record) => record.level === 40)).toHaveLength(2);
		expect(records[0]).toMatchObject({ shardId: 0, bucket: 0, err: { message: 'connection refused' } });
	});

	it('stops waiting when discord.js aborts (the shard closed), and the next shard of the bucket goes on', async () => {
		const { clock, processA, processB } = setUp(1);
		identify(processB, 5, clock);
		const aborting = new AbortController();
		const aborted = identify(processA, 0, clock, aborting.signal);
		const next = identify(processA, 1, clock);
		await runClock(clock, 1_000);

		aborting.abort(new Error('shard closed'));
		await runClock(clock, 12_000);

		expect(aborted.failed).toMatchObject({ message: 'shard closed' });
		expect(aborted.at).toBeNull();
		expect(next.at).not.toBeNull();
	});
});

describe('storeIdentifyThrottler (discord.js ws.buildIdentifyThrottler)', () => {
	it('counts buckets by the max_concurrency of GET /gateway/bot', async () => {
		const clock = new ManualClock();
		const memory = new MemoryLeases(clock);
		const { logger } = recordingLogger();
		const build = storeIdentifyThrottler({ leases: memory, clock, logger });

		const throttler = await build({
			fetchGatewayInformation: async () => ({ session_start_limit: { max_concurrency: 16 } }),
		});
		await throttler.waitForIdentify(17, new AbortController().signal);

		expect(memory.asked).toEqual(['identify:1']);
	});

	it('counts a single bucket, with a warning, when GET /gateway/bot fails', async () => {
		const clock = new ManualClock();
		const memory = new MemoryLeases(clock);
		const { logger, records } = recordingLogger();
		const build = storeIdentifyThrottler({ leases: memory, clock, logger });

		const throttler = await build({
			fetchGatewayInformation: async () => {
				throw new Error('503');
			},
		});
		await throttler.waitForIdentify(17, new AbortController().signal);

		expect(memory.asked).toEqual(['identify:0']);
		expect(records).toMatchObject([{ level: 40 }]);
	});
});
