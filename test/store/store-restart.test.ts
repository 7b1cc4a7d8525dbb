import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { openStore, type Store } from '../../src/store/keyv.ts';
import {
	startThrowawayPostgres,
	startThrowawayRedis,
	type ThrowawayPostgres,
	type ThrowawayRedis,
} from './throwaway-servers.ts';

/**
 * The bot rides out a restart, a failover or a freeze of its store: calls fail (or time out) while the store is
 * away, one warning and one info line are logged, and calls succeed again once it is back, without a restart.
 * Each test runs its own throwaway server: the shared CI servers must not be stopped.
 */

interface LogLine {
	level: number;
	msg: string;
	[field: string]: unknown;
}

function captureLog() {
	const lines: LogLine[] = [];
	const logger = createLogger({
		level: 'debug',
		format: 'json',
		destination: { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
	});
	return {
		logger,
		lines,
		warnings: () => lines.filter((line) => line.level === 40),
		infos: () => lines.filter((line) => line.level === 30),
	};
}

type Outcome<T> = { status: 'fulfilled'; value: T } | { status: 'rejected'; reason: Error } | { status: 'pending' };

/** How `promise` settled within `ms`, or 'pending': a hanging call must fail the test, not time it out. */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Outcome<T>> {
	let timer: NodeJS.Timeout | undefined;
	const pending = new Promise<Outcome<T>>((resolve) => {
		timer = setTimeout(() => resolve({ status: 'pending' }), ms);
	});
	const settled = promise.then(
		(value): Outcome<T> => ({ status: 'fulfilled', value }),
		(reason: unknown): Outcome<T> => ({ status: 'rejected', reason: reason as Error }),
	);
	try {
		return await Promise.race([settled, pending]);
	} finally {
		clearTimeout(timer);
	}
}

/** Retries `attempt` until it resolves: a reconnecting client needs a moment (its back-off is at most 2 s). */
async function eventually<T>(attempt: () => Promise<T>, withinMs: number): Promise<T> {
	const deadline = Date.now() + withinMs;
	for (;;) {
		try {
			return await attempt();
		} catch (error) {
			if (Date.now() > deadline) throw error;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
}

// An 'error' event nobody listens on is thrown from a socket callback: it reaches the process, not the test.
const uncaught: Error[] = [];
const recordUncaught = (error: Error) => uncaught.push(error);
beforeEach(() => {
	uncaught.length = 0;
	process.on('uncaughtException', recordUncaught);
});
afterEach(() => {
	process.off('uncaughtException', recordUncaught);
});

describe('a PostgreSQL store', () => {
	let server: ThrowawayPostgres | undefined;
	let store: Store | undefined;
	beforeAll(async () => {
		server = await startThrowawayPostgres();
	}, 60_000);
	afterAll(async () => {
		await store?.close().catch(() => {});
		await server?.destroy();
	}, 30_000);

	it('rides out a PostgreSQL restart: calls fail while it is down, one warning and one info are logged, then reads and writes work again', async () => {
		const postgres = server!;
		const log = captureLog();
		store = await openStore(postgres.url, { namespace: 'restart', logger: log.logger, deadlineMs: 3_000 });
		await store.keyv.set('before', 'restart');

		// Stopping terminates the pool's idle connection: the error that used to kill the process.
		await postgres.stop();
		const duringOutage = await settleWithin(store.keyv.get('before'), 5_000);
		expect(uncaught).toEqual([]);
		expect(duringOutage.status).toBe('rejected');
		expect((await settleWithin(store.keyv.set('during', 'outage'), 5_000)).status).toBe('rejected');

		await postgres.start();
		expect(await store.keyv.get('before')).toBe('restart');
		await store.keyv.set('after', 'restart');
		expect(await store.keyv.get('after')).toBe('restart');
		expect(log.warnings()).toHaveLength(1);
		expect(log.warnings()[0]?.msg).toMatch(/postgres store is unreachable/);
		expect(log.infos().filter((line) => /postgres store answers again/.test(line.msg))).toHaveLength(1);

		// The real thing: `pg_ctl restart -m fast` while the pool holds an idle connection.
		await postgres.restart();
		await store.keyv.set('after', 'second restart');
		expect(await store.keyv.get('after')).toBe('second restart');
		expect(log.warnings()).toHaveLength(2);
		expect(uncaught).toEqual([]);
	}, 40_000);

	it('fails a call to a frozen PostgreSQL within the deadline and closes without hanging the shutdown', async () => {
		const postgres = server!;
		const log = captureLog();
		const frozen = await openStore(postgres.url, { namespace: 'frozen', logger: log.logger, deadlineMs: 1_000 });
		await frozen.keyv.set('key', 'value');
		postgres.freeze();
		try {
			const started = performance.now();
			const outcome = await settleWithin(frozen.keyv.get('key'), 6_000);
			expect(outcome.status === 'rejected' && outcome.reason.message).toMatch(
				/The postgres store did not answer get within 1000 ms/,
			);
			expect(performance.now() - started).toBeLessThan(3_500);

			const closeStarted = performance.now();
			expect((await settleWithin(frozen.close(), 6_000)).status).toBe('fulfilled');
			expect(performance.now() - closeStarted).toBeLessThan(3_500);
			expect(log.warnings().map((line) => line.msg)).toEqual([
				'the postgres store is unreachable; its calls fail until it answers again',
				'the postgres store did not close cleanly',
			]);
		} finally {
			postgres.thaw();
		}
	}, 20_000);
});

describe('a Redis store', () => {
	// A fresh server for each test: a test that fails with the server killed or frozen must not fail the next one.
	let server: ThrowawayRedis | undefined;
	let store: Store | undefined;
	beforeEach(async () => {
		server = await startThrowawayRedis();
	});
	afterEach(async () => {
		server?.thaw();
		if (store) await settleWithin(store.close(), 5_000);
		store = undefined;
		await server?.destroy();
		server = undefined;
	});

	it('rides out a Redis restart: calls fail while it is down, one warning and one info are logged, then reads and writes work again', async () => {
		const redis = server!;
		const log = captureLog();
		store = await openStore(redis.url, { namespace: 'restart', logger: log.logger, deadlineMs: 3_000 });
		await store.keyv.set('before', 'restart');

		await redis.kill();
		const duringOutage = await settleWithin(store.keyv.get('before'), 5_000);
		expect(duringOutage.status).toBe('rejected');
		expect((await settleWithin(store.keyv.set('during', 'outage'), 5_000)).status).toBe('rejected');
		expect(log.warnings()).toHaveLength(1);
		expect(log.warnings()[0]?.msg).toMatch(/redis store is unreachable/);

		await redis.start();
		await eventually(() => store!.keyv.set('after', 'restart'), 10_000);
		expect(await store.keyv.get('after')).toBe('restart');
		expect(log.warnings()).toHaveLength(1);
		expect(log.infos().filter((line) => /redis store answers again/.test(line.msg))).toHaveLength(1);
		expect(uncaught).toEqual([]);
	}, 30_000);

	it('fails a call to a frozen Redis within the deadline and logs a warning; answers again after SIGCONT', async () => {
		const redis = server!;
		const log = captureLog();
		store = await openStore(redis.url, { namespace: 'frozen', logger: log.logger, deadlineMs: 1_500 });
		await store.keyv.set('key', 'value');

		redis.freeze();
		const started = performance.now();
		const outcome = await settleWithin(store.keyv.get('key'), 8_000);
		const elapsed = performance.now() - started;
		expect(outcome.status).toBe('rejected');
		expect(outcome.status === 'rejected' && outcome.reason.message).toMatch(
			/The redis store did not answer get within 1500 ms/,
		);
		expect(elapsed).toBeGreaterThanOrEqual(1_400);
		expect(elapsed).toBeLessThan(4_000);
		expect(log.warnings()).toHaveLength(1);
		expect(log.warnings()[0]).toMatchObject({ msg: expect.stringMatching(/redis store is unreachable/) });
		expect(JSON.stringify(log.warnings()[0])).toContain('did not answer get within 1500 ms');

		redis.thaw();
		expect(await eventually(() => store!.keyv.get('key'), 5_000)).toBe('value');
		expect(log.warnings()).toHaveLength(1);
		expect(log.infos().filter((line) => /redis store answers again/.test(line.msg))).toHaveLength(1);
	}, 20_000);

	it('closes a frozen Redis store within the deadline instead of hanging the shutdown', async () => {
		const redis = server!;
		const log = captureLog();
		const frozen = await openStore(redis.url, { namespace: 'frozen-close', logger: log.logger, deadlineMs: 1_000 });
		await frozen.keyv.set('key', 'value');
		redis.freeze();
		// A command still waiting for its reply is what a graceful close waits for.
		await settleWithin(frozen.keyv.get('key'), 3_000);
		const started = performance.now();
		const outcome = await settleWithin(frozen.close(), 6_000);
		expect(outcome.status).toBe('fulfilled');
		expect(performance.now() - started).toBeLessThan(3_500);
		expect(log.warnings().map((line) => line.msg)).toContain('the redis store did not close cleanly');
	}, 20_000);
});
