/**
 * Category watches (issue 11) through the real notifier against both fakes: the category's live streams are listed
 * with Get Streams by game_id (and language), and the ones a watch takes are announced and followed like watched
 * channels.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/logger.ts';
import { CategorySource } from '../../src/notify/category-source.ts';
import { CategoryMatchRepository } from '../../src/store/category-match-repository.ts';
import { type CategoryWatch, categoryStatusTarget } from '../../src/store/category-watch-repository.ts';
import { cyclesPastGrace, type NotifierWorld, postsIn, startNotifierWorld } from '../support/notifier-world.ts';

const CELESTE = { game_id: '504461', game_name: 'Celeste' };
const CHATTING = { game_id: '509658', game_name: 'Just Chatting' };

let world: NotifierWorld;
beforeEach(async () => {
	world = await startNotifierWorld();
});
afterEach(async () => {
	await world.close();
});

async function watchCategory(
	target: { guildId: string; channelId: string },
	options: Partial<Pick<CategoryWatch, 'gameId' | 'gameName' | 'language' | 'minViewers' | 'titleKeyword'>> = {},
): Promise<CategoryWatch> {
	const added = await world.repos.categoryWatches.add(
		{
			guildId: target.guildId,
			gameId: CELESTE.game_id,
			gameName: CELESTE.game_name,
			language: null,
			minViewers: 0,
			titleKeyword: null,
			channelId: target.channelId,
			roleId: null,
			template: null,
			createdAt: world.clock.now(),
			createdBy: '1',
			...options,
		},
		10,
	);
	if (!added.ok) throw new Error(`not added: ${added.reason}`);
	return added.watch;
}

/** A channel nobody watches by name, live in a category. */
function liveIn(login: string, stream: Record<string, unknown>): string {
	const userId = world.user(login);
	world.twitchFake.goLive(userId, { title: `${login} plays`, viewer_count: 10, language: 'en', ...stream });
	return userId;
}

/** Get Streams requests by game_id since the last reset, as "game:language". */
function categoryRequests(from = 0): string[] {
	return world.twitchFake.requests
		.slice(from)
		.filter((request) => request.route === '/helix/streams' && request.query.has('game_id'))
		.map((request) => `${request.query.get('game_id')}:${request.query.get('language') ?? '*'}`);
}

const contentOf = (message: { content?: string }) => message.content ?? '';

describe('category watches', () => {
	it('announces a live stream of a channel nobody watches by name, and ends its post when the stream ends', async () => {
		const target = world.guildWithChannel();
		const watch = await watchCategory(target);
		const userId = liveIn('climber', { ...CELESTE, title: 'Farewell golden' });
		liveIn('chatter', CHATTING);

		await world.cycle();
		const posts = postsIn(world, target.channelId);
		expect(posts).toHaveLength(1);
		expect(JSON.stringify(posts[0])).toContain('Farewell golden');
		// The post counts for the category watch's delivery status (what /watch list shows), not the streamer's.
		const status = await world.repos.deliveryStatus.get(categoryStatusTarget(watch));
		expect(status.lastAnnouncedAt).toBe(world.clock.now());

		world.twitchFake.endStream(userId, { archive: false });
		await cyclesPastGrace(world);
		expect(postsIn(world, target.channelId)).toHaveLength(1);
		expect(postsIn(world, target.channelId)[0]?.edits.length).toBeGreaterThan(0);
		expect(JSON.stringify(postsIn(world, target.channelId)[0]?.embeds)).toMatch(/stream is over/i);
	});

	it('respects min-viewers and language', async () => {
		const target = world.guildWithChannel();
		await watchCategory(target, { language: 'de', minViewers: 50 });
		liveIn('bigde', { ...CELESTE, language: 'de', viewer_count: 120 });
		liveIn('smallde', { ...CELESTE, language: 'de', viewer_count: 49 });
		liveIn('bigen', { ...CELESTE, language: 'en', viewer_count: 500 });

		await world.cycle();
		const posts = postsIn(world, target.channelId);
		expect(posts).toHaveLength(1);
		expect(JSON.stringify(posts[0])).toContain('bigde');
		expect(categoryRequests()).toEqual([`${CELESTE.game_id}:de`]);
	});

	it('filters on the title keyword', async () => {
		const target = world.guildWithChannel();
		await watchCategory(target, { titleKeyword: 'speedrun' });
		liveIn('runner', { ...CELESTE, title: 'SPEEDRUN any%' });
		liveIn('casual', { ...CELESTE, title: 'chill climb' });
		await world.cycle();
		const posts = postsIn(world, target.channelId);
		expect(posts).toHaveLength(1);
		expect(JSON.stringify(posts[0])).toContain('runner');
	});

	it('posts at most the flood limit per cycle and summarises the rest in one message, never posting them later', async () => {
		const target = world.guildWithChannel();
		await world.repos.guildSettings.update(target.guildId, { categoryPostLimit: 3 });
		await watchCategory(target);
		for (let i = 1; i <= 15; i++) liveIn(`climber${i}`, { ...CELESTE, viewer_count: i * 10 });

		await world.cycle();
		const first = postsIn(world, target.channelId);
		expect(first).toHaveLength(4); // 3 announcements and the summary
		const summary = first.find((message) => contentOf(message).includes('more'));
		expect(contentOf(summary ?? {})).toMatch(/and 12 more channels live in Celeste/);
		// The three most watched were posted.
		const posted = JSON.stringify(first.filter((message) => message !== summary));
		for (const login of ['climber15', 'climber14', 'climber13']) expect(posted).toContain(login);

		await world.cycle();
		await world.cycle();
		expect(postsIn(world, target.channelId)).toHaveLength(4);

		// A restart keeps what was decided: the summarised streams are not posted by the next process either.
		await world.restart();
		await world.cycle();
		expect(postsIn(world, target.channelId)).toHaveLength(4);

		// A new go-live afterwards is announced normally.
		liveIn('latecomer', { ...CELESTE, viewer_count: 5 });
		await world.cycle();
		expect(postsIn(world, target.channelId)).toHaveLength(5);
	});

	it('counts the flood limit per category and guild, across watches of two languages', async () => {
		const target = world.guildWithChannel();
		await world.repos.guildSettings.update(target.guildId, { categoryPostLimit: 2 });
		await watchCategory(target, { language: 'de' });
		await watchCategory(target, { language: 'en' });
		for (let i = 1; i <= 3; i++) liveIn(`german${i}`, { ...CELESTE, language: 'de', viewer_count: i });
		for (let i = 1; i <= 3; i++) liveIn(`english${i}`, { ...CELESTE, language: 'en', viewer_count: i });
		const report = await world.cycle();
		expect(report.category.admitted).toBe(2);
		expect(report.category.summarised).toBe(4);
		const lines = postsIn(world, target.channelId).filter((message) => contentOf(message).includes(' more '));
		expect(lines.map(contentOf).join('\n')).toMatch(
			/and 1 more channel live in Celeste \(de\)[\s\S]*and 3 more channels live in Celeste \(en\)/,
		);
	});

	it('makes one request per category and language, shared by every guild that watches it', async () => {
		const guilds = [world.guildWithChannel('a'), world.guildWithChannel('b'), world.guildWithChannel('c')];
		for (const guild of guilds) await watchCategory(guild, { minViewers: guilds.indexOf(guild) * 5 });
		await watchCategory(guilds[0] as (typeof guilds)[number], { language: 'de' });
		liveIn('climber', { ...CELESTE, viewer_count: 30 });

		const from = world.twitchFake.requests.length;
		const report = await world.cycle();
		expect(categoryRequests(from).sort()).toEqual([`${CELESTE.game_id}:*`, `${CELESTE.game_id}:de`]);
		expect(report.category.requests).toBe(2);
		expect(report.category.groups).toEqual({ watched: 2, polled: 2, failed: 0 });
		// Out of the cycle's budget (560 requests at 60 s): what the categories took is not left for watched channels.
		expect(report.schedule.budgetRequests).toBe(560 - 2);
		for (const guild of guilds) expect(postsIn(world, guild.channelId)).toHaveLength(1);
	});

	it('posts once in a guild that watches the streamer by name and by category', async () => {
		const named = await world.watch('both');
		const elsewhere = world.guildWithChannel().channelId;
		await watchCategory({ guildId: named.guildId, channelId: elsewhere });
		world.twitchFake.goLive(named.userId, { ...CELESTE, viewer_count: 40 });
		await world.cycle();
		await world.cycle();
		expect(postsIn(world, named.channelId)).toHaveLength(1);
		expect(postsIn(world, elsewhere)).toHaveLength(0);
	});

	it('posts once in a guild with two category watches that both take the stream', async () => {
		const target = world.guildWithChannel();
		await watchCategory(target);
		await watchCategory(target, { language: 'en', minViewers: 5 });
		liveIn('twice', { ...CELESTE, viewer_count: 40 });
		await world.cycle();
		await world.cycle();
		expect(postsIn(world, target.channelId)).toHaveLength(1);
	});

	it('follows a stream that leaves the category to its end, and does not announce it again when it comes back', async () => {
		const target = world.guildWithChannel();
		await watchCategory(target);
		const userId = liveIn('wanderer', CELESTE);
		await world.cycle();
		expect(postsIn(world, target.channelId)).toHaveLength(1);

		world.twitchFake.updateStream(userId, CHATTING);
		await world.cycle();
		await world.cycle();
		world.twitchFake.updateStream(userId, CELESTE);
		await world.cycle();
		await world.cycle();
		expect(postsIn(world, target.channelId)).toHaveLength(1);

		world.twitchFake.updateStream(userId, CHATTING);
		await world.cycle();
		world.twitchFake.endStream(userId, { archive: false });
		await cyclesPastGrace(world);
		const [post] = postsIn(world, target.channelId);
		expect(JSON.stringify(post?.embeds)).toMatch(/stream is over/i);
		// Over: the channel is not followed any more.
		const report = await world.cycle();
		expect(report.watchedUsers).toBe(0);
	});

	it('pauses a category watch whose channel was deleted, and posts nothing more there', async () => {
		const target = world.guildWithChannel();
		const watch = await watchCategory(target);
		world.discord.deleteChannel(target.channelId);
		liveIn('first', CELESTE);
		await world.cycle();
		const paused = world.repos.categoryWatches.find(target.guildId, watch.id);
		expect(paused?.paused).toMatchObject({ reason: 'channel-deleted', channelId: target.channelId });
		const requests = () =>
			world.discord.restLog.filter((entry) => entry.path.startsWith(`/channels/${target.channelId}`)).length;
		const before = requests();
		liveIn('second', CELESTE);
		const report = await world.cycle();
		expect(report.category.groups.watched).toBe(0);
		expect(requests()).toBe(before);
	});
});

describe('the category budget', () => {
	/** A source over the world's store whose Twitch lists the fake's live streams of a category. */
	const sourceOver = (asked: string[] = []) =>
		new CategorySource({
			twitch: {
				getCategoryStreams: async (query) => {
					asked.push(query.gameId);
					return { ...(await world.twitch.getCategoryStreams(query)), requests: 1 };
				},
			},
			categoryWatches: world.repos.categoryWatches,
			watches: world.repos.watches,
			matches: new CategoryMatchRepository(world.store),
			guildSettings: world.repos.guildSettings,
			logger: createSilentLogger(),
			clock: world.clock,
		});

	it('follows every admitted channel after a restart, also those of pairs the short budget does not poll yet', async () => {
		const target = world.guildWithChannel();
		await watchCategory(target, { gameId: CELESTE.game_id, gameName: CELESTE.game_name });
		world.clock.advance(1_000);
		await watchCategory(target, { gameId: CHATTING.game_id, gameName: CHATTING.game_name });
		const climber = liveIn('climber', CELESTE);
		const chatter = liveIn('chatter', CHATTING);
		await world.repos.watches.load(); // as the poller does before the categories
		const before = sourceOver();
		await before.poll(2);
		expect(before.followedUserIds().sort()).toEqual([climber, chatter].sort());

		// The next process can ask about one pair this cycle; the other's admitted channel is followed all the same.
		const asked: string[] = [];
		const after = sourceOver(asked);
		await after.poll(1);
		expect(asked).toHaveLength(1);
		expect(after.followedUserIds().sort()).toEqual([climber, chatter].sort());
	});

	it('polls the pairs unpolled longest first when the budget cannot hold them all, reaching each in turn', async () => {
		const asked: string[] = [];
		const source = sourceOver(asked);
		await world.repos.watches.load();
		const target = world.guildWithChannel();
		const games = ['1', '2', '3', '4', '5'];
		for (const gameId of games) {
			await watchCategory(target, { gameId, gameName: `Game ${gameId}` });
			world.clock.advance(1_000);
		}
		const cycles: string[][] = [];
		for (let cycle = 0; cycle < 3; cycle++) {
			asked.length = 0;
			const poll = await source.poll(2);
			expect(poll.requests).toBe(2);
			cycles.push([...asked].sort());
			world.clock.advance(60_000);
		}
		expect(cycles[0]).toEqual(['1', '2']);
		expect(cycles[1]).toEqual(['3', '4']);
		expect(cycles[2]).toEqual(['1', '5']);
	});
});
