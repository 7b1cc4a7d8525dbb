/**
 * A notifier world for tests: the fake Twitch, the fake Discord, a SQLite store in a temporary folder, a clock
 * the test moves, and notifiers that can be "restarted" (new instances over the same store, like a new process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REST } from 'discord.js';
import { afterEach, beforeEach } from 'vitest';
import { createSilentLogger } from '../../src/logger.ts';
import { notifierRestOptions } from '../../src/notify/discord-messages.ts';
import { createNotifier, type Notifier, type NotifierOptions } from '../../src/notify/notifier.ts';
import { AnnouncementRepository } from '../../src/store/announcement-repository.ts';
import { CategoryMatchRepository } from '../../src/store/category-match-repository.ts';
import { CategoryWatchRepository } from '../../src/store/category-watch-repository.ts';
import { DeliveryStatusRepository } from '../../src/store/delivery-status-repository.ts';
import { GuildSettingsRepository } from '../../src/store/guild-settings-repository.ts';
import { openStore, type Store } from '../../src/store/keyv.ts';
import type { TargetStatus, Watch } from '../../src/store/records.ts';
import type { Repositories } from '../../src/store/repositories.ts';
import { StreamStateRepository } from '../../src/store/stream-state-repository.ts';
import { ViewerSampleRepository } from '../../src/store/viewer-sample-repository.ts';
import { WatchRepository } from '../../src/store/watch-repository.ts';
import { TwitchClient } from '../../src/twitch/client.ts';
import { announcementRenderer } from '../../src/views/announcement.ts';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord/index.ts';
import { type FakeTwitch, type FakeTwitchOptions, startFakeTwitch } from '../fakes/twitch/index.ts';
import { ManualClock } from './clock.ts';

export type { Repositories };

/** Test tuning: the real defaults are minutes; tests move the clock instead of sleeping. */
export const GRACE_MS = 3 * 60_000;
export const POLL_SECONDS = 60;

export interface NotifierWorld {
	clock: ManualClock;
	twitchFake: FakeTwitch;
	discord: FakeDiscord;
	store: Store;
	twitch: TwitchClient;
	rest: REST;
	/** The repositories of the current "process". */
	repos: Repositories;
	/** The notifier of the current "process". */
	notifier: Notifier;
	/** Simulates a restart: new repositories and a new notifier over the same store (the old ones are dropped). */
	restart(overrides?: Partial<NotifierOptions>): Promise<Notifier>;
	/** A notifier of a new "process" without replacing `notifier` (for crash tests). */
	newNotifier(overrides?: Partial<NotifierOptions>): Notifier;
	/** A Twitch user, a guild with a channel, and that guild's watch of the user. */
	watch(
		login: string,
		options?: { guildId?: string; channelId?: string | null; roleId?: string | null; template?: string | null },
	): Promise<{ userId: string; guildId: string; channelId: string | null }>;
	/** A guild with one text channel. */
	guildWithChannel(name?: string): { guildId: string; channelId: string };
	/** A Twitch user (returns the id). */
	user(login: string): string;
	/** How delivery to a watch's target went, as the current "process" recorded it. */
	delivery(guildId: string, twitchUserId: string): Promise<TargetStatus>;
	/** Runs one notifier cycle (and its Discord work), `POLL_SECONDS` after the previous one. */
	cycle(): ReturnType<Notifier['runCycle']>;
	close(): Promise<void>;
}

export interface WorldStoreOptions {
	/** Another store than the world's own SQLite file (e.g. a throwaway PostgreSQL or Redis). */
	storageUrl?: string;
	/** Every notifier of the world runs EventSub against the fake's WebSocket (fast reconnects). */
	eventsub?: boolean;
	/** Options of the fake Twitch (EventSub timings, budget, Get Streams lag…). */
	twitchOptions?: Omit<FakeTwitchOptions, 'now'>;
	/** The store's deadline per call (ms). */
	storeDeadlineMs?: number;
}

export async function startNotifierWorld(
	overrides: Partial<NotifierOptions> = {},
	storeOptions: WorldStoreOptions = {},
): Promise<NotifierWorld> {
	const clock = new ManualClock();
	const twitchFake = await startFakeTwitch({ ...storeOptions.twitchOptions, now: () => clock.now() });
	const discord = await startFakeDiscord({ now: () => clock.now() });
	const folder = mkdtempSync(join(tmpdir(), 'notify-test-'));
	const store = await openStore(storeOptions.storageUrl ?? `sqlite://${join(folder, 'bot.sqlite')}`, {
		namespace: `notify-${folder.slice(-6)}`,
		...(storeOptions.storeDeadlineMs === undefined ? {} : { deadlineMs: storeOptions.storeDeadlineMs }),
	});
	const logger = createSilentLogger();
	const twitch = new TwitchClient({
		clientId: twitchFake.clientId,
		clientSecret: twitchFake.clientSecret,
		apiUrl: twitchFake.helixUrl,
		authUrl: twitchFake.authUrl,
		logger,
		cache: false,
		attempts: 1,
		retryBaseMs: 1,
	});
	// The notifier's own REST settings (deadlines, long rate limits rejected), as the bot makes them.
	const rest = new REST(notifierRestOptions(discord.apiUrl)).setToken(discord.botToken);
	let guildCounter = 0;

	const makeRepositories = (): Repositories => {
		const watches = new WatchRepository(store);
		return {
			deliveryStatus: new DeliveryStatusRepository(store),
			watches,
			categoryWatches: new CategoryWatchRepository(store, { feed: watches }),
			streamStates: new StreamStateRepository(store),
			announcements: new AnnouncementRepository(store),
			guildSettings: new GuildSettingsRepository(store),
			viewerSamples: new ViewerSampleRepository(store),
			categoryMatches: new CategoryMatchRepository(store),
		};
	};
	const makeNotifier = (repos: Repositories, extra: Partial<NotifierOptions>): Notifier =>
		createNotifier({
			twitch,
			repositories: repos,
			rest,
			renderer: announcementRenderer,
			logger,
			clock,
			config: { pollIntervalSeconds: POLL_SECONDS },
			graceMs: GRACE_MS,
			...(storeOptions.eventsub
				? {
						eventsub: {
							url: twitchFake.eventsubWsUrl,
							store,
							twitch,
							backoff: { baseMs: 20, maxMs: 200 },
							keepaliveMarginMs: 2_000,
						},
					}
				: {}),
			...overrides,
			...extra,
		});

	const world: NotifierWorld = {
		clock,
		twitchFake,
		discord,
		store,
		twitch,
		rest,
		repos: makeRepositories(),
		notifier: undefined as unknown as Notifier,
		async restart(extra = {}) {
			world.repos = makeRepositories();
			world.notifier = makeNotifier(world.repos, extra);
			await world.notifier.prepare();
			return world.notifier;
		},
		newNotifier(extra = {}) {
			return makeNotifier(makeRepositories(), extra);
		},
		guildWithChannel(name = `guild ${++guildCounter}`) {
			const guild = discord.addGuild({ name });
			const channel = discord.addChannel(guild.id, { name: 'live-now' });
			return { guildId: guild.id, channelId: channel.id };
		},
		user(login) {
			return twitchFake.getUser(login)?.id ?? twitchFake.addUser({ login }).id;
		},
		async watch(login, options = {}) {
			const userId = world.user(login);
			const raw = twitchFake.getUser(userId);
			let guildId = options.guildId;
			let channelId = options.channelId === undefined ? null : options.channelId;
			if (!guildId) {
				const created = world.guildWithChannel();
				guildId = created.guildId;
				if (options.channelId === undefined) channelId = created.channelId;
			}
			const record: Watch = {
				version: 1,
				guildId,
				twitchUserId: userId,
				login: raw?.login ?? login,
				displayName: raw?.display_name ?? login,
				channelId,
				roleId: options.roleId ?? null,
				template: options.template ?? null,
				createdAt: clock.now(),
				createdBy: '100000000000000001',
			};
			const added = await world.repos.watches.add(record, 1000);
			if (!added.ok) throw new Error(`could not add the watch: ${added.reason}`);
			return { userId, guildId, channelId };
		},
		delivery(guildId, twitchUserId) {
			return world.repos.deliveryStatus.get({ guildId, twitchUserId });
		},
		async cycle() {
			clock.advance(POLL_SECONDS * 1000);
			return world.notifier.runCycle();
		},
		async close() {
			await world.notifier.stop().catch(() => {});
			rest.clearHashSweeper();
			rest.clearHandlerSweeper();
			await twitch.close();
			await store.close();
			await discord.close();
			await twitchFake.close();
			rmSync(folder, { recursive: true, force: true });
		},
	};
	world.notifier = makeNotifier(world.repos, {});
	return world;
}

/** Waits (in real time, briefly) until `check` holds. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error('condition not reached in time');
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

/**
 * A fresh world for every test of the file (started before each, closed after each), handed to `use` so that the
 * test file can keep it in a variable of its own.
 */
export function useNotifierWorld(
	use: (world: NotifierWorld) => void,
	overrides: Partial<NotifierOptions> = {},
	storeOptions: WorldStoreOptions = {},
): void {
	let current: NotifierWorld | undefined;
	beforeEach(async () => {
		current = await startNotifierWorld(overrides, storeOptions);
		use(current);
	});
	afterEach(async () => {
		await current?.close();
		current = undefined;
	});
}

/** The current (not deleted) messages of a watch's channel. */
export function postsIn(world: NotifierWorld, channelId: string | null) {
	if (channelId === null) throw new Error('the watch has no channel');
	return world.discord.channelMessages(channelId);
}

/** Cycles until the grace period has passed for a stream that stopped (missing at the first, ended at the 4th). */
export async function cyclesPastGrace(world: NotifierWorld): Promise<void> {
	for (let i = 0; i < 4; i++) await world.cycle();
}

/**
 * A "process" that records its intent for the live streams of the next cycle and dies while the create is in
 * flight: nothing reaches Discord, and the store holds one unfinished announcement.
 */
export async function crashBeforePosting(world: NotifierWorld): Promise<void> {
	const neverAnswers = { post: () => new Promise(() => {}) } as unknown as REST;
	const crashing = world.newNotifier({ rest: neverAnswers });
	await crashing.prepare();
	world.clock.advance(60_000);
	await crashing.poller.runCycle();
	await waitUntil(async () => (await new AnnouncementRepository(world.store).listUnfinished()).length === 1);
}
