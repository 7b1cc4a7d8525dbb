import { describe, expect, it } from 'vitest';
import { Turns } from '../../src/notify/turns.ts';

describe('Turns', () => {
	it('runs at most `size` tasks at once, the others in order, and returns each task’s own result', async () => {
		const turns = new Turns(2);
		const releases: Array<() => void> = [];
		const started: number[] = [];
		const task = (n: number) => () =>
			new Promise<number>((resolve) => {
				started.push(n);
				releases.push(() => resolve(n));
			});
		const results = [1, 2, 3].map((n) => turns.run(task(n), 60_000));
		await new Promise((resolve) => setTimeout(resolve, 10));
		expect(started).toEqual([1, 2]);
		expect(turns.load).toEqual({ taken: 2, waiting: 1 });
		releases[0]?.();
		await new Promise((resolve) => setTimeout(resolve, 10));
		expect(started).toEqual([1, 2, 3]);
		releases[1]?.();
		releases[2]?.();
		expect(await Promise.all(results)).toEqual([1, 2, 3]);
	});

	it('frees a slow task’s slot after slowMs, and still returns its result when it ends', async () => {
		const turns = new Turns(1);
		let finish: (value: string) => void = () => {};
		const slow = turns.run(() => new Promise<string>((resolve) => (finish = resolve)), 50);
		const started = performance.now();
		expect(await turns.run(async () => 'quick', 50)).toBe('quick');
		expect(performance.now() - started).toBeLessThan(1_000);
		finish('slow, but done');
		expect(await slow).toBe('slow, but done');
	});

	it('passes a task’s failure on', async () => {
		const turns = new Turns(1);
		await expect(turns.run(() => Promise.reject(new Error('refused')), 50)).rejects.toThrow('refused');
	});
});
