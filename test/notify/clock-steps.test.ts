/**
 * Issue 6, item 9: durations follow the monotonic clock. The wall clock (NTP, an operator, a VM resumed) may step;
 * grace periods, backoff, the edit throttle and the nonce window must not stretch or vanish with it.
 */
import { describe, expect, it } from 'vitest';
import { AnnouncementRepository } from '../../src/store/announcement-repository.ts';
import { type NotifierWorld, postsIn, useNotifierWorld } from '../support/notifier-world.ts';

const HOUR = 60 * 60_000;
let world: NotifierWorld;
useNotifierWorld((started) => {
	world = started;
});

const posts = (channelId: string | null) => postsIn(world, channelId);

describe('a wall clock that steps', () => {
	it('ends a stream after the grace period even when the wall clock is stepped back an hour meanwhile', async () => {
		const { userId, channelId } = await world.watch('stepback');
		world.twitchFake.goLive(userId);
		await world.cycle();
		world.twitchFake.endStream(userId, { archive: false });
		await world.cycle(); // first missed

		world.clock.stepWall(-HOUR);
		for (let i = 0; i < 4; i++) await world.cycle(); // 4 minutes on the monotonic clock: past the 3-minute grace

		expect(world.notifier.streamStateOf(userId)).toMatchObject({ status: 'offline' });
		expect(posts(channelId)[0]?.content).toContain('was live');
	});

	it('does not end a stream early when the wall clock is stepped forward an hour', async () => {
		const { userId, channelId } = await world.watch('stepforward');
		world.twitchFake.goLive(userId);
		await world.cycle();
		world.twitchFake.endStream(userId, { archive: false });
		await world.cycle(); // first missed
		world.clock.stepWall(HOUR);
		await world.cycle();

		expect(world.notifier.streamStateOf(userId)).toMatchObject({ status: 'live' });
		expect(posts(channelId)[0]?.content).toContain('is live');
	});

	it('tries a target again after its backoff even when the wall clock is stepped back an hour', async () => {
		const { userId, channelId } = await world.watch('backoff');
		world.discord.failNext(`POST /channels/${channelId}/messages`, { status: 403, code: 50013 });
		world.twitchFake.goLive(userId);
		await world.cycle(); // refused: one minute of backoff
		expect(posts(channelId)).toEqual([]);

		world.clock.stepWall(-HOUR);
		await world.cycle();
		await world.cycle();

		expect(posts(channelId)).toHaveLength(1);
	});

	it('keeps the edit throttle when the wall clock is stepped forward', async () => {
		const { userId, channelId } = await world.watch('throttle');
		world.twitchFake.goLive(userId, { title: 'One' });
		await world.cycle();
		world.clock.stepWall(HOUR);
		world.twitchFake.updateStream(userId, { title: 'Two' });
		world.clock.advance(1_000);
		await world.notifier.runCycle(); // one second later on the monotonic clock: within the 60 s throttle

		expect(posts(channelId)[0]?.edits).toEqual([]);
		await world.cycle();
		expect(posts(channelId)[0]?.edits).toHaveLength(1);
	});

	it('searches for its earlier post instead of trusting the nonce when the wall clock stepped back past the window', async () => {
		const { userId, channelId } = await world.watch('nonceage');
		world.twitchFake.goLive(userId);
		await world.cycle();
		const streamId = world.twitchFake.getStream(userId)?.id ?? '';
		const [posted] = await new AnnouncementRepository(world.store).listForStream(streamId);
		// As if the process died right after Discord created the message, and came back after the nonce window.
		await world.repos.announcements.put({ ...posted!, phase: 'intent', messageId: null, postedAt: null });
		world.clock.advance(10 * 60_000);
		world.clock.stepWall(-HOUR);

		await world.restart();
		await world.cycle();

		expect(posts(channelId)).toHaveLength(1);
		expect(world.discord.restLog.filter((entry) => entry.method === 'POST')).toHaveLength(1);
	});
});
