import { describe, expect, it } from 'vitest';
import { NotifierHealth, Readiness, type ReadinessOptions } from '../../src/observe/health.ts';
import { createBotMetrics } from '../../src/observe/metrics.ts';
import { ManualClock } from '../support/clock.ts';

const INTERVAL_MS = 60_000;

function setUp(overrides: Partial<ReadinessOptions> = {}) {
	const clock = new ManualClock();
	const health = new NotifierHealth(clock, createBotMetrics({ processMetrics: false }).notifier);
	const state = { discordReady: true, notReadyShards: [] as number[], storeError: null as Error | null, active: true };
	const readiness = new Readiness({
		clock,
		pollIntervalMs: INTERVAL_MS,
		discord: () => ({ ready: state.discordReady, notReadyShards: state.notReadyShards }),
		store: async () => {
			if (state.storeError) throw state.storeError;
		},
		notifier: () => ({ active: state.active }),
		health,
		eventSubEnabled: true,
		...overrides,
	});
	return { clock, health, state, readiness };
}

describe('readiness', () => {
	it('is ready when Discord is ready, the store answers, a poll just succeeded and EventSub is attached', async () => {
		const { health, readiness } = setUp();
		health.pollCycle(0.05, 100);
		health.eventSubConnected(true);
		expect(await readiness.reasons()).toEqual([]);
	});

	it('says which shards of the gateway are not ready', async () => {
		const { health, state, readiness } = setUp();
		health.pollCycle(0.05, 100);
		health.eventSubConnected(true);
		state.discordReady = false;
		state.notReadyShards = [1];
		expect(await readiness.reasons()).toEqual(['Discord gateway not ready (shard 1 connecting)']);
	});

	it('says the store does not answer, with its error', async () => {
		const { health, state, readiness } = setUp();
		health.pollCycle(0.05, 100);
		health.eventSubConnected(true);
		state.storeError = new Error('The redis store did not answer get within 5000 ms');
		expect(await readiness.reasons()).toEqual([
			'store not answering: The redis store did not answer get within 5000 ms',
		]);
	});

	it('says the last successful poll is older than two intervals', async () => {
		const { clock, health, readiness } = setUp();
		health.pollCycle(0.05, 100);
		health.eventSubConnected(true);
		clock.advance(2 * INTERVAL_MS);
		expect(await readiness.reasons()).toEqual([]);
		health.pollFailed();
		clock.advance(1_000);
		expect(await readiness.reasons()).toEqual(['last successful poll of Twitch 121 s ago (more than two intervals)']);
		health.pollCycle(0.05, 100);
		expect(await readiness.reasons()).toEqual([]);
	});

	it('gives a new notifier two intervals for its first poll', async () => {
		const { clock, health, readiness } = setUp();
		health.eventSubConnected(true);
		expect(await readiness.reasons()).toEqual([]);
		clock.advance(2 * INTERVAL_MS + 5_000);
		expect(await readiness.reasons()).toEqual([
			'no successful poll of Twitch yet (125 s since this process became the notifier)',
		]);
	});

	it('says EventSub is not connected when it is enabled, and not when it is off', async () => {
		const on = setUp();
		on.health.pollCycle(0.05, 100);
		on.health.eventSubConnected(true);
		on.health.eventSubConnected(false);
		expect(await on.readiness.reasons()).toEqual(['EventSub not connected']);

		const off = setUp({ eventSubEnabled: false });
		off.health.pollCycle(0.05, 100);
		expect(await off.readiness.reasons()).toEqual([]);
	});

	it('asks nothing of polling or EventSub in a standby notifier', async () => {
		const { clock, state, readiness } = setUp();
		state.active = false;
		clock.advance(10 * INTERVAL_MS);
		expect(await readiness.reasons()).toEqual([]);
	});

	it('lists every reason at once', async () => {
		const { clock, state, readiness } = setUp();
		state.discordReady = false;
		state.storeError = new Error('connection refused');
		expect(await readiness.reasons()).toHaveLength(3); // + EventSub (no poll is due yet)
		clock.advance(3 * INTERVAL_MS);
		expect(await readiness.reasons()).toHaveLength(4);
	});
});
