import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter } from 'keyv';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { guardStoreCalls, StoreDeadlineError } from '../../src/store/store-health.ts';

/** An adapter whose calls the test settles by hand. */
function fakeAdapter() {
	const pending: Array<{ resolve: (value: unknown) => void; reject: (error: Error) => void }> = [];
	const adapter = Object.assign(new EventEmitter(), {
		opts: {},
		get: () => new Promise((resolve, reject) => pending.push({ resolve, reject })),
		set: async () => true,
		delete: async () => true,
		clear: async () => {},
	});
	return { adapter, pending };
}

function guarded(deadlineMs = 10_000) {
	const { adapter, pending } = fakeAdapter();
	const lines: Array<{ level: number; msg: string; error?: string }> = [];
	const logger = createLogger({
		level: 'debug',
		format: 'json',
		destination: { write: (line: string) => lines.push(JSON.parse(line)) },
	});
	const guard = guardStoreCalls(adapter as unknown as KeyvStoreAdapter, {
		kind: 'redis',
		deadlineMs,
		logger,
		redact: (text) => text.replaceAll('hunter2', '***'),
	});
	guard.startReporting();
	return { adapter, pending, lines };
}

describe('guardStoreCalls', () => {
	it('fails a call that gets no answer within the deadline with StoreDeadlineError', async () => {
		const { adapter, lines } = guarded(50);
		const error = await adapter.get().catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(StoreDeadlineError);
		expect((error as Error).message).toBe('The redis store did not answer get within 50 ms');
		expect(lines.map((line) => line.msg)).toEqual([
			'the redis store is unreachable; its calls fail until it answers again',
		]);
	});

	it('logs one warning however many calls fail, and one info line when a call succeeds again', async () => {
		const { adapter, pending, lines } = guarded();
		for (let attempt = 0; attempt < 5; attempt++) {
			const call = adapter.get();
			pending.shift()?.reject(new Error('connect ECONNREFUSED'));
			await expect(call).rejects.toThrow('ECONNREFUSED');
			adapter.emit('error', new Error('reconnect failed'));
		}
		const call = adapter.get();
		pending.shift()?.resolve('value');
		expect(await call).toBe('value');
		expect(lines.map((line) => [line.level, line.msg])).toEqual([
			[40, 'the redis store is unreachable; its calls fail until it answers again'],
			[30, 'the redis store answers again'],
		]);
	});

	it('does not call the store back because of an answer to a call sent before it went away', async () => {
		const { adapter, pending, lines } = guarded();
		const sentBefore = adapter.get();
		adapter.emit('error', new Error('Socket closed unexpectedly'));
		pending.shift()?.resolve('late');
		await sentBefore;
		expect(lines.map((line) => line.msg)).toEqual([
			'the redis store is unreachable; its calls fail until it answers again',
		]);
	});

	it('removes credentials from the error text it logs', async () => {
		const { adapter, lines } = guarded();
		adapter.emit('error', new Error('connect to redis://:hunter2@cache failed'));
		expect(lines[0]?.error).toBe('connect to redis://:***@cache failed');
	});
});
