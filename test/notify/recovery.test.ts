/**
 * Issue 6, items 4 and 5: what a restart resumes (only what Twitch confirms), a pending end that a new stream must
 * not cancel, and a stream that Get Streams left out past the grace period coming back.
 */
import type { REST } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { AnnouncementRepository } from '../../src/store/announcement-repository.ts';
import {
	crashBeforePosting,
	cyclesPastGrace,
	type NotifierWorld,
	postsIn,
	useNotifierWorld,
} from '../support/notifier-world.ts';

let world: NotifierWorld;
useNotifierWorld((started) => {
	world = started;
});

const posts = (channelId: string | null) => postsIn(world, channelId);

function storedAnnouncements(streamId: string) {
	return new AnnouncementRepository(world.store).listForStream(streamId);
}

/** The REST client, except that every edit fails as if the network dropped it. */
function restWithFailingEdits(): REST {
	return new Proxy(world.rest, {
		get(target, property) {
			if (property === 'patch') return () => Promise.reject(new Error('socket hang up'));
			const value = Reflect.get(target, property, target);
			return typeof value === 'function' ? value.bind(target) : value;
		},
	});
}

describe('a restart resumes only what Twitch confirms', () => {
	it('drops an unposted intent of a stream that ended while the bot was down, instead of posting it late', async () => {
		const { userId, channelId } = await world.watch('gone');
		const stream = world.twitchFake.goLive(userId);
		await crashBeforePosting(world);

		world.twitchFake.endStream(userId, { archive: false });
		world.clock.advance(2 * 60 * 60_000); // down for two hours
		await world.restart();
		await world.notifier.whenIdle();
		await cyclesPastGrace(world);
		await world.cycle();

		expect(posts(channelId)).toEqual([]);
		const [announcement] = await storedAnnouncements(stream.id);
		expect(announcement?.phase).toBe('abandoned');
		expect(await new AnnouncementRepository(world.store).listUnfinished()).toEqual([]);
	});

	it('drops the old intent and announces the new stream once when the streamer restarted while the bot was down', async () => {
		const { userId, channelId } = await world.watch('again');
		const old = world.twitchFake.goLive(userId);
		await crashBeforePosting(world);
		world.twitchFake.endStream(userId, { archive: false });
		const fresh = world.twitchFake.goLive(userId);

		await world.restart();
		await world.notifier.whenIdle();
		expect(posts(channelId)).toEqual([]); // nothing from the stored state alone
		await world.cycle();
		await world.cycle();

		const [post, ...others] = posts(channelId);
		expect(others).toEqual([]);
		expect(JSON.stringify(post?.embeds)).toContain(`stream ${fresh.id}`);
		expect((await storedAnnouncements(old.id))[0]?.phase).toBe('abandoned');
	});

	it('delivers an unposted intent once a poll confirms the stream is still live', async () => {
		const { userId, channelId } = await world.watch('still');
		world.twitchFake.goLive(userId);
		await crashBeforePosting(world);

		await world.restart();
		await world.notifier.whenIdle();
		expect(posts(channelId)).toEqual([]);
		await world.cycle();

		expect(posts(channelId)).toHaveLength(1);
	});

	it('finishes a pending end edit after a restart even though the streamer started another stream since', async () => {
		await world.restart({ rest: restWithFailingEdits() });
		const { userId, channelId } = await world.watch('busy');
		const first = world.twitchFake.goLive(userId, { title: 'First stream' });
		await world.cycle();
		world.twitchFake.endStream(userId, { archive: false });
		await cyclesPastGrace(world); // the "was live" edit fails: left pending
		const second = world.twitchFake.goLive(userId, { title: 'Second stream' });
		await world.cycle();
		world.twitchFake.endStream(userId, { archive: false });
		await cyclesPastGrace(world); // the stored state now names the second stream as the last one ended
		expect(posts(channelId)).toHaveLength(2);
		expect(posts(channelId).every((post) => post.content.includes('is live'))).toBe(true);

		await world.restart();
		await world.cycle();

		const [firstPost, secondPost] = posts(channelId);
		expect(firstPost?.content).toContain('was live');
		expect(JSON.stringify(firstPost?.embeds)).toContain(`stream ${first.id}`);
		expect(JSON.stringify(firstPost?.embeds)).toContain('First stream');
		expect(secondPost?.content).toContain('was live');
		expect((await storedAnnouncements(first.id))[0]?.phase).toBe('ended');
		expect((await storedAnnouncements(second.id))[0]?.phase).toBe('ended');
	});
});

describe('a stream called ended that is live after all', () => {
	it('edits the post back to live when Get Streams lists the same stream again past the grace period, without a second ping', async () => {
		const { userId, guildId, channelId } = await world.watch('hidden', {});
		const role = world.discord.addRole(guildId, { name: 'Live', mentionable: true });
		await world.repos.watches.update(guildId, userId, (watch) => ({ ...watch, roleId: role.id }));
		const stream = world.twitchFake.goLive(userId, { title: 'Marathon' });
		await world.cycle();
		world.twitchFake.endStream(userId, { archive: false }); // Twitch leaves it out for a while
		await cyclesPastGrace(world);
		expect(posts(channelId)[0]?.content).toContain('was live');

		world.twitchFake.goLive(userId, { id: stream.id, started_at: stream.started_at, title: 'Marathon' });
		const report = await world.cycle();

		expect(report.events).toMatchObject({ live: 0, resumed: 1 });
		const [post, ...others] = posts(channelId);
		expect(others).toEqual([]);
		expect(post?.content).toContain('is live');
		expect(post?.mentions.roles).toEqual([role.id]); // the one ping, from the first post
		expect((await storedAnnouncements(stream.id))[0]).toMatchObject({ phase: 'posted', endedAt: null });

		// And it can end again, for real.
		world.twitchFake.endStream(userId, { archive: false });
		await cyclesPastGrace(world);
		expect(posts(channelId)[0]?.content).toContain('was live');
		expect(posts(channelId)).toHaveLength(1);
	});

	it('posts it anew without a ping when the end action had deleted it', async () => {
		const { userId, guildId, channelId } = await world.watch('deleted');
		const role = world.discord.addRole(guildId, { name: 'Live', mentionable: true });
		await world.repos.watches.update(guildId, userId, (watch) => ({ ...watch, roleId: role.id }));
		await world.repos.guildSettings.update(guildId, { endAction: 'delete' });
		const stream = world.twitchFake.goLive(userId);
		await world.cycle();
		world.twitchFake.endStream(userId, { archive: false });
		await cyclesPastGrace(world);
		expect(posts(channelId)).toEqual([]);

		world.twitchFake.goLive(userId, { id: stream.id, started_at: stream.started_at });
		await world.cycle();
		await world.cycle();

		const [post, ...others] = posts(channelId);
		expect(others).toEqual([]);
		expect(post?.content).toContain('is live');
		expect(post?.mentions).toEqual({ everyone: false, roles: [], users: [] });
		const created = world.discord.messages.filter((message) => message.channelId === channelId);
		expect(created.filter((message) => message.mentions.roles.length > 0)).toHaveLength(1);
	});
});
