import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.ts';
import { type HelixPermit, HelixRateLimiter } from '../../src/twitch/rate-limit.ts';

/** A clock frozen at one instant: the bucket only changes when the test says what Twitch answered. */
const NOW = Date.parse('2025-06-01T18:00:00Z');
const frozenClock: Clock = {
	now: () => NOW,
	monotonic: () => 0,
	sleep: () => Promise.resolve(),
};

/** The limiter after an answer said: `remaining` of `limit` points, full again in a minute. */
function limiterWith(remaining: number, limit = 800, options = {}): HelixRateLimiter {
	const limiter = new HelixRateLimiter(frozenClock, options);
	limiter.observe({ limit, remaining, resetAt: NOW + 60_000 });
	return limiter;
}

/** Lets granted waiters run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('HelixRateLimiter priority lanes', () => {
	it('serves an interactive request before background ones queued earlier', async () => {
		const limiter = limiterWith(2, 5, { reservedPoints: 1 });
		const order: string[] = [];
		const permits: HelixPermit[] = [];
		const take = (name: string, priority: 'interactive' | 'background') =>
			limiter.acquire(priority).then((permit) => {
				order.push(name);
				permits.push(permit);
			});
		// One background request fits (2 points, 1 reserved); the next five queue.
		const background = Array.from({ length: 6 }, (_, i) => take(`poll ${i}`, 'background'));
		await settle();
		expect(order).toEqual(['poll 0']);

		const command = take('command', 'interactive');
		await command;
		expect(order).toEqual(['poll 0', 'command']);
		expect(limiter.queued).toBe(5);

		// Twitch says the bucket is full again: the polls go, in their own order.
		limiter.observe({ limit: 5, remaining: 5, resetAt: NOW + 60_000 });
		for (const permit of permits.splice(0)) permit.release();
		await settle();
		// Four of five points: one stays reserved for commands.
		expect(order.slice(2)).toEqual(['poll 1', 'poll 2', 'poll 3', 'poll 4']);
		limiter.observe({ limit: 5, remaining: 5, resetAt: NOW + 60_000 });
		for (const permit of permits.splice(0)) permit.release();
		await Promise.all(background);
		expect(order.slice(6)).toEqual(['poll 5']);
	});

	it('keeps the last points of the bucket for interactive requests', async () => {
		const limiter = limiterWith(16, 800, { reservedPoints: 16 });
		let backgroundStarted = false;
		void limiter.acquire('background').then(() => {
			backgroundStarted = true;
		});
		await settle();
		expect(backgroundStarted).toBe(false);
		// Sixteen commands at once all start without waiting.
		const commands = await Promise.all(Array.from({ length: 16 }, () => limiter.acquire('interactive')));
		expect(commands).toHaveLength(16);
		expect(backgroundStarted).toBe(false);
	});

	it('reserves 2% of the bucket by default, and never the whole of a tiny one', async () => {
		const big = limiterWith(16, 800);
		let started = false;
		void big.acquire('background').then(() => {
			started = true;
		});
		await settle();
		expect(started).toBe(false);
		big.observe({ limit: 800, remaining: 17, resetAt: NOW + 60_000 });
		await big.acquire('interactive').then((permit) => permit.release());
		await settle();
		expect(started).toBe(true);

		const tiny = limiterWith(1, 1);
		await expect(tiny.acquire('background')).resolves.toBeDefined();
	});

	it('holds background requests beyond their in-flight limit while commands still start', async () => {
		const limiter = limiterWith(800, 800, { maxBackgroundInFlight: 2 });
		const started: HelixPermit[] = [];
		for (let i = 0; i < 5; i++) void limiter.acquire('background').then((permit) => started.push(permit));
		await settle();
		expect(started).toHaveLength(2);
		await expect(limiter.acquire('interactive')).resolves.toBeDefined();

		started[0]?.release();
		started[0]?.release(); // a second release of the same permit frees nothing more
		await settle();
		expect(started).toHaveLength(3);
	});

	it('treats requests without a priority as interactive', async () => {
		const limiter = limiterWith(1, 5, { reservedPoints: 1 });
		await expect(limiter.acquire()).resolves.toBeDefined();
	});
});
