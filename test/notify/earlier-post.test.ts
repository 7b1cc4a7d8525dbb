/**
 * Issue 6, item 2: when a create's outcome was not recorded and Discord's nonce window has passed, the announcer
 * searches the channel for its own earlier post. The search must see past a busy channel's latest 50 messages,
 * and a search it cannot trust (no Read Message History: Discord then lists nothing) must never lead to a second
 * post and a second ping.
 */
import { Routes } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { snowflakeAt } from '../../src/notify/channel-permissions.ts';
import { AnnouncementRepository } from '../../src/store/announcement-repository.ts';
import { Permission } from '../fakes/discord/index.ts';
import { type NotifierWorld, useNotifierWorld } from '../support/notifier-world.ts';

let world: NotifierWorld;
useNotifierWorld((started) => {
	world = started;
});

function creates(channelId: string) {
	return world.discord.restLog.filter(
		(entry) => entry.method === 'POST' && entry.path === `/channels/${channelId}/messages`,
	);
}

/** Posts and then forgets that it did, as a process that died right after Discord created the message. */
async function postAndForget(login: string) {
	const { userId, guildId, channelId } = await world.watch(login);
	if (channelId === null) throw new Error('no channel');
	const stream = world.twitchFake.goLive(userId);
	await world.cycle();
	const [posted] = await new AnnouncementRepository(world.store).listForStream(stream.id);
	if (!posted) throw new Error('not posted');
	await world.repos.announcements.put({ ...posted, phase: 'intent', messageId: null, postedAt: null });
	return { userId, guildId, channelId, stream, messageId: posted.messageId };
}

describe('finding the post a previous run made', () => {
	it('does not post again without Read Message History, records why, and adopts the post once it may read', async () => {
		const { userId, guildId, channelId, stream, messageId } = await postAndForget('nohistory');
		const botDeny = { id: world.discord.botUserId, type: 1 as const, allow: '0' };
		world.discord.setChannelOverwrites(channelId, [{ ...botDeny, deny: String(Permission.ReadMessageHistory) }]);
		world.clock.advance(10 * 60_000); // past the nonce window

		await world.restart();
		await world.cycle();

		expect(world.discord.channelMessages(channelId)).toHaveLength(1);
		expect(creates(channelId)).toHaveLength(1);
		expect((await world.delivery(guildId, userId)).lastError?.message).toContain('Read Message History');
		expect((await world.delivery(guildId, userId)).retryAt).not.toBeNull();

		world.discord.setChannelOverwrites(channelId, []);
		await world.cycle();
		await world.cycle();

		expect(world.discord.channelMessages(channelId)).toHaveLength(1);
		expect(creates(channelId)).toHaveLength(1);
		const [recovered] = await new AnnouncementRepository(world.store).listForStream(stream.id);
		expect(recovered).toMatchObject({ phase: 'posted', messageId });
	});

	it('finds its earlier post in a busy channel: it reads the messages after the intent, not the latest 50', async () => {
		const { channelId, stream, messageId } = await postAndForget('busy');
		for (let i = 0; i < 60; i++) {
			await world.rest.post(Routes.channelMessages(channelId), { body: { content: `chatter ${i}` } });
		}
		world.clock.advance(10 * 60_000);

		await world.restart();
		await world.cycle();

		expect(creates(channelId)).toHaveLength(61); // the announcement and the chatter; no second announcement
		const [recovered] = await new AnnouncementRepository(world.store).listForStream(stream.id);
		expect(recovered).toMatchObject({ phase: 'posted', messageId });
		const searches = world.discord.restLog.filter(
			(entry) => entry.method === 'GET' && entry.path === `/channels/${channelId}/messages`,
		);
		expect(searches.length).toBeGreaterThan(0);
		expect(searches.every((entry) => new URLSearchParams(entry.query).has('after'))).toBe(true);
	});

	it('makes the smallest snowflake of a moment', () => {
		// Discord's own example: 175928847299117063 was made at 2016-04-30T11:18:25.796Z.
		const at = Date.parse('2016-04-30T11:18:25.796Z');
		expect(BigInt(snowflakeAt(at)) >> 22n).toBe(BigInt(175928847299117063n) >> 22n);
		expect(BigInt(snowflakeAt(at)) <= 175928847299117063n).toBe(true);
	});
});
