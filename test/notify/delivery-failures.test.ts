import { REST, Routes } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnnouncementRepository } from '../../src/store/announcement-repository.ts';
import { Permission } from '../fakes/discord/index.ts';
import { type NotifierWorld, startNotifierWorld } from '../support/notifier-world.ts';

let world: NotifierWorld;

beforeEach(async () => {
	world = await startNotifierWorld();
});

afterEach(async () => {
	await world.close();
});

function posts(channelId: string | null) {
	if (channelId === null) throw new Error('the watch has no channel');
	return world.discord.channelMessages(channelId);
}

function createsIn(channelId: string | null): number {
	return world.discord.restLog.filter(
		(entry) => entry.method === 'POST' && entry.path === `/channels/${channelId}/messages`,
	).length;
}

function storedAnnouncements(streamId: string) {
	return new AnnouncementRepository(world.store).listForStream(streamId);
}

describe('delivery failures', () => {
	it('a guild whose channel was deleted → recorded on the watch, others still posted', async () => {
		const broken = await world.watch('shared');
		const healthy = await world.watch('shared');
		world.discord.deleteChannel(broken.channelId!);
		const stream = world.twitchFake.goLive(broken.userId);

		await world.cycle();

		expect(posts(healthy.channelId)).toHaveLength(1);
		expect(await world.delivery(broken.guildId, broken.userId)).toMatchObject({
			lastError: { code: 10003, message: expect.stringContaining('Unknown Channel') },
			consecutiveFailures: 1,
			retryAt: world.clock.now() + 60_000,
		});
		// The go-live is kept: the announcement waits as an intent.
		expect(await storedAnnouncements(stream.id)).toContainEqual(
			expect.objectContaining({ channelId: broken.channelId, phase: 'intent' }),
		);
		// Nothing is deleted automatically.
		expect(world.repos.watches.watchesForUser(broken.userId)).toHaveLength(2);
	});

	it('posts the kept go-live once the admin points the watch at a working channel', async () => {
		const { userId, guildId, channelId } = await world.watch('moved');
		world.discord.deleteChannel(channelId!);
		const stream = world.twitchFake.goLive(userId);
		await world.cycle();
		const replacement = world.discord.addChannel(guildId, { name: 'new-live' });
		await world.repos.watches.update(guildId, userId, (watch) => ({ ...watch, channelId: replacement.id }));

		await world.cycle(); // one minute later: the backoff has passed

		expect(posts(replacement.id)).toHaveLength(1);
		expect(await storedAnnouncements(stream.id)).toEqual([
			expect.objectContaining({ channelId, phase: 'abandoned' }),
			expect.objectContaining({ channelId: replacement.id, phase: 'posted' }),
		]);
		expect(await world.delivery(guildId, userId)).toMatchObject({
			lastError: null,
			consecutiveFailures: 0,
			retryAt: null,
		});
	});

	it('429 from Discord → retried, and posted once', async () => {
		const { userId, channelId } = await world.watch('limited');
		world.discord.failNext(`POST /channels/${channelId}/messages`, { status: 429, retryAfter: 0.05 });
		world.twitchFake.goLive(userId);

		await world.cycle();

		expect(posts(channelId)).toHaveLength(1);
		const statuses = world.discord.restLog
			.filter((entry) => entry.path === `/channels/${channelId}/messages`)
			.map((entry) => entry.status);
		expect(statuses).toEqual([429, 200]);
	});

	it('missing permissions (50013) → recorded, not retried during the backoff, posted once it is fixed', async () => {
		const { userId, guildId, channelId } = await world.watch('locked');
		const deny = [{ id: world.discord.botUserId, type: 1 as const, allow: '0', deny: String(Permission.SendMessages) }];
		world.discord.setChannelOverwrites(channelId!, deny);
		world.twitchFake.goLive(userId);

		await world.cycle();
		expect(await world.delivery(guildId, userId)).toMatchObject({
			lastError: { code: 50013, message: expect.stringContaining('Send Messages') },
			consecutiveFailures: 1,
		});
		await world.cycle(); // retryAt reached: second attempt, fails again → 2 minutes
		expect(createsIn(channelId)).toBe(2);
		await world.cycle(); // within the 2-minute backoff: no request at all
		expect(createsIn(channelId)).toBe(2);
		expect((await world.delivery(guildId, userId)).consecutiveFailures).toBe(2);

		world.discord.setChannelOverwrites(channelId!, []);
		await world.cycle();
		expect(posts(channelId)).toHaveLength(1);
		expect(await world.delivery(guildId, userId)).toMatchObject({
			lastError: null,
			consecutiveFailures: 0,
		});
	});

	it('missing access (50001) in one guild does not hold up the others', async () => {
		const hidden = await world.watch('busy');
		const others = [await world.watch('busy'), await world.watch('busy')];
		const deny = [{ id: world.discord.botUserId, type: 1 as const, allow: '0', deny: String(Permission.ViewChannel) }];
		world.discord.setChannelOverwrites(hidden.channelId!, deny);
		world.twitchFake.goLive(hidden.userId);

		await world.cycle();

		for (const other of others) expect(posts(other.channelId)).toHaveLength(1);
		expect((await world.delivery(hidden.guildId, hidden.userId)).lastError?.code).toBe(50001);
	});

	it('no channel to post in → recorded on the watch', async () => {
		const { guildId } = world.guildWithChannel();
		const { userId } = await world.watch('homeless', { guildId, channelId: null });
		world.twitchFake.goLive(userId);

		await world.cycle();

		expect((await world.delivery(guildId, userId)).lastError).toMatchObject({
			code: null,
			message: expect.stringContaining('/watch settings'),
		});
		expect(world.discord.messages).toEqual([]);
	});

	it('Discord unreachable → recorded as a network problem and posted on a later cycle', async () => {
		const { userId, guildId, channelId } = await world.watch('offline');
		const unreachable = new REST({ api: 'http://127.0.0.1:9/api', retries: 0, timeout: 1_000 }).setToken('x.y.z');
		await world.restart({ rest: unreachable });
		world.twitchFake.goLive(userId);
		await world.cycle();
		expect((await world.delivery(guildId, userId)).lastError).toMatchObject({ code: null });
		unreachable.clearHashSweeper();
		unreachable.clearHandlerSweeper();

		await world.restart();
		await world.cycle();

		expect(posts(channelId)).toHaveLength(1);
	});

	it('a stream that ends while its target is in backoff is not announced late', async () => {
		const { userId, channelId } = await world.watch('brief');
		world.discord.failNext(`POST /channels/${channelId}/messages`, { status: 403, code: 50013 }, 100);
		const stream = world.twitchFake.goLive(userId);
		await world.cycle();
		world.twitchFake.endStream(userId);
		for (let i = 0; i < 6; i++) await world.cycle();
		const attempts = createsIn(channelId);
		for (let i = 0; i < 6; i++) await world.cycle();

		expect(posts(channelId)).toEqual([]);
		expect(createsIn(channelId)).toBe(attempts);
		expect(await storedAnnouncements(stream.id)).toEqual([expect.objectContaining({ phase: 'abandoned' })]);
		expect(await new AnnouncementRepository(world.store).listUnfinished()).toEqual([]);
	});

	it('a post deleted by a moderator is not posted again when the title changes', async () => {
		const { userId, guildId, channelId } = await world.watch('moderated');
		world.twitchFake.goLive(userId, { title: 'one' });
		await world.cycle();
		const [post] = posts(channelId);
		await world.rest.delete(Routes.channelMessage(channelId!, post!.id));
		world.twitchFake.updateStream(userId, { title: 'two' });

		await world.cycle();
		await world.cycle();

		expect(posts(channelId)).toEqual([]);
		expect(createsIn(channelId)).toBe(1);
		expect((await world.delivery(guildId, userId)).lastError?.code).toBe(10008);
	});
});
