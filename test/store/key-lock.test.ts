import { describe, expect, it } from 'vitest';
import { createKeyLock } from '../../src/store/key-lock.ts';

/** A promise with its resolve function, to hold a task open until the test lets it finish. */
function gate(): { promise: Promise<void>; open: () => void } {
	let open!: () => void;
	const promise = new Promise<void>((resolve) => {
		open = resolve;
	});
	return { promise, open };
}

describe('the key lock', () => {
	it('runs tasks of one key one at a time, in call order', async () => {
		const lock = createKeyLock();
		const events: string[] = [];
		const first = gate();
		const running = [
			lock.acquire('watches:1', async () => {
				events.push('first start');
				await first.promise;
				events.push('first end');
			}),
			lock.acquire('watches:1', async () => {
				events.push('second');
			}),
		];
		await new Promise((resolve) => setImmediate(resolve));
		expect(events).toEqual(['first start']);
		first.open();
		await Promise.all(running);
		expect(events).toEqual(['first start', 'first end', 'second']);
	});

	it('does not hold back tasks of another key', async () => {
		const lock = createKeyLock();
		const blocker = gate();
		const blocked = lock.acquire('watches:1', () => blocker.promise);
		expect(await lock.acquire('watches:2', async () => 'done')).toBe('done');
		blocker.open();
		await blocked;
	});

	it('a failing task rejects its caller and lets the next one run', async () => {
		const lock = createKeyLock();
		const failing = lock.acquire('watches:1', async () => {
			throw new Error('disk full');
		});
		const next = lock.acquire('watches:1', async () => 'ran');
		await expect(failing).rejects.toThrow('disk full');
		expect(await next).toBe('ran');
	});

	it('forgets a key once its queue is empty', async () => {
		const lock = createKeyLock();
		await Promise.all([
			lock.acquire('a', async () => 1),
			lock.acquire('a', async () => 2),
			lock.acquire('b', async () => 3),
		]);
		expect(lock.isBusy()).toBe(false);
	});

	it('queues any number of tasks on one key and runs them all, in call order', async () => {
		const lock = createKeyLock();
		const order: number[] = [];
		await Promise.all(
			Array.from({ length: 2_500 }, (_, i) =>
				lock.acquire('announcements-unfinished:0', async () => {
					order.push(i);
				}),
			),
		);
		expect(order).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
	});
});
