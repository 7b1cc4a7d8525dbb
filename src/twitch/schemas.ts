import { z } from 'zod';

// Helix responses are parsed leniently: unknown fields are dropped (Twitch adds fields over time), and fields
// Twitch sometimes sends empty or null get a safe default instead of failing the whole response.
const text = z
	.string()
	.nullish()
	.transform((value) => value ?? '');
const stringList = z
	.array(z.string())
	.nullish()
	.transform((value) => value ?? []);
const count = z.number().int().nonnegative().catch(0);

/** How a Helix answer or list item is read: zod's `safeParse`, or anything that answers like it. */
export interface ItemSchema<T> {
	safeParse(raw: unknown): z.ZodSafeParseResult<T>;
}

/** An item schema with a fast path, and the zod schema that defines it (the tests hold the two to one output). */
export interface FastItemSchema<T> extends ItemSchema<T> {
	readonly schema: z.ZodType<T>;
}

/**
 * Get Streams and Get Users items are read by the thousand (a poll of 10,000 channels is 100 pages of them), and
 * zod's object parsing cost more than the requests. `read` takes an item of exactly the documented shape, with
 * every field of its documented type, straight to its output; for anything else it answers undefined and zod
 * decides: its defaults for null or missing fields, or its error. Only what zod would pass through unchanged takes
 * the fast path, so both give the same output; test/twitch/schemas.test.ts holds them to it.
 */
function withFastPath<T>(
	schema: z.ZodType<T>,
	read: (raw: Record<string, unknown>) => T | undefined,
): FastItemSchema<T> {
	return {
		schema,
		safeParse(raw) {
			const data = typeof raw === 'object' && raw !== null ? read(raw as Record<string, unknown>) : undefined;
			return data === undefined ? schema.safeParse(raw) : { success: true, data };
		},
	};
}

export const pagination = z
	.object({ cursor: z.string().optional() })
	.nullish()
	.transform((value) => value?.cursor || undefined);

/**
 * A Helix list response, `{ data: [...], pagination: { cursor } }`, with its items left unparsed: each is parsed on
 * its own with its endpoint's schema, so that one malformed item costs that item only.
 */
const helixListEnvelopeSchema = z.object({ data: z.array(z.unknown()), pagination: pagination.optional() });
export const helixListEnvelope = withFastPath(
	helixListEnvelopeSchema,
	(raw): z.output<typeof helixListEnvelopeSchema> | undefined => {
		const { data, pagination } = raw;
		if (!Array.isArray(data)) return undefined;
		if (pagination == null) return { data, pagination: undefined };
		if (typeof pagination !== 'object' || Array.isArray(pagination)) return undefined;
		const { cursor } = pagination as Record<string, unknown>;
		if (cursor !== undefined && typeof cursor !== 'string') return undefined;
		return { data, pagination: cursor || undefined };
	},
);

const userObjectSchema = z
	.object({
		id: z.string(),
		login: z.string(),
		display_name: text,
		type: text,
		broadcaster_type: text,
		description: text,
		profile_image_url: text,
		offline_image_url: text,
		created_at: z.string(),
	})
	.transform((raw) => ({
		id: raw.id,
		login: raw.login,
		displayName: raw.display_name || raw.login,
		type: raw.type,
		broadcasterType: raw.broadcaster_type,
		description: raw.description,
		profileImageUrl: raw.profile_image_url,
		offlineImageUrl: raw.offline_image_url,
		createdAt: raw.created_at,
	}));
export type TwitchUser = z.output<typeof userObjectSchema>;

/**
 * Get Users items, read as `userObjectSchema` says: an item of exactly the documented shape (every field its
 * documented type, none null) directly, anything else through zod.
 */
export const userSchema = withFastPath(userObjectSchema, (raw): TwitchUser | undefined => {
	const { id, login, display_name, type, broadcaster_type, description, profile_image_url, offline_image_url } = raw;
	const { created_at } = raw;
	if (
		typeof id !== 'string' ||
		typeof login !== 'string' ||
		typeof display_name !== 'string' ||
		typeof type !== 'string' ||
		typeof broadcaster_type !== 'string' ||
		typeof description !== 'string' ||
		typeof profile_image_url !== 'string' ||
		typeof offline_image_url !== 'string' ||
		typeof created_at !== 'string'
	) {
		return undefined;
	}
	return {
		id,
		login,
		displayName: display_name || login,
		type,
		broadcasterType: broadcaster_type,
		description,
		profileImageUrl: profile_image_url,
		offlineImageUrl: offline_image_url,
		createdAt: created_at,
	};
});

const rawStreamSchema = z.object({
	id: z.string(),
	user_id: z.string(),
	user_login: z.string(),
	user_name: text,
	// Empty when the streamer set no category: never assume a game.
	game_id: text,
	game_name: text,
	title: text,
	tags: stringList,
	viewer_count: count,
	started_at: z.string(),
	language: text,
	thumbnail_url: text,
	is_mature: z.boolean().catch(false),
});

function toStream(raw: z.output<typeof rawStreamSchema>) {
	return {
		id: raw.id,
		userId: raw.user_id,
		userLogin: raw.user_login,
		userName: raw.user_name || raw.user_login,
		gameId: raw.game_id,
		gameName: raw.game_name,
		title: raw.title,
		tags: raw.tags,
		viewerCount: raw.viewer_count,
		startedAt: raw.started_at,
		language: raw.language,
		thumbnailUrl: raw.thumbnail_url,
		isMature: raw.is_mature,
	};
}

export const streamSchema = rawStreamSchema.transform(toStream);
export type TwitchStream = z.output<typeof streamSchema>;

/**
 * A Get Streams item with whether Twitch calls it live. `type` is "live", or "" when Twitch had an error: such a
 * stream is not reported live. An absent `type` counts as live (Get Streams only lists live channels), so that
 * Twitch dropping the field one day would not silence every announcement.
 */
const streamItemObjectSchema = rawStreamSchema
	.extend({ type: z.string().nullish() })
	.transform((raw) => ({ live: raw.type == null || raw.type === 'live', stream: toStream(raw) }));

/**
 * Get Streams items, read as `streamItemObjectSchema` says: an item of exactly the documented shape directly,
 * anything else (a null, a missing field, a negative count…) through zod, which decides its defaults or its error.
 */
export const streamItemSchema = withFastPath(
	streamItemObjectSchema,
	(raw): z.output<typeof streamItemObjectSchema> | undefined => {
		const { id, user_id, user_login, user_name, game_id, game_name, title, tags, viewer_count } = raw;
		const { started_at, language, thumbnail_url, is_mature, type } = raw;
		if (
			typeof id !== 'string' ||
			typeof user_id !== 'string' ||
			typeof user_login !== 'string' ||
			typeof user_name !== 'string' ||
			typeof game_id !== 'string' ||
			typeof game_name !== 'string' ||
			typeof title !== 'string' ||
			typeof started_at !== 'string' ||
			typeof language !== 'string' ||
			typeof thumbnail_url !== 'string' ||
			typeof is_mature !== 'boolean' ||
			!isCount(viewer_count) ||
			!isStringList(tags) ||
			(type !== undefined && typeof type !== 'string')
		) {
			return undefined;
		}
		const stream: TwitchStream = {
			id,
			userId: user_id,
			userLogin: user_login,
			userName: user_name || user_login,
			gameId: game_id,
			gameName: game_name,
			title,
			tags,
			viewerCount: viewer_count,
			startedAt: started_at,
			language,
			thumbnailUrl: thumbnail_url,
			isMature: is_mature,
		};
		return { live: type === undefined || type === 'live', stream };
	},
);

function isCount(value: unknown): value is number {
	return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isStringList(value: unknown): value is string[] {
	if (!Array.isArray(value)) return false;
	for (const item of value) if (typeof item !== 'string') return false;
	return true;
}

export const gameSchema = z
	.object({ id: z.string(), name: z.string(), box_art_url: text, igdb_id: text })
	.transform((raw) => ({ id: raw.id, name: raw.name, boxArtUrl: raw.box_art_url, igdbId: raw.igdb_id }));
export type TwitchGame = z.output<typeof gameSchema>;

/** A Search Categories item: a category as the search finds it (no IGDB id, unlike Get Games). */
export const categorySearchSchema = z
	.object({ id: z.string(), name: z.string(), box_art_url: text })
	.transform((raw) => ({ id: raw.id, name: raw.name, boxArtUrl: raw.box_art_url }));
export type TwitchCategory = z.output<typeof categorySearchSchema>;

export const channelSearchSchema = z
	.object({
		id: z.string(),
		broadcaster_login: z.string(),
		display_name: text,
		broadcaster_language: text,
		game_id: text,
		game_name: text,
		is_live: z.boolean().catch(false),
		tags: stringList,
		thumbnail_url: text,
		title: text,
		started_at: text,
	})
	.transform((raw) => ({
		id: raw.id,
		login: raw.broadcaster_login,
		displayName: raw.display_name || raw.broadcaster_login,
		language: raw.broadcaster_language,
		gameId: raw.game_id,
		gameName: raw.game_name,
		isLive: raw.is_live,
		tags: raw.tags,
		thumbnailUrl: raw.thumbnail_url,
		title: raw.title,
		// Twitch sends "" for channels that are offline.
		startedAt: raw.started_at || null,
	}));
export type TwitchChannelSearchResult = z.output<typeof channelSearchSchema>;

export const clipSchema = z
	.object({
		id: z.string(),
		url: z.string(),
		embed_url: text,
		broadcaster_id: z.string(),
		broadcaster_name: text,
		creator_name: text,
		video_id: text,
		game_id: text,
		language: text,
		title: text,
		view_count: count,
		created_at: z.string(),
		thumbnail_url: text,
		duration: z.number().catch(0),
	})
	.transform((raw) => ({
		id: raw.id,
		url: raw.url,
		embedUrl: raw.embed_url,
		broadcasterId: raw.broadcaster_id,
		broadcasterName: raw.broadcaster_name,
		creatorName: raw.creator_name,
		videoId: raw.video_id,
		gameId: raw.game_id,
		language: raw.language,
		title: raw.title,
		viewCount: raw.view_count,
		createdAt: raw.created_at,
		thumbnailUrl: raw.thumbnail_url,
		durationSeconds: raw.duration,
	}));
export type TwitchClip = z.output<typeof clipSchema>;

export const videoSchema = z
	.object({
		id: z.string(),
		stream_id: z.string().nullish(),
		user_id: z.string(),
		user_login: text,
		user_name: text,
		title: text,
		description: text,
		created_at: z.string(),
		published_at: text,
		url: z.string(),
		thumbnail_url: text,
		view_count: count,
		language: text,
		type: text,
		duration: text,
	})
	.transform((raw) => ({
		id: raw.id,
		streamId: raw.stream_id || null,
		userId: raw.user_id,
		userLogin: raw.user_login,
		userName: raw.user_name,
		title: raw.title,
		description: raw.description,
		createdAt: raw.created_at,
		publishedAt: raw.published_at,
		url: raw.url,
		thumbnailUrl: raw.thumbnail_url,
		viewCount: raw.view_count,
		language: raw.language,
		type: raw.type,
		/** Twitch's duration text, e.g. "3h8m33s". */
		duration: raw.duration,
	}));
export type TwitchVideo = z.output<typeof videoSchema>;

export const channelSchema = z
	.object({
		broadcaster_id: z.string(),
		broadcaster_login: z.string(),
		broadcaster_name: text,
		broadcaster_language: text,
		game_id: text,
		game_name: text,
		title: text,
		delay: count,
		tags: stringList,
	})
	.transform((raw) => ({
		broadcasterId: raw.broadcaster_id,
		broadcasterLogin: raw.broadcaster_login,
		broadcasterName: raw.broadcaster_name || raw.broadcaster_login,
		language: raw.broadcaster_language,
		gameId: raw.game_id,
		gameName: raw.game_name,
		title: raw.title,
		delay: raw.delay,
		tags: raw.tags,
	}));
export type TwitchChannel = z.output<typeof channelSchema>;

export const tokenResponseSchema = z.object({
	access_token: z.string().min(1),
	expires_in: z.number().positive(),
	token_type: z.string().optional(),
});

export const validateResponseSchema = z.object({
	client_id: z.string(),
	expires_in: z.number(),
	scopes: z.array(z.string()).nullish(),
});

export const errorBodySchema = z.object({ message: z.string().optional(), error: z.string().optional() }).loose();
