/**
 * Durations between wall-clock stamps, measured on the monotonic clock.
 *
 * Stored records carry wall time (missing since, retry at, last edit, intent created): it survives a restart and
 * means something to a person. But a wall clock stepped back an hour would keep an ended stream "live" for an
 * hour, and a step forward would skip a backoff. So the first time this process meets a stamp, it pins it to the
 * monotonic clock (a stamp from the past as far in the past as the wall clock says, never in the future), and from
 * then on measures against that pin. Within one process every duration is therefore steady; across a restart it
 * falls back to wall time once, clamped so that a step cannot make it negative.
 *
 * Hand-written rather than a cache library: the entries are a few numbers per watched target, and they are swept
 * by age (`sweep`), which is what bounds them.
 */
import type { Clock } from '../clock.ts';

interface Pin {
	/** The wall stamp the pin is for: a new stamp under the same key is pinned anew. */
	wall: number;
	/** Monotonic reading that corresponds to `wall`. */
	monotonic: number;
}

export class ElapsedTime {
	private readonly pins = new Map<string, Pin>();
	private readonly clock: Clock;

	constructor(clock: Clock) {
		this.clock = clock;
	}

	/**
	 * Milliseconds since the wall stamp `at` (never negative), steady within this process whatever the wall clock
	 * does. A stamp first met "in the future" (the wall clock was stepped back since it was written) counts from now.
	 */
	since(key: string, at: number): number {
		const pin = this.pin(key, at, () => -Math.max(0, this.clock.now() - at));
		return Math.max(0, this.clock.monotonic() - pin.monotonic);
	}

	/**
	 * Milliseconds until the wall deadline `at` (0 once it has passed). A deadline first met more than `maxMs` away
	 * (the wall clock was stepped back since it was set) is taken as `maxMs` away.
	 */
	until(key: string, at: number, maxMs: number): number {
		const pin = this.pin(key, at, () => Math.min(maxMs, Math.max(0, at - this.clock.now())));
		return Math.max(0, pin.monotonic - this.clock.monotonic());
	}

	/** Whether this process has pinned `at` under `key` (it made or met that stamp, and the pin was not swept). */
	has(key: string, at: number): boolean {
		return this.pins.get(key)?.wall === at;
	}

	forget(key: string): void {
		this.pins.delete(key);
	}

	/** Drops pins whose stamp is more than `horizonMs` in the (monotonic) past: no duration that long is asked. */
	sweep(horizonMs: number): void {
		const oldest = this.clock.monotonic() - horizonMs;
		for (const [key, pin] of this.pins) if (pin.monotonic < oldest) this.pins.delete(key);
	}

	get size(): number {
		return this.pins.size;
	}

	/** The pin of `at` under `key`; a new one is placed `offset()` ms from the monotonic now. */
	private pin(key: string, at: number, offset: () => number): Pin {
		const known = this.pins.get(key);
		if (known?.wall === at) return known;
		const pin = { wall: at, monotonic: this.clock.monotonic() + offset() };
		this.pins.set(key, pin);
		return pin;
	}
}
