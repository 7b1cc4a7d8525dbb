/**
 * Issue 6, item 12: a deleted channel or a server that removed the bot is not posted to (nor its streamer polled)
 * forever: its watch is paused on Unknown Channel / Missing Access, kept, and resumed by a fix.
 */
import { describe, expect, it } from 'vitest';
import { type NotifierWorld, useNotifierWorld } from '../support/notifier-world.ts';

let world: NotifierWorld;
useNotifierWorld((started) => {
	world = started;
});

function requestsTo(channelId: string) {
	return world.discord.restLog.filter((entry) => entry.path.startsWith(`/channels/${channelId}`));
}

describe('paused watches', () => {
	it('pauses a watch whose channel was deleted, sends it nothing more, and stops polling its streamer', async () => {
		const { userId, guildId, channelId } = await world.watch('orphan');
		if (channelId === null) throw new Error('no channel');
		world.discord.deleteChannel(channelId);
		const first = world.twitchFake.goLive(userId);
		await world.cycle();

		const watch = await world.repos.watches.get(guildId, userId);
		expect(watch?.paused).toMatchObject({ reason: 'channel-deleted', channelId });
		expect((await world.delivery(guildId, userId)).lastError?.code).toBe(10003);
		expect(requestsTo(channelId)).toHaveLength(1);

		world.twitchFake.endStream(userId, { archive: false });
		world.twitchFake.goLive(userId, { id: String(BigInt(first.id) + 1n) });
		for (let i = 0; i < 6; i++) {
			const report = await world.cycle();
			expect(report.watchedUsers).toBe(0);
			expect(report.batches).toBe(0);
		}
		expect(requestsTo(channelId)).toHaveLength(1);
		expect(world.repos.watches.watchedUserIds()).not.toContain(userId);
	});

	it('pauses on Missing Access (the bot was removed while down) and keeps announcing to the other servers', async () => {
		const kicked = await world.watch('shared');
		const other = await world.watch('shared');
		world.discord.removeGuild(kicked.guildId);
		world.twitchFake.goLive(kicked.userId);
		await world.cycle();
		await world.cycle();

		expect((await world.repos.watches.get(kicked.guildId, kicked.userId))?.paused).toMatchObject({
			reason: 'no-access',
		});
		expect(requestsTo(kicked.channelId ?? '').filter((entry) => entry.method === 'POST')).toHaveLength(1);
		expect(world.discord.channelMessages(other.channelId ?? '')).toHaveLength(1);
		expect(world.repos.watches.watchedUserIds()).toContain(kicked.userId);
	});

	it('resumes the watches of a server the bot comes back to, and announces there again', async () => {
		const { userId, guildId, channelId } = await world.watch('returning');
		const paused = await world.repos.watches.setGuildPause(guildId, {
			reason: 'left-guild',
			channelId: null,
			at: world.clock.now(),
		});
		expect(paused).toBe(1);
		world.twitchFake.goLive(userId);
		expect((await world.cycle()).watchedUsers).toBe(0);

		expect(await world.repos.watches.setGuildPause(guildId, null, ['left-guild'])).toBe(1);
		await world.cycle();

		expect(world.discord.channelMessages(channelId ?? '')).toHaveLength(1);
	});
});
