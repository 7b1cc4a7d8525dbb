import { describe, expect, it } from 'vitest';
import { type NotifierWorld, postsIn, useNotifierWorld } from '../support/notifier-world.ts';

let world: NotifierWorld;
useNotifierWorld((started) => {
	world = started;
});

const posts = (channelId: string | null) => postsIn(world, channelId);

describe('malformed Get Streams answers', () => {
	it('announces every other live channel when one stream of the answer has started_at null, every cycle', async () => {
		const watched = [];
		for (let i = 0; i < 20; i++) watched.push(await world.watch(`caster${i}`));
		for (const { userId } of watched) world.twitchFake.goLive(userId);
		const broken = watched[7];
		if (!broken) throw new Error('no broken channel');
		world.twitchFake.injectFault(
			'/helix/streams',
			{ kind: 'malformedItem', where: { user_id: broken.userId }, fields: { started_at: null } },
			2,
		);

		await world.cycle();

		for (const { channelId } of watched) {
			expect(posts(channelId)).toHaveLength(channelId === broken.channelId ? 0 : 1);
		}
		await world.cycle();
		expect(world.discord.messages).toHaveLength(19);
		expect(world.twitch.metrics.malformedItems).toBe(2);

		// Twitch sends the stream whole again: it is announced then, once.
		await world.cycle();
		await world.cycle();
		expect(posts(broken.channelId)).toHaveLength(1);
		expect(world.discord.messages).toHaveLength(20);
	});

	it('does not announce a stream whose type is "" (Twitch’s error value), and announces it once it is "live"', async () => {
		const erring = await world.watch('erring');
		const fine = await world.watch('fine');
		world.twitchFake.goLive(erring.userId);
		world.twitchFake.updateStream(erring.userId, { type: '' });
		world.twitchFake.goLive(fine.userId);

		await world.cycle();
		await world.cycle();

		expect(posts(erring.channelId)).toHaveLength(0);
		expect(posts(fine.channelId)).toHaveLength(1);

		world.twitchFake.updateStream(erring.userId, { type: 'live' });
		await world.cycle();
		expect(posts(erring.channelId)).toHaveLength(1);
	});
});
