/**
 * Category watches: Helix requests per poll cycle for 100 category watches over 20 categories (5 guilds' watches per
 * category: three take every language, one English, one German; minimums of 0 to 500 viewers), against the fake Twitch with ~4,000 live streams spread over
 * those categories as Twitch's are (a few big ones, a long tail), in-process with the real notifier, SQLite store
 * and the fake Discord. Counted from the fake's request log, so it is what Twitch would see.
 *
 * Compared with what the same watches would cost polled one by one (each watch its own Get Streams by game_id,
 * paged down to its own minimum), computed from the same live streams.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REST } from 'discord.js';
import { createSilentLogger } from '../src/logger.ts';
import { MAX_PAGES_PER_CATEGORY } from '../src/notify/category-source.ts';
import { notifierRestOptions } from '../src/notify/discord-messages.ts';
import { createNotifier } from '../src/notify/notifier.ts';
import { openStore } from '../src/store/keyv.ts';
import { openRepositories } from '../src/store/repositories.ts';
import { TwitchClient } from '../src/twitch/client.ts';
import { announcementRenderer } from '../src/views/announcement.ts';
import { startFakeDiscord } from '../test/fakes/discord/index.ts';
import { startFakeTwitch } from '../test/fakes/twitch/index.ts';
import { ManualClock } from '../test/support/clock.ts';
import { median } from './notifier.ts';

export interface CategoryBenchResult {
	watches: number;
	categories: number;
	/** Category and language pairs: one request (or a few pages) each serves every guild watching it. */
	pairs: number;
	liveStreams: number;
	cycles: number;
	/** Median per cycle after the first: Get Streams by game_id (category lists). */
	categoryRequestsPerCycle: number;
	/** Median per cycle after the first: Get Streams by user_id for followed channels not seen in their list. */
	userRequestsPerCycle: number;
	/** The same watches, each polled on its own (no sharing), paged down to its own minimum, per cycle. */
	unsharedRequestsPerCycle: number;
	/** The first cycle: posts (the flood guard's admissions) and summary lines. */
	firstCyclePosts: number;
	firstCycleSummaries: number;
	/** Posts over the later cycles (the churn's go-lives). */
	laterPosts: number;
	cycleWallMs: number;
}

const CATEGORIES = 20;
const WATCHES_PER_CATEGORY = 5;
const LANGUAGES = ['en', 'de', 'es', 'fr', 'ja'];
const CYCLES = 6;

export async function benchCategoryWatches(): Promise<CategoryBenchResult> {
	const clock = new ManualClock();
	const twitchFake = await startFakeTwitch({ now: () => clock.now() });
	const discord = await startFakeDiscord({ now: () => clock.now() });
	const folder = mkdtempSync(join(tmpdir(), 'bench-category-'));
	const store = await openStore(`sqlite://${join(folder, 'bot.sqlite')}`);
	const logger = createSilentLogger();
	const twitch = new TwitchClient({
		clientId: twitchFake.clientId,
		clientSecret: twitchFake.clientSecret,
		apiUrl: twitchFake.helixUrl,
		authUrl: twitchFake.authUrl,
		logger,
		cache: false,
	});
	const rest = new REST(notifierRestOptions(discord.apiUrl)).setToken(discord.botToken);
	try {
		// The same streams on every run: a seeded generator, not Math.random.
		let seed = 7;
		const random = () => {
			seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
			return seed / 2 ** 31;
		};
		const games = Array.from({ length: CATEGORIES }, (_, index) => ({
			id: String(900_000 + index),
			name: `Game ${index + 1}`,
		}));
		// A few big categories and a long tail: category i has about 1,200 / (i + 1) live streams.
		let users = 0;
		const live: Array<{ game_id: string; language: string; viewer_count: number }> = [];
		const goLive = (game: { id: string; name: string }) => {
			const userId = twitchFake.addUser({ login: `cat_streamer_${++users}` }).id;
			const stream = twitchFake.goLive(userId, {
				game_id: game.id,
				game_name: game.name,
				language: LANGUAGES[Math.floor(random() * random() * LANGUAGES.length)] ?? 'en',
				// Most streams have a handful of viewers, a few have thousands.
				viewer_count: Math.floor(1 / (random() + 0.0005)),
				title: 'bench stream',
			});
			live.push(stream);
			return userId;
		};
		for (const [index, game] of games.entries()) {
			for (let i = 0; i < Math.round(1_200 / (index + 1)); i++) goLive(game);
		}

		const repositories = await openRepositories(store, logger);
		const minimums = [0, 10, 50, 100, 500];
		const watches = [];
		for (const game of games) {
			for (let i = 0; i < WATCHES_PER_CATEGORY; i++) {
				const guild = discord.addGuild({ name: `bench ${game.name} ${i}` });
				const channel = discord.addChannel(guild.id, { name: 'live-now' });
				// Most guilds take every language; a few want one: 3 pairs per category for 5 watches.
				const language = [null, null, 'en', null, 'de'][i] ?? null;
				const added = await repositories.categoryWatches.add(
					{
						guildId: guild.id,
						gameId: game.id,
						gameName: game.name,
						language,
						minViewers: minimums[i] ?? 0,
						titleKeyword: null,
						channelId: channel.id,
						roleId: null,
						template: null,
						createdAt: clock.now(),
						createdBy: '1',
					},
					10,
				);
				if (added.ok) watches.push(added.watch);
			}
		}
		const pairs = new Set(watches.map((watch) => `${watch.gameId}:${watch.language ?? '*'}`)).size;
		const unsharedRequestsPerCycle = watches.reduce((sum, watch) => {
			const over = live.filter(
				(stream) =>
					stream.game_id === watch.gameId &&
					(watch.language === null || stream.language === watch.language) &&
					stream.viewer_count >= watch.minViewers,
			).length;
			return sum + Math.max(1, Math.min(MAX_PAGES_PER_CATEGORY, Math.ceil(over / 100)));
		}, 0);

		const notifier = createNotifier({
			twitch,
			repositories,
			rest,
			renderer: announcementRenderer,
			logger,
			clock,
			config: { pollIntervalSeconds: 60 },
		});
		await notifier.prepare();
		const byCycle: Array<{ category: number; users: number; posts: number; wallMs: number }> = [];
		let summaries = 0;
		for (let cycle = 0; cycle < CYCLES; cycle++) {
			if (cycle > 0)
				for (let i = 0; i < 20; i++) goLive(games[Math.floor(random() * random() * CATEGORIES)] ?? games[0]!);
			clock.advance(60_000);
			const logged = twitchFake.requests.length;
			const posted = discord.messages.length;
			const started = performance.now();
			await notifier.runCycle();
			const wallMs = performance.now() - started;
			const requests = twitchFake.requests.slice(logged).filter((request) => request.route === '/helix/streams');
			const fresh = discord.messages.slice(posted);
			if (cycle === 0) summaries = fresh.filter((message) => (message.content ?? '').includes(' more ')).length;
			byCycle.push({
				category: requests.filter((request) => request.query.has('game_id')).length,
				users: requests.filter((request) => request.query.has('user_id')).length,
				posts: fresh.length,
				wallMs,
			});
		}
		await notifier.stop();
		const later = byCycle.slice(1);
		return {
			watches: watches.length,
			categories: CATEGORIES,
			pairs,
			liveStreams: live.length,
			cycles: CYCLES,
			categoryRequestsPerCycle: median(later.map((cycle) => cycle.category)),
			userRequestsPerCycle: median(later.map((cycle) => cycle.users)),
			unsharedRequestsPerCycle,
			firstCyclePosts: (byCycle[0]?.posts ?? 0) - summaries,
			firstCycleSummaries: summaries,
			laterPosts: later.reduce((sum, cycle) => sum + cycle.posts, 0),
			cycleWallMs: median(later.map((cycle) => cycle.wallMs)),
		};
	} finally {
		rest.clearHashSweeper();
		await twitch.close();
		await store.close();
		await twitchFake.close();
		await discord.close();
		rmSync(folder, { recursive: true, force: true });
	}
}
