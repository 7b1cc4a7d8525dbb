/**
 * Go-live notifications end to end: the real bot (commands, notifier, SQLite store) against the fake Twitch and the
 * fake Discord over real HTTP and WebSocket. Poll cycles are driven with `notifier.runCycle()`, which resolves once
 * the Discord work of the cycle is done, so nothing here waits on the poll interval. One clock is shared by both
 * fakes and the bot, so that "an hour later" and "past the end grace period" need no sleeping.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningBot } from '../../src/bot.ts';
import type { FakeMessage } from '../fakes/discord/index.ts';
import { createWorld, type World } from '../support/bot-world.ts';
import { type AdjustableClock, createAdjustableClock } from '../support/clock.ts';
import { waitUntil } from '../support/notifier-world.ts';

/** The bot's default end grace (STREAM_END_GRACE_SECONDS unset): a stream must be missing this long to end. */
const END_GRACE_MS = 180_000;

let world: World;
let clock: AdjustableClock;
beforeEach(async () => {
	clock = createAdjustableClock();
	world = await createWorld({}, { clock });
});
afterEach(async () => {
	await world.close();
});

/** A server with a #general (where the admin types) and an #announcements channel, and an opt-in role. */
function setUpServer(name = 'Streamers') {
	const guild = world.discord.addGuild({ name });
	const general = world.discord.addChannel(guild.id, { name: 'general' });
	const announcements = world.discord.addChannel(guild.id, { name: 'announcements' });
	const role = world.discord.addRole(guild.id, { name: 'Stream alerts', mentionable: true });
	return { guildId: guild.id, generalId: general.id, announcementsId: announcements.id, roleId: role.id };
}

type Server = ReturnType<typeof setUpServer>;

/** The guild owner (an admin) types `/watch add channel:<login> post-in:#announcements [role:@Stream alerts]`. */
async function watchFromServer(server: Server, login: string, withRole: boolean) {
	const result = await world.discord.runCommand({
		guildId: server.guildId,
		channelId: server.generalId,
		name: 'watch',
		subcommand: 'add',
		options: {
			channel: login,
			'post-in': server.announcementsId,
			...(withRole ? { role: server.roleId } : {}),
		},
	});
	expect(result.ephemeral).toBe(true);
	expect(JSON.stringify(result.final)).toContain('Watching');
	return result;
}

/** Runs one poll cycle now and waits for the Discord posts and edits it caused. */
async function pollOnce(bot: RunningBot) {
	const notifier = bot.context.notifier;
	if (!notifier) throw new Error('the bot runs without its notifier');
	return notifier.runCycle();
}

function onlyPost(channelId: string): FakeMessage {
	const posts = world.discord.channelMessages(channelId);
	expect(posts).toHaveLength(1);
	return posts[0] as FakeMessage;
}

/** Every message the bot created in a channel, deleted ones included. */
function everyPostIn(channelId: string): FakeMessage[] {
	return world.discord.messages.filter((message) => message.channelId === channelId);
}

function embedOf(message: FakeMessage): Record<string, unknown> {
	return message.embeds[0] as Record<string, unknown>;
}

describe('go-live notifications, the real bot against both fakes', () => {
	it('posts exactly one announcement in the chosen channel when a watched channel goes live', async () => {
		const server = setUpServer();
		const streamer = world.twitch.addUser({ login: 'alpha', display_name: 'Alpha' });
		const bot = await world.startBot();
		await watchFromServer(server, 'alpha', true);

		world.twitch.goLive(streamer.id, { title: 'Any% practice', game_name: 'Celeste' });
		const report = await pollOnce(bot);

		expect(report.events.live).toBe(1);
		const post = onlyPost(server.announcementsId);
		expect(world.discord.channelMessages(server.generalId)).toHaveLength(0);
		expect(post.content).toContain(`<@&${server.roleId}>`);
		expect(post.content).toContain('Any% practice');
		expect(embedOf(post)).toMatchObject({ title: 'Any% practice', url: 'https://www.twitch.tv/alpha' });
		expect(JSON.stringify(embedOf(post))).toContain('Celeste');
		expect(post.mentions).toEqual({ everyone: false, roles: [server.roleId], users: [] });
	});

	it('keeps one post while the same stream is seen over several cycles, and through a one-poll flap', async () => {
		const server = setUpServer();
		const streamer = world.twitch.addUser({ login: 'alpha' });
		const bot = await world.startBot();
		await watchFromServer(server, 'alpha', false);
		const stream = world.twitch.goLive(streamer.id, { title: 'Marathon' });

		for (let cycle = 0; cycle < 4; cycle++) await pollOnce(bot);
		expect(everyPostIn(server.announcementsId)).toHaveLength(1);

		// Twitch leaves a live channel out of Get Streams for one poll, then reports the same stream again.
		world.twitch.endStream(streamer.id, { archive: false });
		clock.advance(60_000);
		await pollOnce(bot);
		world.twitch.goLive(streamer.id, { id: stream.id, started_at: stream.started_at, title: 'Marathon' });
		clock.advance(60_000);
		await pollOnce(bot);
		await pollOnce(bot);

		const post = onlyPost(server.announcementsId);
		expect(everyPostIn(server.announcementsId)).toHaveLength(1);
		expect(post.edits).toHaveLength(0);
	});

	it('does not post again when the bot restarts mid-stream, and the new process still ends the post', async () => {
		const server = setUpServer();
		const streamer = world.twitch.addUser({ login: 'alpha', display_name: 'Alpha' });
		const firstRun = await world.startBot();
		await watchFromServer(server, 'alpha', true);
		world.twitch.goLive(streamer.id, { title: 'Before the restart' });
		await pollOnce(firstRun);
		const announced = onlyPost(server.announcementsId);

		// Well past Discord's nonce window: only what the bot stored can stop a second post now.
		clock.advance(10 * 60_000);
		await firstRun.stop();
		const secondRun = await world.startBot();
		await pollOnce(secondRun);
		await pollOnce(secondRun);
		expect(everyPostIn(server.announcementsId)).toHaveLength(1);

		// The second process knows the first one's post: it is the one edited when the stream ends.
		world.twitch.endStream(streamer.id, { archive: true });
		await pollOnce(secondRun);
		clock.advance(END_GRACE_MS + 1000);
		await pollOnce(secondRun);
		const ended = onlyPost(server.announcementsId);
		expect(ended.id).toBe(announced.id);
		expect(ended.content).toContain('was live');
	});

	it('edits the post to "was live" with the duration and the VOD link once the stream has ended', async () => {
		const server = setUpServer();
		const streamer = world.twitch.addUser({ login: 'alpha', display_name: 'Alpha' });
		const bot = await world.startBot();
		await watchFromServer(server, 'alpha', true);
		world.twitch.goLive(streamer.id, { title: 'Long stream', game_name: 'Celeste' });
		await pollOnce(bot);

		clock.advance(2 * 60 * 60_000 + 5 * 60_000);
		world.twitch.endStream(streamer.id, { archive: true });
		await pollOnce(bot);
		// Missing for less than the grace period: maybe a flap, so the post is left alone.
		expect(onlyPost(server.announcementsId).edits).toHaveLength(0);

		clock.advance(END_GRACE_MS + 1000);
		await pollOnce(bot);
		const post = onlyPost(server.announcementsId);
		expect(post.edits).toHaveLength(1);
		expect(post.content).toBe('Alpha was live for 2 h 05 min.');
		const embed = embedOf(post);
		expect(embed.url).toMatch(/^https:\/\/www\.twitch\.tv\/videos\/\d+$/);
		expect(JSON.stringify(post.components)).toContain(String(embed.url));
		expect(JSON.stringify(post.components)).toContain('Watch the VOD');
		expect(everyPostIn(server.announcementsId)).toHaveLength(1);
	});

	it('pings nobody for @everyone in a stream title, and only the watch’s role when it has one', async () => {
		const withRole = setUpServer('With a role');
		const withoutRole = setUpServer('Without a role');
		const streamer = world.twitch.addUser({ login: 'alpha' });
		const bot = await world.startBot();
		await watchFromServer(withRole, 'alpha', true);
		await watchFromServer(withoutRole, 'alpha', false);

		world.twitch.goLive(streamer.id, { title: 'GIVEAWAY @everyone @here come in' });
		await pollOnce(bot);

		const pinging = onlyPost(withRole.announcementsId);
		expect(pinging.content).toContain('GIVEAWAY');
		expect(pinging.mentions).toEqual({ everyone: false, roles: [withRole.roleId], users: [] });
		// The title is defused as text, and the post also tells Discord to ping no one but the role, whatever it says.
		expect(pinging.allowedMentions).toEqual({ parse: [], roles: [withRole.roleId] });
		const silent = onlyPost(withoutRole.announcementsId);
		expect(silent.content).toContain('GIVEAWAY');
		expect(silent.mentions).toEqual({ everyone: false, roles: [], users: [] });
	});

	it('posts at the next cycle after a /watch test that worked, instead of waiting out the backoff', async () => {
		const server = setUpServer();
		const streamer = world.twitch.addUser({ login: 'alpha' });
		const bot = await world.startBot();
		await watchFromServer(server, 'alpha', false);
		// Discord fails the post (both attempts): the target backs off for a minute.
		world.discord.failNext(`POST /channels/${server.announcementsId}/messages`, { status: 500 }, 2);
		world.twitch.goLive(streamer.id);
		await pollOnce(bot);
		expect(world.discord.channelMessages(server.announcementsId)).toHaveLength(0);
		await pollOnce(bot);
		expect(world.discord.channelMessages(server.announcementsId)).toHaveLength(0); // still backing off

		// The admin checks the target: the preview posts, so the problem and its backoff are cleared.
		const tested = await world.discord.runCommand({
			guildId: server.guildId,
			channelId: server.generalId,
			name: 'watch',
			subcommand: 'test',
			options: { channel: 'alpha' },
		});
		expect(JSON.stringify(tested.final)).not.toContain('could not');
		const previews = world.discord.channelMessages(server.announcementsId).length;
		await pollOnce(bot);
		expect(world.discord.channelMessages(server.announcementsId)).toHaveLength(previews + 1);
	});
});

describe('a server that removes the bot', () => {
	it('pauses its watches on GuildDelete, polls nobody for them, and resumes them when the bot is back', async () => {
		const server = setUpServer();
		const streamer = world.twitch.addUser({ login: 'kicked' });
		const bot = await world.startBot();
		await watchFromServer(server, 'kicked', false);
		const watches = bot.context.repositories.watches;
		const pausedReason = async () => (await watches.listByGuild(server.guildId))[0]?.paused?.reason ?? null;

		world.discord.removeGuild(server.guildId);
		await waitUntil(async () => (await pausedReason()) === 'left-guild');
		world.twitch.goLive(streamer.id);
		const report = await pollOnce(bot);

		expect(report.watchedUsers).toBe(0);
		expect(everyPostIn(server.announcementsId)).toEqual([]);
		expect(world.discord.restLog.filter((entry) => entry.path.includes(server.announcementsId))).toEqual([]);

		world.discord.rejoinGuild(server.guildId);
		await waitUntil(async () => (await pausedReason()) === null);
		await pollOnce(bot);

		expect(everyPostIn(server.announcementsId)).toHaveLength(1);
	});
});

describe('TWITCH_EVENTSUB=off', () => {
	it('finds go-lives by polling alone, as before EventSub, and asks Twitch for no conduit', async () => {
		const polled = await createWorld({ TWITCH_EVENTSUB: 'off' }, { clock });
		try {
			const guild = polled.discord.addGuild({ name: 'Polled' });
			const general = polled.discord.addChannel(guild.id, { name: 'general' });
			const announcements = polled.discord.addChannel(guild.id, { name: 'announcements' });
			const streamer = polled.twitch.addUser({ login: 'classic' });
			const bot = await polled.startBot();
			await polled.discord.runCommand({
				guildId: guild.id,
				channelId: general.id,
				name: 'watch',
				subcommand: 'add',
				options: { channel: 'classic', 'post-in': announcements.id },
			});
			polled.twitch.goLive(streamer.id);
			await new Promise((resolve) => setTimeout(resolve, 200));
			expect(polled.discord.channelMessages(announcements.id)).toEqual([]); // nothing pushed

			await bot.context.notifier?.runCycle();

			expect(polled.discord.channelMessages(announcements.id)).toHaveLength(1);
			expect(polled.twitch.eventsub.conduits).toEqual([]);
			expect(polled.twitch.eventsub.sessions).toEqual([]);
		} finally {
			await polled.close();
		}
	});
});
