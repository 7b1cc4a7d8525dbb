/**
 * Issue 6, item 7: a slow guild delays nobody. Discord's limits are per route (per channel): one channel answering
 * 429 with a long retry-after, or not answering at all, must not hold up another channel's post.
 */
import { describe, expect, it } from 'vitest';
import { type NotifierWorld, useNotifierWorld } from '../support/notifier-world.ts';

let world: NotifierWorld;
useNotifierWorld((started) => {
	world = started;
});

describe('one broken channel delays no other', () => {
	it('posts to a healthy channel within 1 s of the cycle while 8 others answer 429 (retry after 20 s) or hang', async () => {
		// A deadline well under the test's time-out; the real default is 10 s.
		await world.restart({ discordDeadlineMs: 2_000 });
		const broken: Array<{ userId: string; guildId: string; channelId: string }> = [];
		for (let i = 0; i < 8; i++) {
			const { userId, guildId, channelId } = await world.watch(`broken${i}`);
			if (channelId === null) throw new Error('no channel');
			const fault = i % 2 === 0 ? { status: 429, retryAfter: 20 } : { status: 0, hang: true };
			world.discord.failNext(`POST /channels/${channelId}/messages`, fault, 10);
			broken.push({ userId, guildId, channelId });
			world.twitchFake.goLive(userId);
		}
		const healthy = await world.watch('healthy');
		world.twitchFake.goLive(healthy.userId);

		world.clock.advance(60_000);
		const started = performance.now();
		const cycle = world.notifier.runCycle();
		const post = await world.discord.waitForMessage((message) => message.channelId === healthy.channelId, 5_000);
		const waitedMs = performance.now() - started;
		await cycle;

		expect(post.content).toContain('healthy is live');
		expect(waitedMs).toBeLessThan(1_000);
		for (const { userId, guildId, channelId } of broken) {
			expect(world.discord.channelMessages(channelId)).toEqual([]);
			// Each broken channel is backed off with a reason an admin can read.
			expect((await world.delivery(guildId, userId)).retryAt).not.toBeNull();
			expect((await world.delivery(guildId, userId)).lastError?.message).toMatch(/Rate limited|did not answer in time/);
		}
	});

	it('does not let more hanging channels than requests in flight hold up a healthy one', async () => {
		await world.restart({ discordDeadlineMs: 3_000 });
		for (let i = 0; i < 24; i++) {
			const { userId, channelId } = await world.watch(`hanging${i}`);
			world.discord.failNext(`POST /channels/${channelId}/messages`, { status: 0, hang: true }, 10);
			world.twitchFake.goLive(userId);
		}
		const healthy = await world.watch('patient');
		world.twitchFake.goLive(healthy.userId);

		world.clock.advance(60_000);
		const started = performance.now();
		const cycle = world.notifier.runCycle();
		await world.discord.waitForMessage((message) => message.channelId === healthy.channelId, 5_000);
		const waitedMs = performance.now() - started;
		await cycle;

		// 16 requests in flight at most, but a request unanswered after 0.5 s gives its turn back.
		expect(waitedMs).toBeLessThan(2_000);
	});

	it('backs a rate-limited channel off for as long as Discord asked instead of waiting inside the queue', async () => {
		const { userId, guildId, channelId } = await world.watch('limited');
		world.discord.failNext(`POST /channels/${channelId}/messages`, { status: 429, retryAfter: 90 });
		world.twitchFake.goLive(userId);
		const started = performance.now();
		await world.cycle();

		expect(performance.now() - started).toBeLessThan(5_000);
		expect((await world.delivery(guildId, userId)).lastError?.code).toBe(429);
		expect((await world.delivery(guildId, userId)).retryAt).toBeGreaterThanOrEqual(world.clock.now() + 89_000);
		await world.cycle(); // 60 s later: still waiting
		expect(world.discord.channelMessages(channelId ?? '')).toEqual([]);
		await world.cycle();
		expect(world.discord.channelMessages(channelId ?? '')).toHaveLength(1);
	});
});
