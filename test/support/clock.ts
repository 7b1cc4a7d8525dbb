/**
 * The test clocks: one manual clock for everything that runs in the test's own process, and a real-time clock that
 * can jump forward for the real bot (whose timers must keep running).
 */
import { type Clock, systemClock } from '../../src/clock.ts';

/**
 * A clock that only moves when the test says so; sleepers wake when it passes their time (or on abort). With
 * `instantSleeps`, every sleep ends at once (code under test that waits on timers runs straight through).
 */
export class ManualClock implements Clock {
	#now: number;
	#monotonic = 1_000_000;
	#sleepers: Array<{ until: number; wake: () => void }> = [];
	readonly #instantSleeps: boolean;

	constructor(start = Date.parse('2025-06-01T18:00:00Z'), options: { instantSleeps?: boolean } = {}) {
		this.#now = start;
		this.#instantSleeps = options.instantSleeps ?? false;
	}

	now(): number {
		return this.#now;
	}

	monotonic(): number {
		return this.#monotonic;
	}

	/** Steps the wall clock alone (NTP, an operator): durations, measured on the monotonic clock, do not move. */
	stepWall(ms: number): void {
		this.#now += ms;
	}

	advance(ms: number): void {
		this.#now += ms;
		this.#monotonic += ms;
		const due = this.#sleepers.filter((sleeper) => sleeper.until <= this.#monotonic);
		this.#sleepers = this.#sleepers.filter((sleeper) => sleeper.until > this.#monotonic);
		for (const sleeper of due) sleeper.wake();
	}

	get sleepers(): number {
		return this.#sleepers.length;
	}

	sleep(ms: number, signal?: AbortSignal): Promise<void> {
		return new Promise((resolve, reject) => {
			if (signal?.aborted) {
				reject(signal.reason);
				return;
			}
			const sleeper = {
				until: this.#monotonic + ms,
				wake: () => {
					signal?.removeEventListener('abort', onAbort);
					resolve();
				},
			};
			const onAbort = () => {
				this.#sleepers = this.#sleepers.filter((other) => other !== sleeper);
				reject(signal?.reason);
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			if (ms <= 0 || this.#instantSleeps) sleeper.wake();
			else this.#sleepers.push(sleeper);
		});
	}
}

/** A clock that runs with real time but can be moved forward at once: `advance(3 * 60_000)` is "3 minutes later". */
export interface AdjustableClock extends Clock {
	advance(ms: number): void;
}

/** Real time plus an offset that only grows; sleeps are real (the bot's timers keep working). */
export function createAdjustableClock(): AdjustableClock {
	let offset = 0;
	return {
		now: () => Date.now() + offset,
		monotonic: () => performance.now() + offset,
		sleep: (ms, signal) => systemClock.sleep(ms, signal),
		advance(ms) {
			offset += Math.max(0, ms);
		},
	};
}
