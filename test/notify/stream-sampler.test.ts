import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/logger.ts';
import { sampleStepMs, ViewerSampler } from '../../src/notify/stream-sampler.ts';
import type { Store } from '../../src/store/keyv.ts';
import { ViewerSampleRepository } from '../../src/store/viewer-sample-repository.ts';
import { storeBackends, useTestStores } from '../store/test-stores.ts';
import { ManualClock } from '../support/clock.ts';
import { makeStreamState } from '../support/fixtures.ts';

const sqlite = storeBackends.find((backend) => backend.kind === 'sqlite');
if (!sqlite) throw new Error('no SQLite backend');
const STARTED = Date.parse('2025-06-01T18:00:00Z');

describe('viewer samples of live streams', () => {
	const stores = useTestStores(sqlite);

	function sampler(store: Store, clock: ManualClock) {
		return new ViewerSampler({ repository: new ViewerSampleRepository(store), clock, logger: createSilentLogger() });
	}

	const live = (viewers: number, overrides: Parameters<typeof makeStreamState>[1] = {}) =>
		makeStreamState('1001', { startedAt: new Date(STARTED).toISOString(), viewerCount: viewers, ...overrides });

	it('samples every 2 minutes for the first 2 hours, then every 5, and at once on a category or title change', async () => {
		expect(sampleStepMs(0)).toBe(120_000);
		expect(sampleStepMs(2 * 3_600_000)).toBe(300_000);
		const clock = new ManualClock(STARTED);
		const samples = sampler(await stores.open(), clock);
		const cycle = async (viewers: number, overrides = {}) => {
			samples.observe([live(viewers, overrides)]);
			await samples.whenIdle();
			clock.advance(60_000);
		};
		await cycle(10); // 0:00 taken
		await cycle(11); // 0:01 not due
		await cycle(12); // 0:02 taken
		await cycle(13, { title: 'New title' }); // 0:03 changed: taken
		await cycle(14, { title: 'New title' }); // 0:04 not due
		clock.advance(2 * 3_600_000 - 5 * 60_000); // 2:00
		await cycle(20, { title: 'New title' }); // taken
		for (let minute = 1; minute < 5; minute++) await cycle(21, { title: 'New title' }); // not due
		await cycle(22, { title: 'New title' }); // 2:05 taken

		const series = await samples.samplesOf(live(0).streamId ?? '');
		expect(series.map((s) => s.viewers)).toEqual([10, 12, 13, 20, 22]);
		expect(series.map((s) => (s.at - STARTED) / 60_000)).toEqual([0, 2, 3, 120, 125]);
		expect(series[3]?.title).toBe('New title');
	});

	it('keeps the samples through a restart mid-stream and goes on where it stopped', async () => {
		const clock = new ManualClock(STARTED);
		const store = await stores.open();
		const before = sampler(store, clock);
		for (const viewers of [10, 20, 30]) {
			before.observe([live(viewers)]);
			await before.whenIdle();
			clock.advance(120_000);
		}
		// The process dies; a new one opens the store and polls the same stream.
		const after = sampler(await stores.reopen(store), clock);
		after.observe([live(40)]);
		await after.whenIdle();
		clock.advance(60_000);
		after.observe([live(45)]); // 1 minute after the last one: not due
		await after.whenIdle();

		const series = await after.samplesOf(live(0).streamId ?? '');
		expect(series.map((s) => s.viewers)).toEqual([10, 20, 30, 40]);
	});

	it('forgets a stream that is no longer live, and takes a new stream of the same channel apart', async () => {
		const clock = new ManualClock(STARTED);
		const samples = sampler(await stores.open(), clock);
		samples.observe([live(10)]);
		await samples.whenIdle();
		samples.observe([]);
		await samples.whenIdle();
		clock.advance(10 * 60_000);
		samples.observe([live(99, { streamId: '40009999' })]);
		await samples.whenIdle();
		expect((await samples.samplesOf('40009999')).map((s) => s.viewers)).toEqual([99]);
		expect((await samples.samplesOf(live(0).streamId ?? '')).map((s) => s.viewers)).toEqual([10]);
	});
});
