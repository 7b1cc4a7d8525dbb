import type {
	ChannelSettings,
	RawChannel,
	RawClip,
	RawGame,
	RawSearchChannel,
	RawStream,
	RawUser,
	RawVideo,
	SeedBulkOptions,
} from './types.ts';

/** Twitch logins: letters, digits and underscore, at most 25 characters. */
export const LOGIN_PATTERN = /^[a-zA-Z0-9_]{1,25}$/;
/** Twitch ids (users, games, streams, videos) are numeric strings. */
export const NUMERIC_ID_PATTERN = /^[0-9]+$/;

/** Twitch timestamps are RFC 3339 in UTC without milliseconds. */
export function twitchTimestamp(ms: number): string {
	return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Twitch's video duration format, e.g. '3h8m33s'. */
export function twitchDuration(seconds: number): string {
	const whole = Math.max(0, Math.floor(seconds));
	const hours = Math.floor(whole / 3600);
	const minutes = Math.floor((whole % 3600) / 60);
	const rest = whole % 60;
	if (hours > 0) return `${hours}h${minutes}m${rest}s`;
	if (minutes > 0) return `${minutes}m${rest}s`;
	return `${rest}s`;
}

const CLIP_SLUG_WORDS = [
	'Awkward',
	'Helpless',
	'Salamander',
	'Swift',
	'Rage',
	'Brave',
	'Tiny',
	'Otter',
	'Kappa',
	'Pog',
];

/**
 * The fake's world: users, channels, games, streams, clips and videos, indexed so that every lookup a Helix request
 * makes is a Map access (by id, by lowercase login or name). Orderings that Twitch serves (streams by viewers, top
 * games) are cached and rebuilt only after a change.
 */
export class TwitchWorld {
	readonly usersById = new Map<string, RawUser>();
	readonly usersByLogin = new Map<string, RawUser>();
	readonly channelsByUserId = new Map<string, ChannelSettings>();
	/**
	 * Lowercase display names that differ from the login (most differ only in letter case), so that Search Channels
	 * neither lowercases nor searches a second name for every user on every request.
	 */
	readonly otherDisplayNamesByUserId = new Map<string, string>();
	readonly gamesById = new Map<string, RawGame>();
	readonly gamesByLowerName = new Map<string, RawGame>();
	readonly gamesByIgdbId = new Map<string, RawGame>();
	/** Live streams by broadcaster id: one at most per user. */
	readonly streamsByUserId = new Map<string, RawStream>();
	readonly clipsById = new Map<string, RawClip>();
	readonly clipsByBroadcaster = new Map<string, RawClip[]>();
	readonly clipsByGame = new Map<string, RawClip[]>();
	readonly videosById = new Map<string, RawVideo>();
	readonly videosByUser = new Map<string, RawVideo[]>();
	readonly videosByGame = new Map<string, RawVideo[]>();

	readonly #now: () => number;
	#nextUserId = 100_000_000;
	#nextGameId = 500_000;
	#nextStreamId = 40_000_000_000;
	#nextVideoId = 2_000_000_000;
	#nextClipNumber = 1;
	#streamsByViewers: RawStream[] | undefined;
	#streamsByGameByViewers: Map<string, RawStream[]> | undefined;
	#topGames: RawGame[] | undefined;

	constructor(now: () => number) {
		this.#now = now;
	}

	// ---- users and channels ----

	addUser(input: Partial<RawUser> & { login: string }): RawUser {
		if (!LOGIN_PATTERN.test(input.login)) throw new Error(`fake twitch: invalid login ${JSON.stringify(input.login)}`);
		const login = input.login.toLowerCase();
		if (this.usersByLogin.has(login)) throw new Error(`fake twitch: login ${login} already exists`);
		const id = input.id ?? this.#freeId(this.usersById, () => this.#nextUserId++);
		if (this.usersById.has(id)) throw new Error(`fake twitch: user id ${id} already exists`);
		const user: RawUser = {
			id,
			login,
			display_name: input.display_name ?? input.login,
			type: input.type ?? '',
			broadcaster_type: input.broadcaster_type ?? '',
			description: input.description ?? `Hi, I am ${input.login}.`,
			profile_image_url:
				input.profile_image_url ?? `https://static-cdn.jtvnw.net/jtv_user_pictures/${login}-profile_image-300x300.png`,
			offline_image_url: input.offline_image_url ?? '',
			view_count: input.view_count ?? 0,
			created_at: input.created_at ?? twitchTimestamp(this.#now()),
		};
		this.usersById.set(id, user);
		this.usersByLogin.set(login, user);
		this.#indexDisplayName(user);
		this.channelsByUserId.set(id, {
			broadcaster_language: 'en',
			game_id: '',
			game_name: '',
			title: '',
			delay: 0,
			tags: [],
			content_classification_labels: [],
			is_branded_content: false,
		});
		return user;
	}

	requireUser(userId: string): RawUser {
		const user = this.usersById.get(userId);
		if (!user) throw new Error(`fake twitch: no user with id ${userId}`);
		return user;
	}

	findUser(idOrLogin: string): RawUser | undefined {
		return this.usersById.get(idOrLogin) ?? this.usersByLogin.get(idOrLogin.toLowerCase());
	}

	renameUser(userId: string, newLogin: string): void {
		if (!LOGIN_PATTERN.test(newLogin)) throw new Error(`fake twitch: invalid login ${JSON.stringify(newLogin)}`);
		const user = this.requireUser(userId);
		const login = newLogin.toLowerCase();
		const holder = this.usersByLogin.get(login);
		if (holder && holder !== user) throw new Error(`fake twitch: login ${login} already exists`);
		this.usersByLogin.delete(user.login);
		user.login = login;
		user.display_name = newLogin;
		this.usersByLogin.set(login, user);
		this.#indexDisplayName(user);
		const stream = this.streamsByUserId.get(userId);
		if (stream) {
			stream.user_login = login;
			stream.user_name = newLogin;
		}
	}

	#indexDisplayName(user: RawUser): void {
		const lower = user.display_name.toLowerCase();
		if (lower === user.login) this.otherDisplayNamesByUserId.delete(user.id);
		else this.otherDisplayNamesByUserId.set(user.id, lower);
	}

	updateChannel(userId: string, patch: Partial<ChannelSettings>): RawChannel {
		const channel = this.#requireChannel(userId);
		Object.assign(channel, patch);
		if (patch.game_id !== undefined && patch.game_name === undefined) {
			channel.game_name = this.gamesById.get(patch.game_id)?.name ?? '';
		}
		return this.channelOf(this.requireUser(userId));
	}

	/** The Get Channel Information item of a user. */
	channelOf(user: RawUser): RawChannel {
		const channel = this.#requireChannel(user.id);
		return {
			broadcaster_id: user.id,
			broadcaster_login: user.login,
			broadcaster_name: user.display_name,
			...channel,
		};
	}

	/** The Search Channels item of a user. */
	searchItemOf(user: RawUser): RawSearchChannel {
		const channel = this.#requireChannel(user.id);
		const stream = this.streamsByUserId.get(user.id);
		return {
			broadcaster_language: channel.broadcaster_language,
			broadcaster_login: user.login,
			display_name: user.display_name,
			game_id: channel.game_id,
			game_name: channel.game_name,
			id: user.id,
			is_live: stream !== undefined,
			tag_ids: [],
			tags: channel.tags,
			thumbnail_url: user.profile_image_url,
			title: channel.title,
			// Twitch sends an empty string, not null, for an offline channel.
			started_at: stream?.started_at ?? '',
		};
	}

	#requireChannel(userId: string): ChannelSettings {
		const channel = this.channelsByUserId.get(userId);
		if (!channel) throw new Error(`fake twitch: no user with id ${userId}`);
		return channel;
	}

	// ---- games ----

	addGame(input: Partial<RawGame> & { name: string }): RawGame {
		const id = input.id ?? this.#freeId(this.gamesById, () => this.#nextGameId++);
		if (this.gamesById.has(id)) throw new Error(`fake twitch: game id ${id} already exists`);
		const game: RawGame = {
			id,
			name: input.name,
			box_art_url: input.box_art_url ?? `https://static-cdn.jtvnw.net/ttv-boxart/${id}-{width}x{height}.jpg`,
			igdb_id: input.igdb_id ?? String(Number(id) + 1000),
		};
		this.gamesById.set(id, game);
		this.gamesByLowerName.set(game.name.toLowerCase(), game);
		if (game.igdb_id !== '') this.gamesByIgdbId.set(game.igdb_id, game);
		this.#topGames = undefined;
		return game;
	}

	/**
	 * Categories ordered as Get Top Games serves them: by viewers of their live streams, most first; categories
	 * nobody streams follow in the order they were added.
	 */
	topGames(): RawGame[] {
		if (!this.#topGames) {
			const viewersByGame = new Map<string, number>();
			for (const stream of this.streamsByUserId.values()) {
				if (stream.game_id === '') continue;
				viewersByGame.set(stream.game_id, (viewersByGame.get(stream.game_id) ?? 0) + stream.viewer_count);
			}
			this.#topGames = [...this.gamesById.values()].sort(
				(a, b) => (viewersByGame.get(b.id) ?? 0) - (viewersByGame.get(a.id) ?? 0),
			);
		}
		return this.#topGames;
	}

	// ---- streams ----

	goLive(userId: string, input: Partial<RawStream> = {}): RawStream {
		const user = this.requireUser(userId);
		const channel = this.#requireChannel(userId);
		const gameId = input.game_id ?? (channel.game_id || (this.gamesById.keys().next().value ?? ''));
		const stream: RawStream = {
			id: input.id ?? String(this.#nextStreamId++),
			user_id: user.id,
			user_login: user.login,
			user_name: user.display_name,
			game_id: gameId,
			game_name: input.game_name ?? this.gamesById.get(gameId)?.name ?? '',
			type: 'live',
			title: input.title ?? (channel.title || `${user.display_name} is live`),
			tags: input.tags ?? channel.tags,
			viewer_count: input.viewer_count ?? 100,
			started_at: input.started_at ?? twitchTimestamp(this.#now()),
			language: input.language ?? channel.broadcaster_language,
			thumbnail_url:
				input.thumbnail_url ?? `https://static-cdn.jtvnw.net/previews-ttv/live_user_${user.login}-{width}x{height}.jpg`,
			tag_ids: [],
			is_mature: input.is_mature ?? false,
		};
		this.streamsByUserId.set(userId, stream);
		this.#syncChannelWithStream(stream);
		this.#streamsChanged();
		return stream;
	}

	updateStream(userId: string, patch: Partial<RawStream>): RawStream {
		const stream = this.streamsByUserId.get(userId);
		if (!stream) throw new Error(`fake twitch: user ${userId} is not live`);
		Object.assign(stream, patch);
		if (patch.game_id !== undefined && patch.game_name === undefined) {
			stream.game_name = this.gamesById.get(patch.game_id)?.name ?? '';
		}
		this.#syncChannelWithStream(stream);
		this.#streamsChanged();
		return stream;
	}

	endStream(userId: string, archive: boolean): void {
		const stream = this.streamsByUserId.get(userId);
		if (!stream) throw new Error(`fake twitch: user ${userId} is not live`);
		this.streamsByUserId.delete(userId);
		this.#streamsChanged();
		if (!archive) return;
		// The VOD of a stream: Get Videos type=archive, carrying the stream's id.
		const startedMs = Date.parse(stream.started_at);
		this.addVideo(
			{
				user_id: userId,
				stream_id: stream.id,
				title: stream.title,
				created_at: stream.started_at,
				published_at: stream.started_at,
				language: stream.language,
				type: 'archive',
				duration: twitchDuration((this.#now() - startedMs) / 1000),
			},
			stream.game_id,
		);
	}

	/** Live streams, most viewers first (Get Streams' order). */
	streamsByViewers(): RawStream[] {
		if (!this.#streamsByViewers) {
			this.#streamsByViewers = [...this.streamsByUserId.values()].sort(byViewersDescending);
		}
		return this.#streamsByViewers;
	}

	/** Live streams in one category, most viewers first. */
	streamsInGameByViewers(gameId: string): RawStream[] {
		if (!this.#streamsByGameByViewers) {
			const byGame = new Map<string, RawStream[]>();
			for (const stream of this.streamsByViewers()) {
				const list = byGame.get(stream.game_id);
				if (list) list.push(stream);
				else byGame.set(stream.game_id, [stream]);
			}
			this.#streamsByGameByViewers = byGame;
		}
		return this.#streamsByGameByViewers.get(gameId) ?? [];
	}

	#syncChannelWithStream(stream: RawStream): void {
		const channel = this.#requireChannel(stream.user_id);
		channel.title = stream.title;
		channel.game_id = stream.game_id;
		channel.game_name = stream.game_name;
		channel.broadcaster_language = stream.language;
		channel.tags = stream.tags;
	}

	#streamsChanged(): void {
		this.#streamsByViewers = undefined;
		this.#streamsByGameByViewers = undefined;
		this.#topGames = undefined;
	}

	// ---- clips and videos ----

	addClip(input: Partial<RawClip> & { broadcaster_id: string }): RawClip {
		const broadcaster = this.requireUser(input.broadcaster_id);
		let id = input.id;
		if (id === undefined) {
			do id = this.#nextClipSlug();
			while (this.clipsById.has(id));
		}
		if (this.clipsById.has(id)) throw new Error(`fake twitch: clip ${id} already exists`);
		const channel = this.#requireChannel(broadcaster.id);
		const clip: RawClip = {
			id,
			url: input.url ?? `https://clips.twitch.tv/${id}`,
			embed_url: input.embed_url ?? `https://clips.twitch.tv/embed?clip=${id}`,
			broadcaster_id: broadcaster.id,
			broadcaster_name: input.broadcaster_name ?? broadcaster.display_name,
			creator_id: input.creator_id ?? broadcaster.id,
			creator_name: input.creator_name ?? broadcaster.display_name,
			video_id: input.video_id ?? '',
			game_id: input.game_id ?? channel.game_id,
			language: input.language ?? channel.broadcaster_language,
			title: input.title ?? `A clip of ${broadcaster.display_name}`,
			view_count: input.view_count ?? 0,
			created_at: input.created_at ?? twitchTimestamp(this.#now()),
			thumbnail_url: input.thumbnail_url ?? `https://clips-media-assets2.twitch.tv/${id}-preview-480x272.jpg`,
			duration: input.duration ?? 30,
			vod_offset: input.vod_offset ?? null,
			is_featured: input.is_featured ?? false,
		};
		this.clipsById.set(id, clip);
		pushTo(this.clipsByBroadcaster, clip.broadcaster_id, clip);
		if (clip.game_id !== '') pushTo(this.clipsByGame, clip.game_id, clip);
		return clip;
	}

	/**
	 * Stores a video. Twitch's video object has no game id, yet Get Videos can filter by game: the category is kept
	 * beside it (`gameId`, default the channel's current one).
	 */
	addVideo(input: Partial<RawVideo> & { user_id: string }, gameId?: string): RawVideo {
		const user = this.requireUser(input.user_id);
		const channel = this.#requireChannel(user.id);
		const id = input.id ?? this.#freeId(this.videosById, () => this.#nextVideoId++);
		if (this.videosById.has(id)) throw new Error(`fake twitch: video ${id} already exists`);
		const type = input.type ?? 'upload';
		const createdAt = input.created_at ?? twitchTimestamp(this.#now());
		const video: RawVideo = {
			id,
			stream_id: input.stream_id ?? null,
			user_id: user.id,
			user_login: user.login,
			user_name: user.display_name,
			title: input.title ?? `A ${type} by ${user.display_name}`,
			description: input.description ?? '',
			created_at: createdAt,
			published_at: input.published_at ?? createdAt,
			url: input.url ?? `https://www.twitch.tv/videos/${id}`,
			thumbnail_url:
				input.thumbnail_url ?? `https://static-cdn.jtvnw.net/cf_vods/fake/${id}/thumb/thumb0-%{width}x%{height}.jpg`,
			viewable: input.viewable ?? 'public',
			view_count: input.view_count ?? 0,
			language: input.language ?? channel.broadcaster_language,
			type,
			duration: input.duration ?? '1h0m0s',
			muted_segments: input.muted_segments ?? null,
		};
		this.videosById.set(id, video);
		pushTo(this.videosByUser, user.id, video);
		const category = gameId ?? channel.game_id;
		if (category !== '') pushTo(this.videosByGame, category, video);
		return video;
	}

	// ---- bulk seeding ----

	/**
	 * Seeds users (a share of them live, spread over new games) without per-user overhead beyond the records
	 * themselves, then rebuilds the orderings once.
	 */
	seedBulk(opts: SeedBulkOptions): { userIds: string[]; logins: string[] } {
		const prefix = opts.loginPrefix ?? 'bulkuser';
		const liveFraction = Math.min(1, Math.max(0, opts.liveFraction ?? 0.1));
		const games: RawGame[] = [];
		const gameCount = opts.games ?? 20;
		const firstGameNumber = this.gamesById.size + 1;
		for (let n = 0; n < gameCount; n++) games.push(this.addGame({ name: `Bulk Game ${firstGameNumber + n}` }));
		const userIds: string[] = [];
		const logins: string[] = [];
		const startedAt = twitchTimestamp(this.#now());
		let suffix = 0;
		for (let n = 0; n < opts.users; n++) {
			let login = `${prefix}${suffix++}`;
			while (this.usersByLogin.has(login)) login = `${prefix}${suffix++}`;
			const user = this.addUser({ login });
			userIds.push(user.id);
			logins.push(user.login);
			// Spreads live users evenly: user n is live when the running count of live users steps up at n.
			const isLive = Math.floor((n + 1) * liveFraction) > Math.floor(n * liveFraction);
			if (!isLive) continue;
			const game = games.length > 0 ? games[n % games.length] : undefined;
			const stream: RawStream = {
				id: String(this.#nextStreamId++),
				user_id: user.id,
				user_login: user.login,
				user_name: user.display_name,
				game_id: game?.id ?? '',
				game_name: game?.name ?? '',
				type: 'live',
				title: `${user.display_name} streams ${game?.name ?? 'something'}`,
				tags: ['English'],
				// Deterministic but scattered viewer counts, so that the order by viewers is not the seeding order.
				viewer_count: (n * 7919) % 50_000,
				started_at: startedAt,
				language: 'en',
				thumbnail_url: `https://static-cdn.jtvnw.net/previews-ttv/live_user_${user.login}-{width}x{height}.jpg`,
				tag_ids: [],
				is_mature: false,
			};
			this.streamsByUserId.set(user.id, stream);
			this.#syncChannelWithStream(stream);
		}
		this.#streamsChanged();
		return { userIds, logins };
	}

	#freeId(taken: ReadonlyMap<string, unknown>, next: () => number): string {
		let id = String(next());
		while (taken.has(id)) id = String(next());
		return id;
	}

	#nextClipSlug(): string {
		let number = this.#nextClipNumber++;
		let slug = '';
		// Twitch clip ids are CamelCase word slugs; spell the counter in words so each slug is unique.
		do {
			slug += CLIP_SLUG_WORDS[number % CLIP_SLUG_WORDS.length];
			number = Math.floor(number / CLIP_SLUG_WORDS.length);
		} while (number > 0);
		return `${slug}Clip`;
	}
}

function byViewersDescending(a: RawStream, b: RawStream): number {
	return b.viewer_count - a.viewer_count;
}

function pushTo<T>(index: Map<string, T[]>, key: string, value: T): void {
	const list = index.get(key);
	if (list) list.push(value);
	else index.set(key, [value]);
}
