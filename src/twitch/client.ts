import type { Keyv } from 'keyv';
import { Agent, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { type Clock, systemClock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createHelixLoader, HELIX_LIST_LIMIT, type HelixLoader, loadFound } from './batcher.ts';
import { normalizeLogin } from './login.ts';
import { createTwitchMetrics, type TwitchMetrics } from './metrics.ts';
import { type HelixPriority, HelixRateLimiter } from './rate-limit.ts';
import { CACHE_TTL_MS, ResponseCache } from './response-cache.ts';
import {
	channelSchema,
	channelSearchSchema,
	clipSchema,
	gameSchema,
	streamItemSchema,
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
import { type HelixRequestOptions, HelixTransport, type Query } from './transport.ts';

export interface TwitchClientOptions {
	clientId: string;
	clientSecret: string;
	/** Default https://api.twitch.tv/helix */
	apiUrl?: string;
	/** Default https://id.twitch.tv/oauth2 */
	authUrl?: string;
	/** Persistent store for the app token (a restart reuses it). */
	store?: Keyv | undefined;
	logger: Logger;
	clock?: Clock;
	/** Per-attempt HTTP timeout (default 10 s). */
	timeoutMs?: number;
	/** Attempts for transient failures (default 3). */
	attempts?: number;
	/** Backoff base in ms (default 250); tests make it small. */
	retryBaseMs?: number;
	/** The longest a 429 may hold one request (default 30 s). */
	maxRateLimitWaitMs?: number;
	/** Connections kept open to each Twitch host (default 16). */
	connections?: number;
	/** Bypass and disable the response cache (the benchmark's uncached scenarios). */
	cache?: boolean;
}

/** The client's settings as the bot's Config names them: every tool (bot, CLI, doctor) builds it the same way. */
export function twitchClientOptionsFrom(
	config: Pick<Config, 'twitchClientId' | 'twitchClientSecret' | 'twitchApiUrl' | 'twitchAuthUrl' | 'httpTimeoutMs'>,
): Pick<TwitchClientOptions, 'clientId' | 'clientSecret' | 'apiUrl' | 'authUrl' | 'timeoutMs'> {
	return {
		clientId: config.twitchClientId,
		clientSecret: config.twitchClientSecret,
		apiUrl: config.twitchApiUrl,
		authUrl: config.twitchAuthUrl,
		timeoutMs: config.httpTimeoutMs,
	};
}

export interface TopStreamsQuery {
	gameId?: string | undefined;
	language?: string | undefined;
}

export type ClipPeriod = 'day' | 'week' | 'month' | 'all';

/** Which rate-limit lane a call waits in; see `HelixPriority`. */
export interface TwitchRequestOptions {
	priority?: HelixPriority;
}

/**
 * The most pages any one call follows (1,000 items at first=100): Twitch has answered with a cursor on every page,
 * and a call must end whatever it sends.
 */
export const HELIX_MAX_PAGES = 10;

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
	private readonly transport: HelixTransport;
	private readonly cache: ResponseCache | undefined;
	private readonly agent: Agent;
	private readonly clock: Clock;
	private readonly usersByLogin: HelixLoader<TwitchUser>;
	private readonly usersById: HelixLoader<TwitchUser>;
	private readonly streamsByUserId: HelixLoader<TwitchStream>;
	private readonly streamsByLogin: HelixLoader<TwitchStream>;
	private readonly logger: Logger;
	/** Endpoints whose page bound was already reported at warn level. */
	private readonly pageLimitWarned = new Set<string>();

	constructor(options: TwitchClientOptions) {
		this.clock = options.clock ?? systemClock;
		this.logger = options.logger;
		this.metrics = createTwitchMetrics();
		const connections = options.connections ?? 16;
		this.agent = new Agent({ connections, keepAliveTimeout: 30_000 });
		const dispatcher: Dispatcher = this.agent;
		this.tokens = new AppTokenProvider({
			clientId: options.clientId,
			clientSecret: options.clientSecret,
			authUrl: options.authUrl ?? 'https://id.twitch.tv/oauth2',
			store: options.store,
			clock: this.clock,
			logger: options.logger,
			metrics: this.metrics,
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
			dispatcher,
			...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
			...(options.attempts === undefined ? {} : { attempts: options.attempts }),
			...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
			...(options.maxRateLimitWaitMs === undefined ? {} : { maxRateLimitWaitMs: options.maxRateLimitWaitMs }),
		});
		this.cache = options.cache === false ? undefined : new ResponseCache(this.metrics);
		const coalesced = () => {
			this.metrics.coalesced++;
		};
		this.usersByLogin = createHelixLoader(
			(logins) => this.fetchUsers('login', logins).then((users) => indexBy(users, (u) => u.login.toLowerCase())),
			coalesced,
		);
		this.usersById = createHelixLoader(
			(ids) => this.fetchUsers('id', ids).then((users) => indexBy(users, (u) => u.id)),
			coalesced,
		);
		this.streamsByUserId = createHelixLoader(
			(ids) => this.fetchStreamsOf({ user_id: ids }).then((streams) => indexBy(streams, (s) => s.userId)),
			coalesced,
		);
		this.streamsByLogin = createHelixLoader(
			(logins) =>
				this.fetchStreamsOf({ user_login: logins }).then((streams) =>
					indexBy(streams, (s) => s.userLogin.toLowerCase()),
				),
			coalesced,
		);
	}

	// ── Users ────────────────────────────────────────────────────────────────────────────────────────────────

	/** The user with this login (typed forms like `@Name` or a twitch.tv URL are accepted), or null if none. */
	async getUserByLogin(login: string): Promise<TwitchUser | null> {
		const [user] = await this.getUsersByLogins([login]);
		return user ?? null;
	}

	/** Users for any number of logins (invalid ones throw InvalidLoginError before any request); unknown ones are absent. */
	async getUsersByLogins(logins: readonly string[]): Promise<TwitchUser[]> {
		const normalized = [...new Set(logins.map(normalizeLogin))];
		return this.cachedLookup(normalized, 'user:login:', CACHE_TTL_MS.user, this.usersByLogin);
	}

	async getUserById(id: string): Promise<TwitchUser | null> {
		const [user] = await this.getUsersByIds([id]);
		return user ?? null;
	}

	/** Users for any number of ids (requests of 100, coalesced with concurrent lookups); unknown ids are absent. */
	async getUsersByIds(ids: readonly string[]): Promise<TwitchUser[]> {
		return this.cachedLookup([...new Set(ids)], 'user:id:', CACHE_TTL_MS.user, this.usersById);
	}

	// ── Streams ──────────────────────────────────────────────────────────────────────────────────────────────

	/** The live stream of this login, or null when offline. Cached briefly: for commands, not for the poller. */
	async getStreamByLogin(login: string): Promise<TwitchStream | null> {
		const [stream] = await this.getStreamsByLogins([login]);
		return stream ?? null;
	}

	/** Live streams among any number of logins (offline ones are absent). Cached briefly. */
	async getStreamsByLogins(logins: readonly string[]): Promise<TwitchStream[]> {
		const normalized = [...new Set(logins.map(normalizeLogin))];
		return this.cachedLookup(normalized, 'stream:login:', CACHE_TTL_MS.stream, this.streamsByLogin);
	}

	async getStreamByUserId(userId: string): Promise<TwitchStream | null> {
		const [stream] = await this.cachedLookup([userId], 'stream:id:', CACHE_TTL_MS.stream, this.streamsByUserId);
		return stream ?? null;
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
			this.fetchStreams({ game_id: query.gameId, language: query.language }, 1, {}),
		);
		return streams.slice(0, count);
	}

	// ── Games ────────────────────────────────────────────────────────────────────────────────────────────────

	/** The current top categories (by viewers), up to `count` (pages are followed past 100, to HELIX_MAX_PAGES). */
	async getTopGames(count = 100): Promise<TwitchGame[]> {
		const pages = Math.ceil(Math.max(count, 1) / HELIX_LIST_LIMIT);
		const games = await this.cached(`top-games:${pages}`, CACHE_TTL_MS.topGames, () =>
			this.fetchPages('/games/top', {}, gameSchema, pages),
		);
		return games.slice(0, count);
	}

	/** A category by its exact name (case-insensitive on Twitch's side), or null. */
	async getGameByName(name: string): Promise<TwitchGame | null> {
		const trimmed = name.trim();
		if (!trimmed) return null;
		const games = await this.cached(`game:name:${trimmed.toLowerCase()}`, CACHE_TTL_MS.games, () =>
			this.fetchOnce('/games', { name: [trimmed] }, gameSchema),
		);
		return games[0] ?? null;
	}

	/** Categories by id (requests of 100). */
	async getGamesByIds(ids: readonly string[]): Promise<TwitchGame[]> {
		const unique = [...new Set(ids)];
		const found = await Promise.all(
			chunk(unique, HELIX_LIST_LIMIT).map((part) => this.fetchOnce('/games', { id: part }, gameSchema)),
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
			this.fetchPages('/search/channels', { query: trimmed, live_only: liveOnly }, channelSearchSchema, 1),
		);
		return results.slice(0, options.count ?? 100);
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
			this.fetchPages('/clips', { broadcaster_id: broadcasterId, ...range }, clipSchema, 1),
		);
		return clips.slice(0, count);
	}

	/** A channel's videos, newest first (`type` archive = past broadcasts). */
	async getVideos(
		userId: string,
		type: 'all' | 'archive' | 'highlight' | 'upload' = 'archive',
	): Promise<TwitchVideo[]> {
		return this.cached(`videos:${userId}:${type}`, CACHE_TTL_MS.videos, () =>
			this.fetchPages('/videos', { user_id: userId, type }, videoSchema, 1),
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
		const videos = await this.fetchPages('/videos', { user_id: userId, type: 'archive' }, videoSchema, 1, {
			priority: options.priority ?? 'background',
		});
		return videos.find((video) => video.streamId === streamId) ?? null;
	}

	/** Channel information (title, category, language) for any number of broadcaster ids. */
	async getChannels(broadcasterIds: readonly string[]): Promise<TwitchChannel[]> {
		const unique = [...new Set(broadcasterIds)];
		const found = await Promise.all(
			chunk(unique, HELIX_LIST_LIMIT).map((ids) =>
				this.cached(`channels:${ids.join(',')}`, CACHE_TTL_MS.channels, () =>
					this.fetchOnce('/channels', { broadcaster_id: ids }, channelSchema),
				),
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

	/** Serves keys from the cache, fetches the rest through the loader, and remembers both hits and misses. */
	private async cachedLookup<V>(keys: string[], prefix: string, ttlMs: number, loader: HelixLoader<V>): Promise<V[]> {
		if (!this.cache) {
			const found = await loadFound(loader, keys);
			return keys.flatMap((key) => found.get(key) ?? []);
		}
		const cached = await this.cache.getMany<V | null>(keys.map((key) => prefix + key));
		const missing = keys.filter((key) => !cached.has(prefix + key));
		const fetched = await loadFound(loader, missing);
		const found: Array<[string, V]> = [];
		const absent: Array<[string, null]> = [];
		for (const key of missing) {
			const value = fetched.get(key);
			if (value === undefined) absent.push([prefix + key, null]);
			else found.push([prefix + key, value]);
		}
		// Unknown users are remembered for less time than known ones: a new account may appear any moment.
		await this.cache.setMany(found, ttlMs);
		await this.cache.setMany(absent, prefix.startsWith('user:') ? CACHE_TTL_MS.missingUser : ttlMs);
		return keys.flatMap((key) => {
			const value = cached.has(prefix + key) ? cached.get(prefix + key) : fetched.get(key);
			return value == null ? [] : [value];
		});
	}

	private fetchUsers(by: 'id' | 'login', keys: string[]): Promise<TwitchUser[]> {
		return this.fetchOnce('/users', { [by]: keys }, userSchema);
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
		return this.fetchStreams(query, Math.ceil(keys.length / HELIX_LIST_LIMIT), options);
	}

	/**
	 * Get Streams with first=100, following cursors (to `maxPages`), dropping repeats Twitch may send across pages
	 * and streams Twitch does not call live (`type` "" on an error: not announced, not shown as live).
	 */
	private async fetchStreams(query: Query, maxPages: number, options: HelixRequestOptions): Promise<TwitchStream[]> {
		const items = await this.fetchPages('/streams', query, streamItemSchema, maxPages, options);
		const seen = new Set<string>();
		const streams: TwitchStream[] = [];
		for (const { live, stream } of items) {
			if (!live) {
				this.metrics.notLiveStreams++;
				this.logger.warn(
					{ path: '/streams', id: stream.id, userId: stream.userId },
					'Twitch listed a stream whose type is not "live"; not treating it as live',
				);
				continue;
			}
			if (seen.has(stream.id)) continue;
			seen.add(stream.id);
			streams.push(stream);
		}
		return streams;
	}

	/** GETs an endpoint that takes no `first` (users, games, channels: the ids asked for are the page). */
	private async fetchOnce<S extends z.ZodType>(path: string, query: Query, item: S): Promise<Array<z.output<S>>> {
		const page = await this.transport.getList(path, query, item);
		return page.data;
	}

	/**
	 * GETs a list endpoint with first=100 and follows `pagination.cursor` for up to `maxPages` pages, never more than
	 * HELIX_MAX_PAGES. Stopping at the bound with a cursor still offered is counted and logged (warn once per path).
	 */
	private async fetchPages<S extends z.ZodType>(
		path: string,
		query: Query,
		item: S,
		maxPages: number,
		options: HelixRequestOptions = {},
	): Promise<Array<z.output<S>>> {
		const bound = Math.max(1, Math.min(maxPages, HELIX_MAX_PAGES));
		const items: Array<z.output<S>> = [];
		let after: string | undefined;
		for (let page = 0; page < bound; page++) {
			// first=100 everywhere: Twitch's default of 20 silently drops live channels from a batch of 100 ids.
			const response = await this.transport.getList(path, { ...query, first: 100, after }, item, options);
			items.push(...response.data);
			after = response.cursor;
			if (!after || response.data.length === 0) return items;
		}
		this.metrics.pageLimitHits++;
		const details = { path, pages: bound };
		const message = 'Twitch still offered a next page at the page bound of this call; not following it';
		if (this.pageLimitWarned.has(path)) this.logger.debug(details, message);
		else {
			this.pageLimitWarned.add(path);
			this.logger.warn(details, `${message} (logged once per endpoint, then at debug level)`);
		}
		return items;
	}
}

function indexBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T> {
	return new Map(items.map((item) => [keyOf(item), item]));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
	const chunks: T[][] = [];
	for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
	return chunks;
}
