/**
 * Twitch-shaped records served by the fake, with exactly Twitch's JSON field names (snake_case), and the fake's own
 * option, fault and handle types.
 */
import type { FakeEventSub, FakeEventSubOptions } from './eventsub-types.ts';

/** A Get Users item. */
export interface RawUser {
	id: string;
	login: string;
	display_name: string;
	/** '', 'admin', 'global_mod' or 'staff'. */
	type: string;
	/** '', 'affiliate' or 'partner'. */
	broadcaster_type: string;
	description: string;
	profile_image_url: string;
	offline_image_url: string;
	/** Deprecated by Twitch (frozen), still sent. */
	view_count: number;
	created_at: string;
}

/** A Get Streams item: only live channels have one. */
export interface RawStream {
	id: string;
	user_id: string;
	user_login: string;
	user_name: string;
	/** '' when the channel has no category. */
	game_id: string;
	game_name: string;
	/** 'live', or '' on error (Twitch's words). */
	type: string;
	title: string;
	tags: string[];
	viewer_count: number;
	started_at: string;
	language: string;
	/** Template with {width} and {height}. */
	thumbnail_url: string;
	/** Deprecated by Twitch: always empty. */
	tag_ids: string[];
	is_mature: boolean;
}

/** A Get Games / Get Top Games item. */
export interface RawGame {
	id: string;
	name: string;
	/** Template with {width} and {height}. */
	box_art_url: string;
	igdb_id: string;
}

/** A Search Categories item. */
export interface RawSearchCategory {
	/** Already sized (52x72), unlike Get Games' template. */
	box_art_url: string;
	name: string;
	id: string;
}

/** A Get Clips item. */
export interface RawClip {
	/** A slug, not a number (e.g. 'AwkwardHelplessSalamanderSwiftRage'). */
	id: string;
	url: string;
	embed_url: string;
	broadcaster_id: string;
	broadcaster_name: string;
	creator_id: string;
	creator_name: string;
	/** '' when the VOD is gone. */
	video_id: string;
	game_id: string;
	language: string;
	title: string;
	view_count: number;
	created_at: string;
	thumbnail_url: string;
	/** Seconds, with a fraction. */
	duration: number;
	vod_offset: number | null;
	is_featured: boolean;
}

/** A Get Videos item. */
export interface RawVideo {
	id: string;
	/** The stream an archive (VOD) was recorded from; null for highlights and uploads. */
	stream_id: string | null;
	user_id: string;
	user_login: string;
	user_name: string;
	title: string;
	description: string;
	created_at: string;
	published_at: string;
	url: string;
	/** Template with %{width} and %{height} (Twitch uses the percent form here). */
	thumbnail_url: string;
	viewable: string;
	view_count: number;
	language: string;
	type: 'archive' | 'highlight' | 'upload';
	/** Twitch's duration format, e.g. '3h8m33s'. */
	duration: string;
	muted_segments: Array<{ duration: number; offset: number }> | null;
}

/** A Get Channel Information item. */
export interface RawChannel {
	broadcaster_id: string;
	broadcaster_login: string;
	broadcaster_name: string;
	broadcaster_language: string;
	game_id: string;
	game_name: string;
	title: string;
	delay: number;
	tags: string[];
	content_classification_labels: string[];
	is_branded_content: boolean;
}

/** A Search Channels item. */
export interface RawSearchChannel {
	broadcaster_language: string;
	broadcaster_login: string;
	display_name: string;
	game_id: string;
	game_name: string;
	id: string;
	is_live: boolean;
	tag_ids: string[];
	tags: string[];
	thumbnail_url: string;
	title: string;
	/** '' when the channel is offline. */
	started_at: string;
}

/** Channel settings kept per user; the broadcaster_* identity fields come from the user record. */
export type ChannelSettings = Omit<RawChannel, 'broadcaster_id' | 'broadcaster_login' | 'broadcaster_name'>;

/** A Twitch application (client) registered with the fake. */
export interface FakeClientOptions {
	/** Default: 30 random lowercase letters and digits, like Twitch's. */
	clientId?: string;
	/** Default: random. */
	clientSecret?: string;
	/** 'public' → the app has no secret, so client-credentials requests fail like Twitch's do. Default 'confidential'. */
	clientType?: 'confidential' | 'public';
}

export interface FakeTwitchOptions extends FakeEventSubOptions {
	/** Default 'fake-client-id'. */
	clientId?: string;
	/** Default 'fake-client-secret'. */
	clientSecret?: string;
	/** 'public' → the app has no secret, so client-credentials requests fail like Twitch's do. Default 'confidential'. */
	clientType?: 'confidential' | 'public';
	/** expires_in of minted tokens, in seconds. Default 5011271 (about two months, as Twitch answers). */
	tokenTtlSeconds?: number;
	/** Helix token bucket per client id. Default limit 800, refill 800 per minute. */
	rateLimit?: { limit?: number; refillPerSecond?: number };
	/** Milliseconds clock. Default Date.now. */
	now?: () => number;
	/**
	 * Get Streams leaves out a stream until this many ms (of `now`) after `goLive`, as real Twitch's Get Streams lags
	 * behind stream.online; Get Channel Information has the title and category at once. Default 0.
	 */
	streamsLagMs?: number;
}

/** A fault served instead of (or, for 'delay', before) the normal answer of one route. */
export type FakeFault =
	/** That status with a Twitch-style JSON error body, or `body` verbatim when given. */
	| { kind: 'status'; status: number; body?: string }
	/** 502 with an HTML page (text/html), as Twitch's edge sends. */
	| { kind: 'html502' }
	/** Answer normally, but only after `ms`. */
	| { kind: 'delay'; ms: number }
	/** Destroy the socket without answering. */
	| { kind: 'drop' }
	/** 200 application/json whose body is truncated JSON. */
	| { kind: 'malformed' }
	/** 429 with Ratelimit-Remaining 0 and Ratelimit-Reset = now + resetInSeconds (Unix seconds). */
	| { kind: 'rateLimited'; resetInSeconds: number }
	/** 200 valid JSON whose "data" is not an array. */
	| { kind: 'invalidShape' }
	/**
	 * Answer normally, but overwrite `fields` (any JSON, e.g. null or a wrong type; undefined removes the field) in
	 * the list items whose fields equal every value of `where` (all items when absent): one bad item among good ones,
	 * as when Twitch sent a stream with `started_at: null`.
	 */
	| { kind: 'malformedItem'; fields: Record<string, unknown>; where?: Record<string, string> }
	/** Answer as if `after` were absent, always with a new `pagination.cursor`: a Twitch that never says "last page". */
	| { kind: 'endlessCursor' }
	/** Answer normally, but send the body a byte at a time spread over `ms` (headers at once): idle timeouts never fire. */
	| { kind: 'trickle'; ms: number };

/** The faults that change the normal answer instead of replacing it. */
export type AnswerFault = Extract<FakeFault, { kind: 'malformedItem' | 'endlessCursor' | 'trickle' }>;

/** An app access token the fake has issued. */
export interface FakeTokenRecord {
	clientId: string;
	/** ms */
	issuedAt: number;
	/** ms */
	expiresAt: number;
}

export interface FakeTwitchStats {
	/** Every request, whatever its route or answer. */
	total: number;
	/** Requests per path, e.g. '/helix/users'. */
	byRoute: Record<string, number>;
	/** Successful POST /oauth2/token. */
	mints: number;
	/** GET /oauth2/validate, successful or not. */
	validations: number;
	/** 429 answers, from the bucket or from a fault. */
	status429: number;
}

export interface FakeRequestLogEntry {
	method: string;
	/** The path, e.g. '/helix/streams'. */
	route: string;
	query: URLSearchParams;
	headers: Record<string, string | string[] | undefined>;
	/** ms, from the fake's clock, when the request arrived. */
	at: number;
	/** The status answered; 0 while unanswered or when the connection was dropped. */
	status: number;
}

export interface RateLimitSettings {
	limit?: number;
	/** Set the points left now (e.g. 0 to drain the bucket in a test). */
	remaining?: number;
	refillPerSecond?: number;
}

export interface SeedBulkOptions {
	users: number;
	/** Share of the seeded users that go live, 0–1. Default 0.1. */
	liveFraction?: number;
	/** Games created and spread over the live streams. Default 20. */
	games?: number;
	/** Logins are `${loginPrefix}${n}`. Default 'bulkuser'. */
	loginPrefix?: string;
}

export interface FakeTwitch {
	/** 'http://127.0.0.1:PORT' */
	readonly origin: string;
	/** origin + '/helix' */
	readonly helixUrl: string;
	/** origin + '/oauth2' */
	readonly authUrl: string;
	readonly clientId: string;
	readonly clientSecret: string;
	/** 'ws://127.0.0.1:PORT/ws': the EventSub WebSocket (wss://eventsub.wss.twitch.tv/ws on Twitch). */
	readonly eventsubWsUrl: string;
	/** EventSub over conduits (routes under /helix/eventsub/ and the WebSocket): observation and faults. */
	readonly eventsub: FakeEventSub;

	/** Stores a user (login lowercased; display_name defaults to the login as given). */
	addUser(user: Partial<RawUser> & { login: string }): RawUser;
	/** Changes a user's login and display name, and their live stream's user_login/user_name. */
	renameUser(userId: string, newLogin: string): void;
	addGame(game: Partial<RawGame> & { name: string }): RawGame;
	/**
	 * Starts (or restarts, with a new stream id) a user's stream; the channel's title and game follow it. EventSub
	 * sends stream.online (after a stream.offline for the previous stream on a restart).
	 */
	goLive(userId: string, stream?: Partial<RawStream>): RawStream;
	/** Patches the live stream (title, game, viewers…); the channel's title and game follow it. */
	updateStream(userId: string, patch: Partial<RawStream>): RawStream;
	/**
	 * Ends the stream (EventSub sends stream.offline); with archive (default true) its VOD appears in Get Videos with
	 * its stream_id.
	 */
	endStream(userId: string, opts?: { archive?: boolean }): void;
	/** Patches a user's channel settings (title, game, language, tags…) as served by Get Channel Information. */
	updateChannel(userId: string, patch: Partial<ChannelSettings>): RawChannel;
	addClip(clip: Partial<RawClip> & { broadcaster_id: string }): RawClip;
	addVideo(video: Partial<RawVideo> & { user_id: string }): RawVideo;
	/** Seeds many users (and games, and live streams) at once, for benchmarks. */
	seedBulk(opts: SeedBulkOptions): { userIds: string[]; logins: string[] };
	getUser(idOrLogin: string): RawUser | undefined;
	getStream(userId: string): RawStream | undefined;

	/** Registers another application (its tokens are refused with the first one's Client-Id, and the reverse). */
	addClient(client?: FakeClientOptions): { clientId: string; clientSecret: string };
	/** Issues a token (default: for the fake's first client) without an HTTP mint (not counted in stats.mints). */
	issueToken(opts?: { ttlSeconds?: number; clientId?: string }): string;
	revokeToken(token: string): void;
	revokeAllTokens(): void;
	/** Makes the token expired now (Helix then answers 401, validate 401). */
	expireToken(token: string): void;
	readonly tokens: ReadonlyMap<string, FakeTokenRecord>;

	/** Queues a fault on a route (its path, e.g. '/helix/users', or '*' for any), served `times` times (default 1). */
	injectFault(route: string, fault: FakeFault, times?: number): void;
	clearFaults(): void;

	readonly stats: FakeTwitchStats;
	/** The last requests (bounded, oldest first). */
	readonly requests: readonly FakeRequestLogEntry[];
	resetStats(): void;
	/** Changes the Helix bucket of every client (and the defaults of buckets made later). */
	setRateLimit(opts: RateLimitSettings): void;
	/** Changes `streamsLagMs`. */
	setStreamsLag(ms: number): void;
	close(): Promise<void>;
}
