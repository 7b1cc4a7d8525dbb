/** The store's lease `acquire` in memory, for tests of what takes leases (a Map of holders with expiry). */
import type { Clock } from '../../src/clock.ts';
import type { Coordination, LeaseGrant } from '../../src/store/coordination.ts';

export class MemoryLeases implements Pick<Coordination, 'acquire'> {
	/** The lease names asked for, in order. */
	readonly asked: string[] = [];
	readonly #leases = new Map<string, { holder: string; until: number; fence: number }>();
	readonly #clock: Clock;
	#fence = 0;

	constructor(clock: Clock) {
		this.#clock = clock;
	}

	async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
		this.asked.push(name);
		const now = this.#clock.monotonic();
		const lease = this.#leases.get(name);
		const held = lease !== undefined && lease.until > now;
		if (held && lease.holder !== holder) return null;
		const fence = held ? lease.fence : ++this.#fence;
		this.#leases.set(name, { holder, until: now + ttlMs, fence });
		return { fence };
	}
}
