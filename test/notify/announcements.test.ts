import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnnouncementRepository } from '../../src/store/announcement-repository.ts';
import { Permission } from '../fakes/discord/index.ts';
import { crashBeforePosting, type NotifierWorld, startNotifierWorld, waitUntil } from '../support/notifier-world.ts';

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

/** What the store says of a stream's announcements, read fresh (as a new process would). */
function storedAnnouncements(streamId: string) {
	return new AnnouncementRepository(world.store).listForStream(streamId);
}

function streamIdOf(userId: string): string {
	const stream = world.twitchFake.getStream(userId);
	if (!stream) throw new Error('not live');
	return stream.id;
}

/** Cycles until the grace period has passed for a stream that stopped (missing at the first, ended at the 4th). */
async function cyclesPastGrace(): Promise<void> {
	for (let i = 0; i < 4; i++) await world.cycle();
}

describe('go-live announcements', () => {
	it('posts one announcement when a channel goes live, with embed, Watch button and role mention', async () => {
		const { userId, guildId, channelId } = await world.watch('sandy');
		const role = world.discord.addRole(guildId, { name: 'Live pings', mentionable: true });
		await world.repos.watches.update(guildId, userId, (watch) => ({ ...watch, roleId: role.id }));
		world.twitchFake.goLive(userId, { title: 'Speedrun **any%**', game_name: 'Celeste' });

		const report = await world.cycle();

		expect(report.events.live).toBe(1);
		const [post, ...others] = posts(channelId);
		expect(others).toEqual([]);
		expect(post?.content).toBe(`<@&${role.id}> sandy is live: Speedrun \\*\\*any%\\*\\*`);
		expect(post?.mentions).toEqual({ everyone: false, roles: [role.id], users: [] });
		expect(post?.embeds[0]).toMatchObject({
			url: 'https://www.twitch.tv/sandy',
			footer: { text: `Twitch · stream ${streamIdOf(userId)}` },
		});
		expect(JSON.stringify(post?.components)).toContain('https://www.twitch.tv/sandy');
		expect(post?.enforceNonce).toBe(true);
		const [announcement] = await storedAnnouncements(streamIdOf(userId));
		expect(announcement).toMatchObject({ phase: 'posted', messageId: post?.id, channelId });
		const delivery = await world.delivery(guildId, userId);
		expect(delivery.lastAnnouncedAt).toBe(world.clock.now());
		expect(delivery).toMatchObject({ lastError: null, lastSuccessAt: world.clock.now() });
	});

	it('flapping (live, missing for one cycle, live again) → one post', async () => {
		const { userId, channelId } = await world.watch('flappy');
		const stream = world.twitchFake.goLive(userId);
		await world.cycle();
		world.twitchFake.endStream(userId, { archive: false });
		await world.cycle();
		world.twitchFake.goLive(userId, { id: stream.id, started_at: stream.started_at });
		await world.cycle();
		await world.cycle();

		expect(posts(channelId)).toHaveLength(1);
		expect(posts(channelId)[0]?.edits).toEqual([]);
		expect(world.notifier.streamStateOf(userId)).toMatchObject({ status: 'live', missingSince: null });
	});

	it('restart mid-stream → no second post', async () => {
		const { userId, channelId } = await world.watch('steady');
		world.twitchFake.goLive(userId);
		await world.cycle();
		expect(posts(channelId)).toHaveLength(1);

		await world.restart();
		await world.cycle();
		await world.cycle();

		expect(posts(channelId)).toHaveLength(1);
		expect(world.discord.restLog.filter((entry) => entry.method === 'POST')).toHaveLength(1);
	});

	it('crash between intent and post → exactly one post after restart', async () => {
		const { userId, channelId } = await world.watch('crashy');
		world.twitchFake.goLive(userId);
		// The first process records its intent, then dies while the create request is in flight.
		await crashBeforePosting(world);
		expect(posts(channelId)).toHaveLength(0);

		await world.restart();
		await world.notifier.whenIdle();
		await world.cycle();

		expect(posts(channelId)).toHaveLength(1);
		expect(await new AnnouncementRepository(world.store).listUnfinished()).toEqual([]);
		const [announcement] = await storedAnnouncements(streamIdOf(userId));
		expect(announcement).toMatchObject({ phase: 'posted', messageId: posts(channelId)[0]?.id });
	});

	it('crash after the post, before its message id was recorded → the nonce returns the same message', async () => {
		const { userId, channelId } = await world.watch('nonce');
		world.twitchFake.goLive(userId);
		await world.cycle();
		const [posted] = await storedAnnouncements(streamIdOf(userId));
		// As if the process died right after Discord created the message.
		await world.repos.announcements.put({ ...posted!, phase: 'intent', messageId: null, postedAt: null });

		await world.restart();
		await world.cycle(); // an unfinished intent is taken up once a poll confirms the stream is still live

		expect(posts(channelId)).toHaveLength(1);
		const [recovered] = await storedAnnouncements(streamIdOf(userId));
		expect(recovered).toMatchObject({ phase: 'posted', messageId: posted?.messageId });
	});

	it('crash after the post, restarted beyond the nonce window → adopts its earlier post instead of posting again', async () => {
		const { userId, channelId } = await world.watch('adopt');
		world.twitchFake.goLive(userId);
		await world.cycle();
		const [posted] = await storedAnnouncements(streamIdOf(userId));
		await world.repos.announcements.put({ ...posted!, phase: 'intent', messageId: null, postedAt: null });
		world.clock.advance(10 * 60_000); // the fake forgets nonces after 2 minutes, as Discord does after a few

		await world.restart();
		await world.cycle(); // an unfinished intent is taken up once a poll confirms the stream is still live

		expect(posts(channelId)).toHaveLength(1);
		expect(world.discord.restLog.filter((entry) => entry.method === 'POST')).toHaveLength(1);
		const [recovered] = await storedAnnouncements(streamIdOf(userId));
		expect(recovered).toMatchObject({ phase: 'posted', messageId: posted?.messageId });
	});

	it('30 go live at once → 30 posts, none missed', async () => {
		const watched = [];
		for (let i = 0; i < 30; i++) watched.push(await world.watch(`rush${i}`));
		for (const { userId } of watched) world.twitchFake.goLive(userId);

		await world.cycle();

		for (const { channelId } of watched) expect(posts(channelId)).toHaveLength(1);
		expect(world.discord.messages).toHaveLength(30);
		await world.cycle();
		expect(world.discord.messages).toHaveLength(30);
	});

	it('@everyone in a title → no mass mention, and no role mention injected by the title', async () => {
		const { userId, guildId, channelId } = await world.watch('pinger');
		const liveRole = world.discord.addRole(guildId, { name: 'Live', mentionable: true });
		const staffRole = world.discord.addRole(guildId, { name: 'Staff', mentionable: true });
		await world.repos.watches.update(guildId, userId, (watch) => ({
			...watch,
			roleId: liveRole.id,
			template: '{role} @everyone {streamer}: {title}',
		}));
		world.twitchFake.goLive(userId, { title: `@everyone @here free stuff <@&${staffRole.id}>` });

		await world.cycle();

		const [post] = posts(channelId);
		expect(post?.mentions).toEqual({ everyone: false, roles: [liveRole.id], users: [] });
		expect(post?.allowedMentions).toEqual({ parse: [], roles: [liveRole.id] });
	});

	it('rename → still watched, and the post links the new login', async () => {
		const { userId, guildId, channelId } = await world.watch('oldname');
		world.twitchFake.goLive(userId);
		await world.cycle();
		world.twitchFake.renameUser(userId, 'NewName');

		await world.cycle();

		expect(await world.repos.watches.get(guildId, userId)).toMatchObject({ login: 'newname', displayName: 'NewName' });
		expect(world.repos.watches.watchedUserIds()).toContain(userId);
		world.twitchFake.endStream(userId);
		await cyclesPastGrace();
		world.twitchFake.goLive(userId);
		await world.cycle();
		expect(posts(channelId)).toHaveLength(2);
		expect(posts(channelId)[1]?.embeds[0]).toMatchObject({ url: 'https://www.twitch.tv/newname' });
	});

	it('end → edited to "was live" with the duration and the VOD link, only after the grace period', async () => {
		const { userId, channelId } = await world.watch('vodder');
		world.twitchFake.goLive(userId, { title: 'long stream' });
		await world.cycle();
		world.clock.advance(2 * 60 * 60_000);
		world.twitchFake.endStream(userId);

		await world.cycle();
		await world.cycle();
		expect(posts(channelId)[0]?.edits).toEqual([]);
		await world.cycle();
		await world.cycle();

		const [post] = posts(channelId);
		expect(post?.edits).toHaveLength(1);
		expect(post?.content).toMatch(/^vodder was live for 2 h 0\d min\.$/);
		expect(JSON.stringify(post?.components)).toMatch(/https:\/\/www\.twitch\.tv\/videos\/\d+/);
		expect(post?.embeds[0]).toMatchObject({ title: 'long stream' });
		expect(world.discord.messages).toHaveLength(1);
	});

	it('an end edit that Discord failed (500) is tried again on a later cycle until the post says "was live"', async () => {
		const { userId, channelId } = await world.watch('flaky');
		world.twitchFake.goLive(userId, { title: 'flaky stream' });
		await world.cycle();
		const messageId = posts(channelId)[0]?.id ?? '';
		world.twitchFake.endStream(userId);
		// Every attempt of the first end (the REST client's own retry included) meets a server error.
		world.discord.failNext(`PATCH /channels/${channelId}/messages/${messageId}`, { status: 500 }, 2);

		await cyclesPastGrace();
		expect(posts(channelId)[0]?.edits).toEqual([]);
		expect((await world.repos.announcements.listUnfinished()).map((a) => a.channelId)).toEqual([channelId]);

		await world.cycle();
		await world.cycle();
		expect(posts(channelId)[0]?.content).toMatch(/^flaky was live for/);
		expect(await world.repos.announcements.listUnfinished()).toEqual([]);
		expect(world.discord.messages).toHaveLength(1);
	});

	it('a restart finishes an end action that had failed before the bot stopped', async () => {
		const { userId, channelId } = await world.watch('restarter');
		world.twitchFake.goLive(userId, { title: 'before the crash' });
		await world.cycle();
		const messageId = posts(channelId)[0]?.id ?? '';
		world.twitchFake.endStream(userId);
		world.discord.failNext(`PATCH /channels/${channelId}/messages/${messageId}`, { status: 502 }, 2);
		await cyclesPastGrace();
		expect(posts(channelId)[0]?.edits).toEqual([]);

		await world.restart();
		await world.cycle();
		expect(posts(channelId)[0]?.content).toMatch(/^restarter was live for/);
		expect(posts(channelId)[0]?.embeds[0]).toMatchObject({ title: 'before the crash' });
	});

	it('end with the delete action removes the post; with keep leaves it as it is', async () => {
		const deleting = await world.watch('deleter');
		const keeping = await world.watch('keeper');
		await world.repos.guildSettings.update(deleting.guildId, { endAction: 'delete' });
		await world.repos.guildSettings.update(keeping.guildId, { endAction: 'keep' });
		world.twitchFake.goLive(deleting.userId);
		world.twitchFake.goLive(keeping.userId);
		await world.cycle();
		world.twitchFake.endStream(deleting.userId);
		world.twitchFake.endStream(keeping.userId);

		await cyclesPastGrace();

		expect(posts(deleting.channelId)).toEqual([]);
		expect(world.discord.messages.find((m) => m.channelId === deleting.channelId)?.deleted).toBe(true);
		expect(posts(keeping.channelId)).toHaveLength(1);
		expect(posts(keeping.channelId)[0]?.edits).toEqual([]);
	});

	it('a new stream after the end is announced anew', async () => {
		const { userId, channelId } = await world.watch('again');
		world.twitchFake.goLive(userId);
		await world.cycle();
		world.twitchFake.endStream(userId);
		await cyclesPastGrace();
		world.twitchFake.goLive(userId);
		await world.cycle();
		expect(posts(channelId)).toHaveLength(2);
	});

	it('edits the post when the title or category changes, at most once per minute', async () => {
		const { userId, channelId } = await world.watch('retitle');
		world.twitchFake.goLive(userId, { title: 'first' });
		await world.cycle();
		world.twitchFake.updateStream(userId, { title: 'second' });
		// The first change comes a full minute after the post: edited at once.
		await world.cycle();
		expect(posts(channelId)[0]?.embeds[0]).toMatchObject({ title: 'second' });

		world.twitchFake.updateStream(userId, { title: 'third' });
		world.clock.advance(30_000);
		await world.notifier.runCycle(); // 30 s after the last edit: throttled
		expect(posts(channelId)[0]?.edits).toHaveLength(1);
		await world.cycle(); // the throttle has passed: the pending change is applied
		expect(posts(channelId)[0]?.edits).toHaveLength(2);
		expect(posts(channelId)[0]?.embeds[0]).toMatchObject({ title: 'third' });
		expect(posts(channelId)).toHaveLength(1);
	});

	it('does not edit the post on a title change when the guild turned updates off', async () => {
		const { userId, guildId, channelId } = await world.watch('noupdate');
		await world.repos.guildSettings.update(guildId, { updateOnChange: false });
		world.twitchFake.goLive(userId, { title: 'first' });
		await world.cycle();
		world.twitchFake.updateStream(userId, { title: 'second' });
		await world.cycle();
		await world.cycle();
		expect(posts(channelId)[0]?.edits).toEqual([]);
	});

	it('game filter: announces only streams in the listed categories, also once a stream switches to one', async () => {
		const { userId, guildId, channelId } = await world.watch('gamer');
		await world.repos.guildSettings.update(guildId, { gameFilter: ['celeste'] });
		world.twitchFake.goLive(userId, { game_id: '27471', game_name: 'Minecraft' });
		await world.cycle();
		await world.cycle();
		expect(posts(channelId)).toEqual([]);

		world.twitchFake.updateStream(userId, { game_id: '504461', game_name: 'Celeste' });
		await world.cycle();
		expect(posts(channelId)).toHaveLength(1);
	});

	it('keyword filter: announces only titles containing one of the words', async () => {
		const chill = await world.watch('chill');
		const racer = await world.watch('racer');
		await world.repos.guildSettings.update(chill.guildId, { keywordFilter: ['speedrun'] });
		await world.repos.guildSettings.update(racer.guildId, { keywordFilter: ['speedrun'] });
		world.twitchFake.goLive(chill.userId, { title: 'cozy evening' });
		world.twitchFake.goLive(racer.userId, { title: 'SPEEDRUN practice' });

		await world.cycle();

		expect(posts(chill.channelId)).toEqual([]);
		expect(posts(racer.channelId)).toHaveLength(1);
	});

	it('announces in a guild that starts watching a streamer who is already live and announced elsewhere', async () => {
		const first = await world.watch('popular');
		world.twitchFake.goLive(first.userId);
		await world.cycle();
		const late = world.guildWithChannel();
		await world.watch('popular', { guildId: late.guildId, channelId: late.channelId });

		await world.cycle();

		expect(posts(first.channelId)).toHaveLength(1);
		expect(posts(late.channelId)).toHaveLength(1);
	});

	it('posts in the guild default channel when the watch has none', async () => {
		const { guildId, channelId } = world.guildWithChannel();
		const { userId } = await world.watch('defaulted', { guildId, channelId: null });
		await world.repos.guildSettings.update(guildId, { defaultChannelId: channelId });
		world.twitchFake.goLive(userId);
		await world.cycle();
		expect(posts(channelId)).toHaveLength(1);
	});

	it('does not need Read Message History or Mention Everyone to post', async () => {
		const { userId, guildId, channelId } = await world.watch('minimal');
		world.discord.updateRole(guildId, guildId, {
			permissions: Permission.ViewChannel | Permission.SendMessages | Permission.EmbedLinks,
		});
		world.twitchFake.goLive(userId);
		await world.cycle();
		expect(posts(channelId)).toHaveLength(1);
	});

	it('the running notifier polls every interval, posts a go-live and stops cleanly', async () => {
		const { userId, channelId } = await world.watch('looped');
		await world.notifier.start();
		await waitUntil(() => world.clock.sleepers === 1); // first cycle done, waiting for the next
		world.twitchFake.goLive(userId);

		world.clock.advance(60_000);
		await world.discord.waitForMessage((message) => message.channelId === channelId, 3_000);
		await world.notifier.stop();

		expect(posts(channelId)).toHaveLength(1);
		expect(world.clock.sleepers).toBe(0);
	});
});
