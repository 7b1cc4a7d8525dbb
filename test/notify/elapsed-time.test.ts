import { describe, expect, it } from 'vitest';
import { ElapsedTime } from '../../src/notify/elapsed-time.ts';
import { ManualClock } from '../support/clock.ts';

describe('elapsed time', () => {
	it('measures from the pin on the monotonic clock whatever the wall clock does, and re-pins a new stamp', () => {
		const clock = new ManualClock();
		const elapsed = new ElapsedTime(clock);
		const stamp = clock.now() - 30_000;
		expect(elapsed.since('missing:1', stamp)).toBe(30_000);
		clock.stepWall(-3_600_000);
		clock.advance(10_000);
		expect(elapsed.since('missing:1', stamp)).toBe(40_000);
		expect(elapsed.has('missing:1', stamp)).toBe(true);

		const later = clock.now();
		expect(elapsed.since('missing:1', later)).toBe(0);
		expect(elapsed.has('missing:1', stamp)).toBe(false);
		expect(elapsed.until('retry:1', clock.now() + 5_000, 60_000)).toBe(5_000);
		expect(elapsed.until('retry:2', clock.now() + 600_000, 60_000)).toBe(60_000);
	});

	it('keeps thousands of pins apart, and a pin forgotten or swept leaves nothing behind for the next key', () => {
		const clock = new ManualClock();
		const elapsed = new ElapsedTime(clock);
		const start = clock.now();
		for (let n = 0; n < 5_000; n++) elapsed.since(`edit:${n}`, start - n);
		expect(elapsed.size).toBe(5_000);
		for (let n = 0; n < 5_000; n += 2) elapsed.forget(`edit:${n}`);
		clock.advance(1_000);
		for (let n = 0; n < 2_500; n++) elapsed.since(`new:${n}`, clock.now());
		expect(elapsed.size).toBe(5_000);
		expect(elapsed.since('edit:4999', start - 4_999)).toBe(4_999 + 1_000);
		expect(elapsed.since('new:7', clock.now())).toBe(0);
		expect(elapsed.has('edit:0', start)).toBe(false);

		clock.advance(10_000);
		elapsed.sweep(10_500); // the edit: pins are 11 s old or more, the new: ones 10 s
		expect(elapsed.size).toBe(2_500);
		expect(elapsed.has('edit:1', start - 1)).toBe(false);
		expect(elapsed.has('new:0', clock.now() - 10_000)).toBe(true);
	});
});
