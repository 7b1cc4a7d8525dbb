import { Agent, type Dispatcher } from 'undici';
import { type Clock, systemClock } from '../clock.ts';
import { HELIX_LIST_LIMIT, HelixBatcher } from './batcher.ts';
import type { TwitchClientOptions } from './client-options.ts';
import { EventSubApi } from './eventsub-api.ts';
import { chunk, HELIX_MAX_PAGES, HelixLists, indexBy } from './helix-lists.ts';
import { normalizeLogin } from './login.ts';
import { createTwitchMetrics, guardObserver, type TwitchMetrics } from './metrics.ts';
import { type HelixPriority, HelixRateLimiter } from './rate-limit.ts';
import { CACHE_TTL_MS, ResponseCache } from './response-cache.ts';
import {
	categorySearchSchema,
	channelSchema,
	channelSearchSchema,
	clipSchema,
	gameSchema,
	type TwitchCategory,
	type TwitchChannel,
	type TwitchChannelSearchResult,
	type TwitchClip,
	type TwitchGame,
	type TwitchStream,
	type TwitchUser,
	type TwitchVideo,
	userSchema,
	videoSchema,
} from './schemas.ts';
import { AppTokenProvider, type TokenValidation } from './token.ts';
import { type HelixRequestOptions, HelixTransport } from './transport.ts';

export { type TwitchClientOptions, twitchClientOptionsFrom } from './client-options.ts';

export interface TopStreamsQuery {
	gameId?: string | undefined;
	language?: string | undefined;
}

export type ClipPeriod = 'day' | 'week' | 'month' | 'all';

/** Which rate-limit lane a call waits in; see `HelixPriority`. */
export interface TwitchRequestOptions {
	priority?: HelixPriority;
}

/** Connections per host left to interactive requests: background ones may not fill the HTTP pool. */
const CONNECTIONS_KEPT_FOR_COMMANDS = 2;

const PERIOD_MS: Record<Exclude<ClipPeriod, 'all'>, number> = {
	day: 24 * 60 * 60_000,
	week: 7 * 24 * 60 * 60_000,
	month: 30 * 24 * 60 * 60_000,
};

/**
 * The one Helix client every command, the CLI and the notifier share: a cached app token, the rate-limit queue,
 * retries, zod-parsed camelCase results, lists split into requests of 100 with `first=100`, concurrent lookups
 * coalesced, and short-lived caching of what commands read.
 */
export class TwitchClient {
	readonly metrics: TwitchMetrics;
	readonly tokens: AppTokenProvider;
	/** EventSub conduits and subscriptions (background work in the same rate-limit queue). */
	readonly eventsub: EventSubApi;
	private readonly transport: HelixTransport;
	private readonly cache: ResponseCache | undefined;
	private readonly agent: Agent;
	private readonly clock: Clock;
	private readonly usersByLogin: HelixBatcher<TwitchUser>;
	private readonly usersById: HelixBatcher<TwitchUser>;
	private readonly streamsByUserId: HelixBatcher<TwitchStream>;
	private readonly streamsByLogin: HelixBatcher<TwitchStream>;
	private readonly lists: HelixLists;

	constructor(options: TwitchClientOptions) {
		this.clock = options.clock ?? systemClock;
		this.metrics = createTwitchMetrics();
		const connections = options.connections ?? 16;
		this.agent = new Agent({ connections, keepAliveTimeout: 30_000 });
		const dispatcher: Dispatcher = this.agent;
		const observer = guardObserver(options.observer, options.logger);
		this.tokens = new AppTokenProvider({
			clientId: options.clientId,
			clientSecret: options.clientSecret,
			authUrl: options.authUrl ?? 'https://id.twitch.tv/oauth2',
			store: options.store,
			clock: this.clock,
			logger: options.logger,
			metrics: this.metrics,
			observer,
			dispatcher,
			...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
			...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
		});
		this.transport = new HelixTransport({
			clientId: options.clientId,
			apiUrl: options.apiUrl ?? 'https://api.twitch.tv/helix',
			tokens: this.tokens,
			limiter: new HelixRateLimiter(this.clock, {
				maxBackgroundInFlight: Math.max(1, connections - CONNECTIONS_KEPT_FOR_COMMANDS),
			}),
			clock: this.clock,
			logger: options.logger,
			metrics: this.metrics,
			observer,
			dispatcher,
			...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
			...(options.attempts === undefined ? {} : { attempts: options.attempts }),
			...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
			...(options.maxRateLimitWaitMs === undefined ? {} : { maxRateLimitWaitMs: options.maxRateLimitWaitMs }),
		});
		this.eventsub = new EventSubApi(this.transport);
		this.lists = new HelixLists({ transport: this.transport, metrics: this.metrics, logger: options.logger });
		this.cache = options.cache === false ? undefined : new ResponseCache(this.metrics);
		const cache = this.cache;
		const onCoalesced = () => {
			this.metrics.coalesced++;
		};
		// Unknown users are remembered for less time than known ones: a new account may appear any moment.
		const users = cache && { cache, ttlMs: CACHE_TTL_MS.user, missingTtlMs: CACHE_TTL_MS.missingUser };
		const streams = cache && { cache, ttlMs: CACHE_TTL_MS.stream };
		this.usersByLogin = new HelixBatcher({
			fetchBatch: async (logins) => indexBy(await this.fetchUsers('login', logins), (u) => u.login.toLowerCase()),
			onCoalesced,
			cache: users,
		});
		this.usersById = new HelixBatcher({
			fetchBatch: async (ids) => indexBy(await this.fetchUsers('id', ids), (u) => u.id),
			onCoalesced,
			cache: users,
		});
		this.streamsByUserId = new HelixBatcher({
			fetchBatch: async (ids) => indexBy(await this.fetchStreamsOf({ user_id: ids }), (s) => s.userId),
			onCoalesced,
			cache: streams,
		});
		this.streamsByLogin = new HelixBatcher({
			fetchBatch: async (logins) =>
				indexBy(await this.fetchStreamsOf({ user_login: logins }), (s) => s.userLogin.toLowerCase()),
			onCoalesced,
			cache: streams,
		});
	}

	// ── Users ────────────────────────────────────────────────────────────────────────────────────────────────

	/** The user with this login (typed forms like `@Name` or a twitch.tv URL are accepted), or null if none. */
	async getUserByLogin(login: string): Promise<TwitchUser | null> {
		return (await this.usersByLogin.load(normalizeLogin(login))) ?? null;
	}

	/** Users for any number of logins (invalid ones throw InvalidLoginError before any request); unknown ones are absent. */
	async getUsersByLogins(logins: readonly string[]): Promise<TwitchUser[]> {
		// Every login is checked before any request is queued.
		return this.usersByLogin.loadMany(logins.map(normalizeLogin));
	}

	async getUserById(id: string): Promise<TwitchUser | null> {
		return (await this.usersById.load(id)) ?? null;
	}

	/** Users for any number of ids (requests of 100, coalesced with concurrent lookups); unknown ids are absent. */
	async getUsersByIds(ids: readonly string[]): Promise<TwitchUser[]> {
		return this.usersById.loadMany(ids);
	}

	// ── Streams ──────────────────────────────────────────────────────────────────────────────────────────────

	/** The live stream of this login, or null when offline. Cached briefly: for commands, not for the poller. */
	async getStreamByLogin(login: string): Promise<TwitchStream | null> {
		return (await this.streamsByLogin.load(normalizeLogin(login))) ?? null;
	}

	/**
	 * Live streams among any number of logins (offline ones are absent). Up to 100 go through the lookups of single
	 * logins (coalesced, cached briefly); more are a bulk read (`npm run twitch`): requests of 100 straight to Twitch,
	 * neither cached nor coalesced, because a map entry per login cost more than the requests (issue 10's benchmark).
	 */
	async getStreamsByLogins(logins: readonly string[]): Promise<TwitchStream[]> {
		const normalized = logins.map(normalizeLogin);
		if (normalized.length <= HELIX_LIST_LIMIT) return this.streamsByLogin.loadMany(normalized);
		const found = await Promise.all(
			chunk(normalized, HELIX_LIST_LIMIT).map((part) => this.fetchStreamsOf({ user_login: part })),
		);
		// A login given twice may be in two requests: each stream once (cheaper over 3,000 streams than 10,000 logins).
		const seen = new Set<string>();
		return found.flat().filter((stream) => !seen.has(stream.id) && Boolean(seen.add(stream.id)));
	}

	async getStreamByUserId(userId: string): Promise<TwitchStream | null> {
		return (await this.streamsByUserId.load(userId)) ?? null;
	}

	/**
	 * Live streams among any number of user ids, fresh from Twitch (no cache): what the notifier polls.
	 * ceil(N/100) requests, each with first=100 so that no live channel of a full batch is cut off.
	 * Background priority by default (the poller's calls wait behind commands); a command passes
	 * `{ priority: 'interactive' }`.
	 */
	async getLiveStreams(userIds: readonly string[], options: TwitchRequestOptions = {}): Promise<TwitchStream[]> {
		const unique = [...new Set(userIds)];
		const priority = options.priority ?? 'background';
		const found = await Promise.all(
			chunk(unique, HELIX_LIST_LIMIT).map((ids) => this.fetchStreamsOf({ user_id: ids }, { priority })),
		);
		return found.flat();
	}

	/** The most-watched live streams, overall or in one category and/or language (up to `count`, at most 100). */
	async getTopStreams(query: TopStreamsQuery, count = 100): Promise<TwitchStream[]> {
		const key = `top-streams:${query.gameId ?? ''}:${query.language ?? ''}`;
		const streams = await this.cached(key, CACHE_TTL_MS.topStreams, () =>
			this.lists.streams({ game_id: query.gameId, language: query.language }, 1, {}),
		);
		return streams.slice(0, count);
	}

	/**
	 * Live streams in one category (and language), most viewers first as Twitch sorts them, down to `minViewers`:
	 * pages of 100 are followed only while the last stream of a page still has that many, and at most `maxPages`
	 * (the budget of a category watch). Fresh from Twitch (the notifier polls it): never cached. `complete` is false
	 * when the page bound cut the list while streams over `minViewers` may remain.
	 */
	async getCategoryStreams(
		query: { gameId: string; language?: string | undefined; minViewers?: number | undefined; maxPages: number },
		options: TwitchRequestOptions = {},
	): Promise<{ streams: TwitchStream[]; complete: boolean; requests: number }> {
		const minViewers = query.minViewers ?? 0;
		const bound = Math.max(1, Math.min(query.maxPages, HELIX_MAX_PAGES));
		// Pages after which Twitch offered another that was worth asking for: as many as the bound means it cut the list.
		let followed = 0;
		const found = await this.lists.streams(
			{ game_id: query.gameId, language: query.language },
			query.maxPages,
			{ priority: options.priority ?? 'background' },
			(page) => {
				const last = page.at(-1);
				if (last !== undefined && last.stream.viewerCount < minViewers) return false;
				followed++;
				return true;
			},
		);
		return {
			streams: found.filter((stream) => stream.viewerCount >= minViewers),
			complete: followed < bound,
			// Pages asked for: the first, then one per page after which the next was worth asking for, up to the bound.
			requests: Math.min(followed + 1, bound),
		};
	}

	// ── Games ────────────────────────────────────────────────────────────────────────────────────────────────

	/** The current top categories (by viewers), up to `count` (pages are followed past 100, to HELIX_MAX_PAGES). */
	async getTopGames(count = 100): Promise<TwitchGame[]> {
		const pages = Math.ceil(Math.max(count, 1) / HELIX_LIST_LIMIT);
		const games = await this.cached(`top-games:${pages}`, CACHE_TTL_MS.topGames, () =>
			this.lists.pages('/games/top', {}, gameSchema, pages),
		);
		return games.slice(0, count);
	}

	/** A category by its exact name (case-insensitive on Twitch's side), or null. */
	async getGameByName(name: string): Promise<TwitchGame | null> {
		const trimmed = name.trim();
		if (!trimmed) return null;
		const games = await this.cached(`game:name:${trimmed.toLowerCase()}`, CACHE_TTL_MS.games, () =>
			this.lists.once('/games', { name: [trimmed] }, gameSchema),
		);
		return games[0] ?? null;
	}

	/** Categories by id (requests of 100). */
	async getGamesByIds(ids: readonly string[]): Promise<TwitchGame[]> {
		const unique = [...new Set(ids)];
		const found = await Promise.all(
			chunk(unique, HELIX_LIST_LIMIT).map((part) => this.lists.once('/games', { id: part }, gameSchema)),
		);
		return found.flat();
	}

	// ── Search, clips, videos, channels ──────────────────────────────────────────────────────────────────────

	/** Channels whose name matches `query`; `liveOnly` keeps live ones. Cached briefly (autocomplete repeats). */
	async searchChannels(
		query: string,
		options: { liveOnly?: boolean; count?: number } = {},
	): Promise<TwitchChannelSearchResult[]> {
		const trimmed = query.trim();
		if (!trimmed) return [];
		const liveOnly = options.liveOnly ?? false;
		const results = await this.cached(`search:${liveOnly}:${trimmed.toLowerCase()}`, CACHE_TTL_MS.search, () =>
			this.lists.pages('/search/channels', { query: trimmed, live_only: liveOnly }, channelSearchSchema, 1),
		);
		return results.slice(0, options.count ?? 100);
	}

	/** Categories whose name matches `query` (Search Categories), up to `count`. Cached briefly (autocomplete repeats). */
	async searchCategories(query: string, count = 100): Promise<TwitchCategory[]> {
		const trimmed = query.trim();
		if (!trimmed) return [];
		const results = await this.cached(`search-categories:${trimmed.toLowerCase()}`, CACHE_TTL_MS.search, () =>
			this.lists.pages('/search/categories', { query: trimmed }, categorySearchSchema, 1),
		);
		return results.slice(0, count);
	}

	/** The most-viewed clips of a broadcaster over a period (Twitch sorts clips by views). */
	async getTopClips(broadcasterId: string, period: ClipPeriod = 'week', count = 100): Promise<TwitchClip[]> {
		const now = this.clock.now();
		// Rounded to the minute so that the cache key (and Twitch's answer) stays stable between repeats.
		const endedAt = new Date(Math.floor(now / 60_000) * 60_000);
		const range =
			period === 'all'
				? {}
				: {
						started_at: new Date(endedAt.getTime() - PERIOD_MS[period]).toISOString(),
						ended_at: endedAt.toISOString(),
					};
		const clips = await this.cached(`clips:${broadcasterId}:${period}`, CACHE_TTL_MS.clips, () =>
			this.lists.pages('/clips', { broadcaster_id: broadcasterId, ...range }, clipSchema, 1),
		);
		return clips.slice(0, count);
	}

	/** A channel's videos, newest first (`type` archive = past broadcasts). */
	async getVideos(
		userId: string,
		type: 'all' | 'archive' | 'highlight' | 'upload' = 'archive',
	): Promise<TwitchVideo[]> {
		return this.cached(`videos:${userId}:${type}`, CACHE_TTL_MS.videos, () =>
			this.lists.pages('/videos', { user_id: userId, type }, videoSchema, 1),
		);
	}

	/**
	 * The past-broadcast VOD of one stream, or null (not archived, or VODs disabled). Never cached: a VOD appears late.
	 * Background priority by default: the announcer's end-of-stream lookups wait behind commands.
	 */
	async getArchiveForStream(
		userId: string,
		streamId: string,
		options: TwitchRequestOptions = {},
	): Promise<TwitchVideo | null> {
		const videos = await this.lists.pages('/videos', { user_id: userId, type: 'archive' }, videoSchema, 1, {
			priority: options.priority ?? 'background',
		});
		return videos.find((video) => video.streamId === streamId) ?? null;
	}

	/** Channel information (title, category, language) for any number of broadcaster ids. */
	async getChannels(broadcasterIds: readonly string[], options: { fresh?: boolean } = {}): Promise<TwitchChannel[]> {
		const unique = [...new Set(broadcasterIds)];
		const read = (ids: string[]) => this.lists.once('/channels', { broadcaster_id: ids }, channelSchema);
		const found = await Promise.all(
			chunk(unique, HELIX_LIST_LIMIT).map((ids) =>
				// fresh: a go-live wants the title set a moment ago, not a cached one.
				options.fresh ? read(ids) : this.cached(`channels:${ids.join(',')}`, CACHE_TTL_MS.channels, () => read(ids)),
			),
		);
		return found.flat();
	}

	// ── Token ────────────────────────────────────────────────────────────────────────────────────────────────

	/** Validates the app token now (GET /oauth2/validate); a bad or foreign token is replaced. */
	validateToken(): Promise<TokenValidation> {
		return this.tokens.validate();
	}

	/** Stops the hourly validation and closes the HTTP connections. */
	async close(): Promise<void> {
		this.tokens.stop();
		if (this.agent.closed || this.agent.destroyed) return;
		await this.agent.close();
	}

	// ── Internals ────────────────────────────────────────────────────────────────────────────────────────────

	private async cached<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
		return this.cache ? this.cache.getOrLoad(key, ttlMs, load) : load();
	}

	private fetchUsers(by: 'id' | 'login', keys: string[]): Promise<TwitchUser[]> {
		return this.lists.once('/users', { [by]: keys }, userSchema);
	}

	/**
	 * Get Streams for a list of ids or logins. With first=100 every live channel of up to 100 fits on one page, so
	 * ceil(keys/100) pages is all an honest answer needs: a cursor beyond that is not followed.
	 */
	private fetchStreamsOf(
		query: { user_id: string[] } | { user_login: string[] },
		options: HelixRequestOptions = {},
	): Promise<TwitchStream[]> {
		const keys = 'user_id' in query ? query.user_id : query.user_login;
		return this.lists.streams(query, Math.ceil(keys.length / HELIX_LIST_LIMIT), options);
	}
}
