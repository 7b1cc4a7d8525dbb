import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/logger.ts';
import { NotifierLease } from '../../src/notify/notifier-lease.ts';
import type { Coordination } from '../../src/store/coordination.ts';

/** Leases in memory with a settable clock standing for the store's; `failing` makes every call throw. */
function memoryLeases() {
	const leases = new Map<string, { holder: string; fence: number; expiresAt: number }>();
	let fences = 0;
	const state = { now: 0, failing: false };
	const check = () => {
		if (state.failing) throw new Error('store unreachable');
	};
	const coordination: Pick<Coordination, 'acquire' | 'renew' | 'release'> = {
		async acquire(name, holder, ttlMs) {
			check();
			const lease = leases.get(name);
			if (lease && lease.expiresAt > state.now && lease.holder !== holder) return null;
			if (lease && lease.expiresAt > state.now) {
				lease.expiresAt = state.now + ttlMs;
				return { fence: lease.fence };
			}
			const fence = ++fences;
			leases.set(name, { holder, fence, expiresAt: state.now + ttlMs });
			return { fence };
		},
		async renew(name, holder, fence, ttlMs) {
			check();
			const lease = leases.get(name);
			if (!lease || lease.holder !== holder || lease.fence !== fence || lease.expiresAt <= state.now) return false;
			lease.expiresAt = state.now + ttlMs;
			return true;
		},
		async release(name, holder) {
			check();
			const lease = leases.get(name);
			if (lease?.holder === holder) lease.expiresAt = state.now;
		},
	};
	return { coordination, state };
}

describe('the notifier lease', () => {
	const events: string[] = [];
	const makeLease = (
		store: ReturnType<typeof memoryLeases>,
		name: string,
		monotonic: { now: number },
		ttlMs = 15_000,
	) =>
		new NotifierLease({
			coordination: store.coordination,
			ttlMs,
			logger: createSilentLogger(),
			holder: name,
			now: () => monotonic.now,
			standbyRetryMs: 5,
			onAcquired: (holding) => events.push(`${name} acquired ${holding.fence}`),
			onLost: (reason) => events.push(`${name} lost: ${reason}`),
		});

	it('makes one of two processes active; the other takes over only once the lease expired', async () => {
		events.length = 0;
		const store = memoryLeases();
		const clockA = { now: 0 };
		const clockB = { now: 0 };
		const a = makeLease(store, 'A', clockA);
		const b = makeLease(store, 'B', clockB);
		await a.start();
		await b.start();
		expect(a.holding()?.fence).toBe(1);
		expect(b.holding()).toBeNull();
		expect(a.writeWindowMs()).toBe(14_000);
		// A dies (stops renewing); the store's clock passes its expiry.
		await a.stop();
		store.state.now = 0; // stop released it: B takes it at its next try, with a higher fence
		await sleep(30);
		expect(b.holding()?.fence).toBe(2);
		expect(events).toEqual(['A acquired 1', 'A lost: this process is stopping', 'B acquired 2']);
		await b.stop();
	});

	it('stops writing on its own monotonic clock before the lease can expire, and steps down when it finds out', async () => {
		events.length = 0;
		const store = memoryLeases();
		const monotonic = { now: 0 };
		const lease = makeLease(store, 'A', monotonic, 300);
		await lease.start();
		expect(lease.holding()).not.toBeNull();
		// The store stops answering: renewals fail. Writes continue only while the last grant is surely valid.
		store.state.failing = true;
		monotonic.now = 150;
		expect(lease.holding()).not.toBeNull();
		expect(lease.writeWindowMs()).toBe(0); // a 300 ms lease leaves no second for a write in flight
		monotonic.now = 200; // ttl − ttl/3: no more writes, whether or not a timer has fired yet
		expect(lease.holding()).toBeNull();
		await sleep(150); // the next renewal fails past that point: stepped down
		expect(events).toEqual(['A acquired 1', 'A lost: could not renew the lease in time']);
		await lease.stop();
	});

	it('a holder frozen past its lease writes nothing when it resumes, and steps down because another took over', async () => {
		events.length = 0;
		const store = memoryLeases();
		const clockA = { now: 0 };
		const a = makeLease(store, 'A', clockA, 15_000);
		await a.start();
		// Frozen for 20 s (SIGSTOP): its monotonic clock moves on, the store's lease expires, B takes it.
		clockA.now = 20_000;
		store.state.now = 20_000;
		expect(a.holding()).toBeNull();
		expect(a.writeWindowMs()).toBe(0);
		const b = makeLease(store, 'B', { now: 20_000 });
		await b.start();
		expect(b.holding()?.fence).toBe(2);
		await sleep(3_100); // A's renewal timer (ttl/5) fires: the store refuses, A steps down
		expect(events).toEqual(['A acquired 1', 'B acquired 2', 'A lost: the lease expired or another process took it']);
		await a.stop();
		await b.stop();
	});
});
