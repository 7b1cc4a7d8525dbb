/**
 * Several processes of the real bot on one store, as an operator scales it out: two gateway processes (shards 0
 * and 1 of 2) and two notifier processes (one active by the lease, one standby), all real child processes, against
 * the fake Discord (sharded gateway, identify rate enforced) and the fake Twitch (Helix and EventSub), on a private
 * Redis and a private PostgreSQL started for the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnnouncementRepository } from '../../src/store/announcement-repository.ts';
import { openStore, type Store } from '../../src/store/keyv.ts';
import { openCoordination } from '../../src/store/open-coordination.ts';
import { WatchRepository } from '../../src/store/watch-repository.ts';
import type { FakeChannel, FakeDiscord } from '../fakes/discord/index.ts';
import { startFakeDiscord } from '../fakes/discord/index.ts';
import { type FakeTwitch, startFakeTwitch } from '../fakes/twitch/index.ts';
import { startThrowawayPostgres, startThrowawayRedis } from '../store/throwaway-servers.ts';
import { BotProcess, until } from '../support/bot-fleet.ts';
import { FAKE_BOT_TOKEN, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, fakesEnv } from '../support/bot-world.ts';
import { watchOfUser } from '../support/fixtures.ts';

const LEASE_SECONDS = 5;
const POLL_SECONDS = 15;
/** What "within the lease time plus one cycle" allows for process start-up and the fakes' own latency. */
const SLACK_MS = 4_000;

/** A guild id (a snowflake) whose shard of 2 is `shard`: Discord's `(guild_id >> 22) % shard_count`. */
function guildIdOnShard(shard: number, index: number): string {
	return String((30_000_000_000n + BigInt(index * 2 + shard)) << 22n);
}

const servers = [
	{ kind: 'redis', start: startThrowawayRedis },
	{ kind: 'postgres', start: startThrowawayPostgres },
] as const;

describe.each(servers)('four bot processes on one $kind store', ({ start }) => {
	let server: Awaited<ReturnType<typeof start>>;
	let discord: FakeDiscord;
	let twitch: FakeTwitch;
	let store: Store;
	let watches: WatchRepository;
	let announcements: AnnouncementRepository;
	let closeCoordination: () => Promise<void>;
	const guilds: Array<{ id: string; shard: number; channel: FakeChannel }> = [];
	let gateways: BotProcess[];
	let notifiers: BotProcess[];

	const env = (roles: string, extra: Record<string, string> = {}) => ({
		...fakesEnv(twitch, discord, server.url),
		BOT_ROLES: roles,
		POLL_INTERVAL_SECONDS: String(POLL_SECONDS),
		NOTIFIER_LEASE_SECONDS: String(LEASE_SECONDS),
		...extra,
	});
	const everyone = () => [...gateways, ...notifiers];
	const active = () => notifiers.filter((process) => process.isActiveNotifier());
	/** Every go-live post in the watched channels, by the stream id in its footer, to count duplicates. */
	const postsByStream = () => {
		const byStream = new Map<string, number>();
		for (const { channel } of guilds) {
			for (const message of discord.channelMessages(channel.id)) {
				const footer = (message.embeds[0] as { footer?: { text?: string } } | undefined)?.footer?.text ?? '';
				const key = `${channel.id}:${footer}`;
				byStream.set(key, (byStream.get(key) ?? 0) + 1);
			}
		}
		return byStream;
	};
	const postCount = () => guilds.reduce((sum, { channel }) => sum + discord.channelMessages(channel.id).length, 0);
	/** Watches `count` new Twitch users, spread over the guilds of both shards; returns their ids. */
	const watchNewUsers = async (count: number, prefix: string) => {
		const ids: string[] = [];
		for (let i = 0; i < count; i++) {
			const user = twitch.addUser({ login: `${prefix}${i}` });
			const guild = guilds[i % guilds.length]!;
			await watches.add(watchOfUser(guild.id, user, guild.channel.id), 100);
			ids.push(user.id);
		}
		return ids;
	};
	const expectEachPostedOnce = (expected: number) => {
		const counts = [...postsByStream().values()];
		expect(counts.filter((count) => count > 1)).toEqual([]);
		expect(postCount()).toBe(expected);
	};

	beforeAll(async () => {
		server = await start();
		twitch = await startFakeTwitch({ clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET });
		discord = await startFakeDiscord({
			botToken: FAKE_BOT_TOKEN,
			recommendedShards: 2,
			maxConcurrency: 1,
			identifyRateLimit: 'refuse',
			// Discord keeps a nonce "a few minutes"; short here, so that a frozen holder's late create would show.
			nonceWindowMs: 2_000,
		});
		for (let i = 0; i < 4; i++) {
			const shard = i % 2;
			const guild = discord.addGuild({ id: guildIdOnShard(shard, i), name: `Guild ${i}` });
			guilds.push({ id: guild.id, shard, channel: discord.addChannel(guild.id, { name: 'live' }) });
		}
		// The test's own process on the store, as a third kind of writer (an admin tool, say).
		store = await openStore(server.url);
		const coordination = openCoordination(store);
		closeCoordination = () => coordination.close();
		watches = new WatchRepository(store, { coordination });
		announcements = new AnnouncementRepository(store);
		await watches.load();

		gateways = [
			new BotProcess('gateway-0', env('gateway', { SHARD_COUNT: '2', SHARD_IDS: '0' })),
			new BotProcess('gateway-1', env('gateway', { SHARD_COUNT: '2', SHARD_IDS: '1' })),
		];
		notifiers = [new BotProcess('notifier-a', env('notifier')), new BotProcess('notifier-b', env('notifier'))];
		for (const process of everyone()) process.start();
		await Promise.all(gateways.map((process) => process.waitForLog('connected to Discord', 30_000)));
		await until(() => active().length === 1, 20_000, 'one active notifier');
		await until(
			() => notifiers.every((process) => process.isActiveNotifier() || process.logged('stands by').length > 0),
			20_000,
			'the other notifier standing by',
		);
	}, 120_000);

	afterAll(async () => {
		await Promise.all((everyone?.() ?? []).map((process) => process.crash()));
		await closeCoordination?.();
		await store?.close();
		await discord?.close();
		await twitch?.close();
		await server?.destroy();
	}, 60_000);

	it('answers commands in guilds of both shards, each gateway process identifying in turn', async () => {
		expect(discord.gateway.connectedShards.map(([id]) => id).sort()).toEqual([0, 1]);
		// Both processes share one identify bucket (max_concurrency 1): the store spaced them, Discord refused none.
		expect(discord.gateway.identifyViolations).toBe(0);
		for (const guild of guilds.slice(0, 2)) {
			const answer = await discord.runCommand({
				guildId: guild.id,
				channelId: guild.channel.id,
				name: 'help',
				timeoutMs: 10_000,
			});
			expect(JSON.stringify(answer.final)).toContain('/live');
		}
		expect(active()).toHaveLength(1);
	}, 60_000);

	it('announces a /watch add handled by shard 1 from the notifier in another process within one cycle', async () => {
		const guild = guilds.find((candidate) => candidate.shard === 1)!;
		const user = twitch.addUser({ login: 'shardone' });
		const added = await discord.runCommand({
			guildId: guild.id,
			channelId: guild.channel.id,
			name: 'watch',
			subcommand: 'add',
			options: { channel: 'shardone', 'post-in': guild.channel.id },
			timeoutMs: 10_000,
		});
		expect(JSON.stringify(added.final)).toContain('shardone');
		const wentLive = Date.now();
		twitch.goLive(user.id);
		await discord.waitForMessage(
			(message) => message.channelId === guild.channel.id && JSON.stringify(message).includes('shardone'),
			POLL_SECONDS * 1000 + SLACK_MS,
		);
		expect(Date.now() - wentLive).toBeLessThan(POLL_SECONDS * 1000 + SLACK_MS);
		expectEachPostedOnce(1);
	}, 60_000);

	it('SIGKILL of the active notifier during a burst of 30 go-lives: the standby takes over in time, 0 duplicates, 0 misses', async () => {
		const before = postCount();
		const ids = await watchNewUsers(30, 'burst');
		const [late] = await watchNewUsers(1, 'afterkill');
		// Let the active notifier see the new watches (the change feed) and subscribe them (after its next cycle).
		await new Promise((resolve) => setTimeout(resolve, 1_000));
		const [holder] = active();
		const standby = notifiers.find((process) => process !== holder)!;
		let killedAt = 0;
		const streamIds: string[] = [];
		for (const [index, id] of ids.entries()) {
			streamIds.push(twitch.goLive(id).id);
			if (index === 9) {
				await holder!.crash();
				killedAt = Date.now();
			}
			await new Promise((resolve) => setTimeout(resolve, 30));
		}
		const took = await standby.waitForLog('this process is the active notifier', (LEASE_SECONDS + 3) * 1000);
		expect(took.time - killedAt).toBeLessThan(LEASE_SECONDS * 1000 + SLACK_MS);
		await until(() => postCount() === before + 30, (LEASE_SECONDS + POLL_SECONDS) * 1000 + SLACK_MS, '30 posts');
		expectEachPostedOnce(before + 30);
		// Each record carries the fencing number of the holder that wrote it: the old one's, or the new one's.
		const oldFence = holder!.logged('this process is the active notifier').at(-1)?.fence;
		const records = (await Promise.all(streamIds.map((id) => announcements.listForStream(id)))).flat();
		expect(records).toHaveLength(30);
		expect(new Set(records.map((record) => record.fence))).toEqual(
			new Set([oldFence, took.fence].filter((fence) => records.some((record) => record.fence === fence))),
		);
		expect(records.some((record) => record.fence === took.fence)).toBe(true);
		expect(took.fence).toBeGreaterThan(oldFence as number);
		// The new holder attached the EventSub shard with its own session: a go-live now is pushed and posted at
		// once, long before its next poll.
		await standby.waitForLog('EventSub subscriptions reconciled', 5_000, took.time);
		const pushedAt = Date.now();
		twitch.goLive(late!);
		await until(() => postCount() === before + 31, 3_000, 'the pushed go-live posted');
		expect(Date.now() - pushedAt).toBeLessThan(3_000);
		// The killed process comes back as the standby.
		holder!.start();
		await holder!.waitForLog('stands by', 20_000);
	}, 90_000);

	it('a holder frozen past its lease, with posts queued, sends none of them after it resumes', async () => {
		const before = postCount();
		const guild = guilds[0]!;
		const queued: string[] = [];
		for (let i = 0; i < 3; i++) {
			const user = twitch.addUser({ login: `queued${i}` });
			await watches.add(watchOfUser(guild.id, user, guild.channel.id), 100);
			queued.push(user.id);
		}
		const later = await watchNewUsers(3, 'frozen');
		await new Promise((resolve) => setTimeout(resolve, 1_000));
		const [holder] = active();
		const standby = notifiers.find((process) => process !== holder)!;
		// The holder's first post in the channel hangs; its other two wait behind it in the channel's queue.
		const route = `POST /channels/${guild.channel.id}/messages`;
		const posts = () => discord.restLog.filter((entry) => `${entry.method} ${entry.path}` === route);
		const earlier = posts().length;
		discord.failNext(route, { status: 0, hang: true }, 1);
		for (const id of queued) twitch.goLive(id);
		await until(() => posts().length > earlier, POLL_SECONDS * 1000, 'the holder posting');
		holder!.kill('SIGSTOP');
		const frozenAt = Date.now();
		// More go-lives while it is frozen: pushed to its socket, unread, until the standby attaches its own session.
		for (const id of later) twitch.goLive(id);
		await standby.waitForLog('this process is the active notifier', (LEASE_SECONDS + 3) * 1000, frozenAt);
		await until(() => postCount() === before + 6, (POLL_SECONDS + 2) * 1000, 'the new holder posting all six').catch(
			(error: Error) => {
				throw new Error(`${error.message} (${postCount() - before} posted)\n${standby.tail(60)}`);
			},
		);
		// Past Discord's nonce window (2 s in this fake): a repeated create would now make a second message.
		await new Promise((resolve) => setTimeout(resolve, 2_500));
		const resumedAt = Date.now();
		holder!.kill('SIGCONT');
		await holder!.waitForLog('this process is no longer the active notifier', 10_000, frozenAt);
		await new Promise((resolve) => setTimeout(resolve, 3_000)); // what the old holder still had queued
		expectEachPostedOnce(before + 6);
		expect(posts().filter((entry) => entry.at >= resumedAt)).toEqual([]);
		expect(holder!.logged('announced a go-live').filter((line) => line.time > frozenAt)).toEqual([]);
	}, 90_000);

	it('a rolling restart of every process one by one: 0 duplicates, 0 misses', async () => {
		const before = postCount();
		const ids = await watchNewUsers(8, 'rolling');
		await new Promise((resolve) => setTimeout(resolve, 1_000));
		let next = 0;
		for (const process of everyone()) {
			// Two go-lives around each restart: one just before the stop, one while the process is down.
			twitch.goLive(ids[next++]!);
			const restartedAt = Date.now();
			expect(await process.stop()).toBe(0);
			twitch.goLive(ids[next++]!);
			process.start();
			const ready = gateways.includes(process) ? 'connected to Discord' : 'notifier';
			await process.waitForLog(ready, 30_000, restartedAt);
		}
		await until(() => postCount() === before + 8, (LEASE_SECONDS + POLL_SECONDS) * 1000 + SLACK_MS, '8 posts');
		await new Promise((resolve) => setTimeout(resolve, 1_000));
		expectEachPostedOnce(before + 8);
		expect(active()).toHaveLength(1);
		expect(discord.gateway.identifyViolations).toBe(0);
	}, 180_000);
});
