import { describe, expect, it } from 'vitest';
import { KeyLock } from '../../src/store/key-lock.ts';

/** A promise with its resolve function, to hold a task open until the test lets it finish. */
function gate(): { promise: Promise<void>; open: () => void } {
	let open!: () => void;
	const promise = new Promise<void>((resolve) => {
		open = resolve;
	});
	return { promise, open };
}

describe('KeyLock', () => {
	it('runs tasks of one key one at a time, in call order', async () => {
		const lock = new KeyLock();
		const events: string[] = [];
		const first = gate();
		const running = [
			lock.run('watches:1', async () => {
				events.push('first start');
				await first.promise;
				events.push('first end');
			}),
			lock.run('watches:1', async () => {
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
		const lock = new KeyLock();
		const blocker = gate();
		const blocked = lock.run('watches:1', () => blocker.promise);
		expect(await lock.run('watches:2', async () => 'done')).toBe('done');
		blocker.open();
		await blocked;
	});

	it('a failing task rejects its caller and lets the next one run', async () => {
		const lock = new KeyLock();
		const failing = lock.run('watches:1', async () => {
			throw new Error('disk full');
		});
		const next = lock.run('watches:1', async () => 'ran');
		await expect(failing).rejects.toThrow('disk full');
		expect(await next).toBe('ran');
	});

	it('forgets a key once its queue is empty', async () => {
		const lock = new KeyLock();
		await Promise.all([lock.run('a', async () => 1), lock.run('a', async () => 2), lock.run('b', async () => 3)]);
		expect(lock.busyKeys).toBe(0);
	});
});
