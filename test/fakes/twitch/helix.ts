import { LOGIN_PATTERN, NUMERIC_ID_PATTERN, type TwitchWorld } from './data.ts';
import {
	booleanParam,
	listParam,
	MAX_LIST_VALUES,
	paginate,
	requiredParam,
	singleParam,
	timestampParam,
} from './params.ts';
import { badRequest, malformedParameter } from './responses.ts';
import type { RawClip, RawGame, RawSearchCategory, RawSearchChannel, RawStream, RawUser, RawVideo } from './types.ts';

/** Answers one Helix GET: the JSON body of a 200, or throws a `TwitchHttpError`. */
export type HelixHandler = (query: URLSearchParams, world: TwitchWorld, now: number) => unknown;

const DAY_MS = 86_400_000;
/** Get Clips: with started_at but no ended_at, the period ends one week after the start. */
const DEFAULT_CLIP_PERIOD_MS = 7 * DAY_MS;
const VIDEO_PERIOD_MS: Readonly<Record<string, number>> = { day: DAY_MS, week: 7 * DAY_MS, month: 30 * DAY_MS };

/** Values of several list parameters that share one limit of 100, e.g. Get Users' id and login together. */
function sharedListParams(query: URLSearchParams, names: readonly string[]): string[][] {
	const lists = names.map((name) => query.getAll(name));
	const total = lists.reduce((sum, list) => sum + list.length, 0);
	if (total > MAX_LIST_VALUES) {
		// Name the parameter that carries the most values: the one the caller forgot to chunk.
		let culprit = 0;
		for (let index = 1; index < lists.length; index++) {
			if ((lists[index]?.length ?? 0) > (lists[culprit]?.length ?? 0)) culprit = index;
		}
		throw malformedParameter(
			names[culprit] ?? names[0] ?? '',
			`the value must be less than or equal to ${MAX_LIST_VALUES}`,
		);
	}
	return lists;
}

/** GET /helix/users?id=…&login=…: unknown ids and logins are simply absent. */
const getUsers: HelixHandler = (query, world) => {
	const [ids = [], logins = []] = sharedListParams(query, ['id', 'login']);
	// An app token has no user of its own, so one of id or login is needed.
	if (ids.length === 0 && logins.length === 0) throw badRequest('Must provide an ID, Login or OAuth Token.');
	if (!ids.every((id) => NUMERIC_ID_PATTERN.test(id)) || !logins.every((login) => LOGIN_PATTERN.test(login))) {
		throw badRequest('Invalid login names, emails or IDs in request');
	}
	const found = new Set<RawUser>();
	for (const id of ids) {
		const user = world.usersById.get(id);
		if (user) found.add(user);
	}
	for (const login of logins) {
		const user = world.usersByLogin.get(login.toLowerCase());
		if (user) found.add(user);
	}
	return { data: [...found] };
};

/** GET /helix/streams: only live channels, most viewers first, `first` per page (default 20). */
const getStreams: HelixHandler = (query, world) => {
	const userIds = listParam(query, 'user_id');
	const userLogins = listParam(query, 'user_login');
	const gameIds = listParam(query, 'game_id');
	const languages = listParam(query, 'language');
	const type = singleParam(query, 'type') ?? 'all';
	if (type !== 'all' && type !== 'live') throw malformedParameter('type', 'the value must be one of all, live');

	let streams: readonly RawStream[];
	if (userIds.length > 0 || userLogins.length > 0) {
		const found = new Set<RawStream>();
		for (const id of userIds) {
			const stream = world.streamsByUserId.get(id);
			if (stream) found.add(stream);
		}
		for (const login of userLogins) {
			const user = world.usersByLogin.get(login.toLowerCase());
			const stream = user && world.streamsByUserId.get(user.id);
			if (stream) found.add(stream);
		}
		const games = new Set(gameIds);
		streams = [...found]
			.filter((stream) => games.size === 0 || games.has(stream.game_id))
			.sort((a, b) => b.viewer_count - a.viewer_count);
	} else if (gameIds.length === 1) {
		streams = world.streamsInGameByViewers(gameIds[0] ?? '');
	} else if (gameIds.length > 1) {
		streams = [...new Set(gameIds)]
			.flatMap((gameId) => world.streamsInGameByViewers(gameId))
			.sort((a, b) => b.viewer_count - a.viewer_count);
	} else {
		streams = world.streamsByViewers();
	}
	if (languages.length > 0) {
		const wanted = new Set(languages);
		streams = streams.filter((stream) => wanted.has(stream.language));
	}
	return paginate(streams, query);
};

/** GET /helix/games/top: categories by current viewers. */
const getTopGames: HelixHandler = (query, world) => paginate(world.topGames(), query);

/** GET /helix/games?id=…&name=…&igdb_id=…: at most 100 values in all; no pagination. */
const getGames: HelixHandler = (query, world) => {
	const [ids = [], names = [], igdbIds = []] = sharedListParams(query, ['id', 'name', 'igdb_id']);
	if (ids.length + names.length + igdbIds.length === 0) {
		throw badRequest('Missing required parameter "id", "name" or "igdb_id"');
	}
	const found = new Set<RawGame>();
	for (const id of ids) addIfFound(found, world.gamesById.get(id));
	// Twitch matches the category's name exactly; letter case aside.
	for (const name of names) addIfFound(found, world.gamesByLowerName.get(name.toLowerCase()));
	for (const igdbId of igdbIds) addIfFound(found, world.gamesByIgdbId.get(igdbId));
	return { data: [...found] };
};

/**
 * GET /helix/search/channels?query=…&live_only=…: channels whose login or display name contains the query (letter
 * case aside). Exact login first, then live channels by viewers, then offline ones.
 */
const searchChannels: HelixHandler = (query, world) => {
	const text = requiredParam(query, 'query').toLowerCase();
	const liveOnly = booleanParam(query, 'live_only') ?? false;
	const matches: Array<{ user: RawUser; rank: number }> = [];
	for (const user of world.usersById.values()) {
		if (!user.login.includes(text) && !world.otherDisplayNamesByUserId.get(user.id)?.includes(text)) continue;
		const stream = world.streamsByUserId.get(user.id);
		if (liveOnly && !stream) continue;
		const rank = user.login === text ? Number.POSITIVE_INFINITY : stream ? stream.viewer_count : -1;
		matches.push({ user, rank });
	}
	matches.sort((a, b) => b.rank - a.rank);
	const page = paginate(matches, query);
	const data: RawSearchChannel[] = page.data.map(({ user }) => world.searchItemOf(user));
	return { data, pagination: page.pagination };
};

/**
 * GET /helix/search/categories?query=…: categories whose name contains the query (letter case aside). The exact
 * name first, then names starting with the query, then the rest, each most watched first (Twitch ranks by relevance).
 * Items carry id, name and a box art URL already sized (52x72), as Twitch's do; no IGDB id.
 */
const searchCategories: HelixHandler = (query, world) => {
	const text = requiredParam(query, 'query').toLowerCase();
	const rankOf = (name: string) => (name === text ? 0 : name.startsWith(text) ? 1 : 2);
	const matches = world
		.topGames()
		.filter((game) => game.name.toLowerCase().includes(text))
		.map((game, order) => ({ game, rank: rankOf(game.name.toLowerCase()), order }))
		.sort((a, b) => a.rank - b.rank || a.order - b.order);
	const page = paginate(matches, query);
	const data: RawSearchCategory[] = page.data.map(({ game }) => ({
		box_art_url: game.box_art_url.replace('{width}x{height}', '52x72'),
		name: game.name,
		id: game.id,
	}));
	return { data, pagination: page.pagination };
};

/** GET /helix/clips: exactly one of broadcaster_id, game_id or id; most viewed first. */
const getClips: HelixHandler = (query, world) => {
	const broadcasterId = singleParam(query, 'broadcaster_id');
	const gameId = singleParam(query, 'game_id');
	const ids = listParam(query, 'id');
	const selectors = [broadcasterId !== undefined, gameId !== undefined, ids.length > 0].filter(Boolean).length;
	if (selectors !== 1) {
		throw badRequest('Exactly one of the parameters "broadcaster_id", "game_id" or "id" must be specified');
	}
	if (ids.length > 0) {
		const clips: RawClip[] = [];
		for (const id of new Set(ids)) addTo(clips, world.clipsById.get(id));
		return { data: clips, pagination: {} };
	}
	const source =
		(broadcasterId !== undefined ? world.clipsByBroadcaster.get(broadcasterId) : world.clipsByGame.get(gameId ?? '')) ??
		[];
	const startedAt = timestampParam(query, 'started_at');
	const endedAt =
		timestampParam(query, 'ended_at') ?? (startedAt === undefined ? undefined : startedAt + DEFAULT_CLIP_PERIOD_MS);
	const featured = booleanParam(query, 'is_featured');
	const clips = source
		.filter((clip) => {
			const createdAt = Date.parse(clip.created_at);
			if (startedAt !== undefined && createdAt < startedAt) return false;
			if (endedAt !== undefined && createdAt > endedAt) return false;
			return featured === undefined || clip.is_featured === featured;
		})
		.sort((a, b) => b.view_count - a.view_count);
	return paginate(clips, query);
};

/** GET /helix/videos: exactly one of id, user_id or game_id; newest first unless sort says otherwise. */
const getVideos: HelixHandler = (query, world, now) => {
	const ids = listParam(query, 'id');
	const userId = singleParam(query, 'user_id');
	const gameId = singleParam(query, 'game_id');
	const selectors = [ids.length > 0, userId !== undefined, gameId !== undefined].filter(Boolean).length;
	if (selectors !== 1) {
		throw badRequest('Exactly one of the parameters "id", "user_id" or "game_id" must be specified');
	}
	if (ids.length > 0) {
		const videos: RawVideo[] = [];
		for (const id of new Set(ids)) addTo(videos, world.videosById.get(id));
		return { data: videos, pagination: {} };
	}
	const type = singleParam(query, 'type') ?? 'all';
	if (!['all', 'archive', 'highlight', 'upload'].includes(type)) {
		throw malformedParameter('type', 'the value must be one of all, archive, highlight, upload');
	}
	const sort = singleParam(query, 'sort') ?? 'time';
	if (!['time', 'trending', 'views'].includes(sort)) {
		throw malformedParameter('sort', 'the value must be one of time, trending, views');
	}
	const period = singleParam(query, 'period') ?? 'all';
	if (period !== 'all' && VIDEO_PERIOD_MS[period] === undefined) {
		throw malformedParameter('period', 'the value must be one of all, day, week, month');
	}
	const language = singleParam(query, 'language');
	const since = period === 'all' ? undefined : now - (VIDEO_PERIOD_MS[period] ?? 0);
	const source = (userId !== undefined ? world.videosByUser.get(userId) : world.videosByGame.get(gameId ?? '')) ?? [];
	const videos = source
		.filter((video) => {
			if (type !== 'all' && video.type !== type) return false;
			if (since !== undefined && Date.parse(video.created_at) < since) return false;
			return language === undefined || video.language === language;
		})
		.sort((a, b) =>
			sort === 'time' ? Date.parse(b.created_at) - Date.parse(a.created_at) : b.view_count - a.view_count,
		);
	return paginate(videos, query);
};

/** GET /helix/channels?broadcaster_id=…: at most 100; unknown ids absent; no pagination. */
const getChannels: HelixHandler = (query, world) => {
	const ids = listParam(query, 'broadcaster_id');
	if (ids.length === 0) throw badRequest('Missing required parameter "broadcaster_id"');
	const data = [];
	for (const id of new Set(ids)) {
		const user = world.usersById.get(id);
		if (user) data.push(world.channelOf(user));
	}
	return { data };
};

/** Helix GET routes by path. */
export const HELIX_ROUTES: ReadonlyMap<string, HelixHandler> = new Map([
	['/helix/users', getUsers],
	['/helix/streams', getStreams],
	['/helix/games/top', getTopGames],
	['/helix/games', getGames],
	['/helix/search/channels', searchChannels],
	['/helix/search/categories', searchCategories],
	['/helix/clips', getClips],
	['/helix/videos', getVideos],
	['/helix/channels', getChannels],
]);

function addIfFound<T>(set: Set<T>, item: T | undefined): void {
	if (item !== undefined) set.add(item);
}

function addTo<T>(list: T[], item: T | undefined): void {
	if (item !== undefined) list.push(item);
}
