import { randomUUID } from 'node:crypto';
import type { KeyvStoreAdapter } from 'keyv';
import type { Coordination, FencedWrite, LeaseHolding } from './coordination.ts';
import { redisCoordination } from './coordination-redis.ts';
import { sqlCoordination } from './coordination-sql.ts';
import type { Store } from './keyv.ts';

/** Coordination over the store's own connection (see coordination.ts); `namespace` as the store's. */
export function openCoordination(
	store: Store,
	options: { namespace?: string; deadlineMs?: number } = {},
): Coordination {
	const deadlineMs = options.deadlineMs ?? 5_000;
	const backend = store.backend;
	return backend.kind === 'redis'
		? redisCoordination(backend, deadlineMs)
		: sqlCoordination(backend, options.namespace ?? 'twitchbot', deadlineMs);
}

/** A write refused because the writer no longer holds the lease it writes under. */
export class LeaseLostError extends Error {
	override readonly name = 'LeaseLostError';
}

/**
 * A keyv adapter that reads through `adapter` and writes only while `holding()` names a lease the store still
 * has (checked in the same atomic step as the write): a process that lost its lease cannot overwrite what the
 * next holder wrote. A refused write throws LeaseLostError.
 */
export function fencedAdapter(
	adapter: KeyvStoreAdapter,
	coordination: Coordination,
	holding: () => LeaseHolding | null,
): KeyvStoreAdapter {
	const write = async (writes: FencedWrite[]): Promise<void> => {
		const lease = holding();
		if (!lease) throw new LeaseLostError('not writing: this process does not hold the notifier lease');
		if (!(await coordination.writeIfHolding(lease, writes))) {
			throw new LeaseLostError('the store refused a write: another process holds the notifier lease now');
		}
	};
	const fenced = Object.create(adapter) as KeyvStoreAdapter & Record<string, unknown>;
	fenced.set = async (key: string, value: unknown, ttl?: number) => {
		await write([{ kind: 'set', key, value: String(value), ttlMs: ttl }]);
		return true;
	};
	fenced.setMany = async (entries: Array<{ key: string; value: unknown; ttl?: number }>) => {
		await write(
			entries.map((entry) => ({ kind: 'set', key: entry.key, value: String(entry.value), ttlMs: entry.ttl })),
		);
	};
	fenced.delete = async (key: string) => {
		await write([{ kind: 'delete', key }]);
		return true;
	};
	fenced.deleteMany = async (keys: string[]) => {
		await write(keys.map((key) => ({ kind: 'delete' as const, key })));
		return true;
	};
	fenced.clear = async () => {
		throw new Error('a fenced store cannot be cleared');
	};
	return fenced;
}

/**
 * Runs `work` holding the named lock in the store (a lease that lasts `waitMs`, released after), waiting up to
 * `waitMs` for another holder to finish; `busy` says what to do when it never gets it.
 */
export async function withStoreLock<T>(
	coordination: Pick<Coordination, 'acquire' | 'release'>,
	name: string,
	waitMs: number,
	work: () => Promise<T>,
	busy: () => never,
): Promise<T> {
	const holder = randomUUID();
	const deadline = performance.now() + waitMs;
	while (!(await coordination.acquire(name, holder, waitMs))) {
		if (performance.now() > deadline) busy();
		await new Promise((resolve) => setTimeout(resolve, 25 + Math.random() * 50));
	}
	try {
		return await work();
	} finally {
		await coordination.release(name, holder).catch(() => {}); // it expires by itself
	}
}
