import { describe, expect, it } from 'vitest';
import { Turns } from '../../src/notify/turns.ts';

describe('Turns', () => {
	it('lets at most `size` holders run at once, the others in order', async () => {
		const turns = new Turns(2);
		const order: string[] = [];
		const first = await turns.take(60_000);
		const second = await turns.take(60_000);
		const third = turns.take(60_000).then((release) => {
			order.push('third');
			return release;
		});
		await new Promise((resolve) => setTimeout(resolve, 10));
		expect(order).toEqual([]);
		expect(turns.load).toEqual({ taken: 2, waiting: 1 });
		first();
		first(); // a second release gives nothing back twice
		(await third)();
		second();
		expect(order).toEqual(['third']);
		expect(turns.load).toEqual({ taken: 0, waiting: 0 });
	});

	it('gives a slow holder’s turn to the next waiter after slowMs, without waiting for it to finish', async () => {
		const turns = new Turns(1);
		const hanging = turns.run(() => new Promise<void>(() => {}), 50);
		const started = performance.now();
		await turns.run(async () => {}, 50);
		expect(performance.now() - started).toBeLessThan(1_000);
		void hanging;
		expect(turns.load).toEqual({ taken: 0, waiting: 0 });
	});
});
