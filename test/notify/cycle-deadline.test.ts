/**
 * Issue 6, item 10 (the poller's part): a cycle has a deadline. A Get Streams answer that trickles in (or never
 * comes) fails its batch at the deadline — its users keep their state — instead of holding polling up.
 */
import { describe, expect, it } from 'vitest';
import { type NotifierWorld, POLL_SECONDS, useNotifierWorld, waitUntil } from '../support/notifier-world.ts';

let world: NotifierWorld;
useNotifierWorld((started) => {
	world = started;
});

describe('the cycle deadline', () => {
	it('ends a cycle whose Get Streams answer trickles in at the deadline, and the next cycle catches up', async () => {
		const { userId, channelId } = await world.watch('slowpoke');
		world.twitchFake.goLive(userId);
		await world.notifier.prepare();
		world.twitchFake.injectFault('/helix/streams', { kind: 'trickle', ms: 6_000 });

		const started = performance.now();
		const cycle = world.notifier.runCycle();
		await waitUntil(() => world.clock.sleepers > 0); // the deadline's timer is set
		world.clock.advance(POLL_SECONDS * 1000);
		const report = await cycle;

		expect(performance.now() - started).toBeLessThan(3_000);
		expect(report.failedBatches).toBe(1);
		expect(world.discord.channelMessages(channelId ?? '')).toEqual([]);
		await world.cycle(); // (it joins the same lookup, still in flight, which then completes)
		expect(world.discord.channelMessages(channelId ?? '')).toHaveLength(1);
	});
});
