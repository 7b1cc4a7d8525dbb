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
 * Hand-written rather than a cache library: the entries are two numbers per watched target, and they are swept
 * by age (`sweep`), which is what bounds them.
 */
import type { Clock } from '../clock.ts';

export class ElapsedTime {
	private readonly clock: Clock;
	/**
	 * key → slot of its pin. A pin is two numbers in the arrays below, not an object with two boxed numbers: there is
	 * one per watched target and per missing stream, 10,000s at 100,000 channels.
	 */
	private readonly slots = new Map<string, number>();
	/** Per slot: the wall stamp pinned (a new stamp under the same key is pinned anew)… */
	private wall = new Float64Array(64);
	/** …and the monotonic reading that corresponds to it. */
	private monotonic = new Float64Array(64);
	private readonly freeSlots: number[] = [];
	private slotsUsed = 0;

	constructor(clock: Clock) {
		this.clock = clock;
	}

	/**
	 * Milliseconds since the wall stamp `at` (never negative), steady within this process whatever the wall clock
	 * does. A stamp first met "in the future" (the wall clock was stepped back since it was written) counts from now.
	 */
	since(key: string, at: number): number {
		const slot = this.pinned(key, at) ?? this.pin(key, at, -Math.max(0, this.clock.now() - at));
		return Math.max(0, this.clock.monotonic() - (this.monotonic[slot] ?? 0));
	}

	/**
	 * Milliseconds until the wall deadline `at` (0 once it has passed). A deadline first met more than `maxMs` away
	 * (the wall clock was stepped back since it was set) is taken as `maxMs` away.
	 */
	until(key: string, at: number, maxMs: number): number {
		const slot = this.pinned(key, at) ?? this.pin(key, at, Math.min(maxMs, Math.max(0, at - this.clock.now())));
		return Math.max(0, (this.monotonic[slot] ?? 0) - this.clock.monotonic());
	}

	/** Whether this process has pinned `at` under `key` (it made or met that stamp, and the pin was not swept). */
	has(key: string, at: number): boolean {
		return this.pinned(key, at) !== undefined;
	}

	forget(key: string): void {
		const slot = this.slots.get(key);
		if (slot === undefined) return;
		this.slots.delete(key);
		this.freeSlots.push(slot);
	}

	/** Drops pins whose stamp is more than `horizonMs` in the (monotonic) past: no duration that long is asked. */
	sweep(horizonMs: number): void {
		const oldest = this.clock.monotonic() - horizonMs;
		for (const [key, slot] of this.slots) {
			if ((this.monotonic[slot] ?? 0) < oldest) {
				this.slots.delete(key);
				this.freeSlots.push(slot);
			}
		}
	}

	get size(): number {
		return this.slots.size;
	}

	/** The slot of the pin of `at` under `key`, if it is pinned. */
	private pinned(key: string, at: number): number | undefined {
		const slot = this.slots.get(key);
		return slot !== undefined && this.wall[slot] === at ? slot : undefined;
	}

	/** Pins `at` under `key` (replacing a pin of another stamp) `offsetMs` from the monotonic now; returns its slot. */
	private pin(key: string, at: number, offsetMs: number): number {
		let slot = this.slots.get(key);
		if (slot === undefined) {
			slot = this.freeSlots.pop() ?? this.slotsUsed++;
			if (slot >= this.wall.length) this.grow();
			this.slots.set(key, slot);
		}
		this.wall[slot] = at;
		this.monotonic[slot] = this.clock.monotonic() + offsetMs;
		return slot;
	}

	private grow(): void {
		const wall = new Float64Array(this.wall.length * 2);
		const monotonic = new Float64Array(this.wall.length * 2);
		wall.set(this.wall);
		monotonic.set(this.monotonic);
		this.wall = wall;
		this.monotonic = monotonic;
	}
}
