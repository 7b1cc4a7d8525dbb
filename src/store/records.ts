import { createHash } from 'node:crypto';
import type { Keyv } from 'keyv';
import { z } from 'zod';
import { UnreadableStoredValue } from './keyv.ts';

// Stored records outlive the code that wrote them: each carries a version, and a record of another version or shape
// is reported and treated as absent rather than trusted or crashed on.

const idSchema = z.string().min(1);
const epochMsSchema = z.number().nonnegative();

export const endActionSchema = z.enum(['edit', 'delete', 'keep']);
/** What happens to the announcement when the stream ends: edit it to "was live" (default), delete it, or leave it. */
export type EndAction = z.infer<typeof endActionSchema>;

export const guildSettingsSchema = z.object({
	version: z.literal(1),
	guildId: idSchema,
	/** Where watches without their own channel post; null until an admin sets it. */
	defaultChannelId: idSchema.nullable(),
	endAction: endActionSchema,
	/** Edit the announcement when the title or game changes. */
	updateOnChange: z.boolean(),
	/** The end edit shows how the stream went (numbers and a viewer chart); records older than it: on. */
	streamSummary: z.boolean().default(true),
	/** Lowercase category names; empty announces every category. */
	gameFilter: z.array(z.string().trim().toLowerCase().min(1)),
	/** Lowercase words; empty announces every title, otherwise the title must contain one of them. */
	keywordFilter: z.array(z.string().trim().toLowerCase().min(1)),
	watchLimit: z.number().int().min(1),
	/** Flood guard: at most this many new posts per category watch per poll cycle; the rest go in one summary line. */
	categoryPostLimit: z.number().int().min(1).max(25).default(5),
	/** Category watches the guild may have (see CategoryWatchRepository). */
	categoryWatchLimit: z.number().int().min(1).default(10),
});
export type GuildSettings = z.infer<typeof guildSettingsSchema>;

export const deliveryStatusSchema = z.object({
	lastError: z
		.object({
			/** Discord's JSON error code (50013…) or the HTTP status; null for a network failure. */
			code: z.number().int().nullable(),
			message: z.string(),
			at: epochMsSchema,
		})
		.nullable(),
	consecutiveFailures: z.number().int().nonnegative(),
	/** When posting to this target may be tried again (ms epoch); null = no backoff. */
	retryAt: epochMsSchema.nullable(),
	lastSuccessAt: epochMsSchema.nullable(),
});
/** How posting to one watch's target went lately: shown in `/watch list`, drives the retry backoff. */
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>;

export const targetStatusSchema = deliveryStatusSchema.extend({
	version: z.literal(1),
	guildId: idSchema,
	twitchUserId: idSchema,
	/** When this target last got a go-live post (ms), or null. */
	lastAnnouncedAt: epochMsSchema.nullable(),
});
/**
 * How delivery to one watch's target went, stored apart from the watch (which holds configuration only): a post's
 * success rewrites this small record, not the guild's list of watches.
 */
export type TargetStatus = z.infer<typeof targetStatusSchema>;

export const watchPauseSchema = z.object({
	/**
	 * left-guild: the bot was removed from the server; channel-deleted: Discord answered Unknown Channel;
	 * no-access: Discord answered Missing Access (the bot cannot see the channel, or was removed while down).
	 */
	reason: z.enum(['left-guild', 'channel-deleted', 'no-access']),
	/** The channel the failure was about (null for left-guild). */
	channelId: idSchema.nullable(),
	at: epochMsSchema,
});
/**
 * Why a watch is paused: nothing is sent to its target and its streamer is not polled for it, so that a kicked bot
 * or a deleted channel costs Discord no refused requests (they count toward its invalid-request limit). A paused
 * watch is kept, shown in `/watch list`, and resumed by a successful `/watch test`, a new default channel, or the
 * bot coming back to the server.
 */
export type WatchPause = z.infer<typeof watchPauseSchema>;

export const watchSchema = z.object({
	version: z.literal(1),
	guildId: idSchema,
	/** Twitch user id: the key, because logins change on rename. */
	twitchUserId: idSchema,
	login: z.string().min(1),
	displayName: z.string().min(1),
	/** null → the guild's default post channel. */
	channelId: idSchema.nullable(),
	roleId: idSchema.nullable(),
	template: z.string().nullable(),
	createdAt: epochMsSchema,
	createdBy: idSchema,
	/**
	 * Legacy: where versions before the delivery status repository kept how delivery went. Never written now; read
	 * once as the starting status of a target that has no status record yet (DeliveryStatusRepository).
	 */
	lastAnnouncedAt: epochMsSchema.nullable().optional(),
	/** Legacy: see lastAnnouncedAt. */
	delivery: deliveryStatusSchema.optional(),
	/** Set while the watch is paused (see WatchPause); absent or null when it is active. */
	paused: watchPauseSchema.nullable().optional(),
});
export type Watch = z.infer<typeof watchSchema>;

export const streamStateSchema = z.object({
	version: z.literal(1),
	userId: idSchema,
	status: z.enum(['offline', 'live']),
	streamId: idSchema.nullable(),
	startedAt: z.string().nullable(),
	title: z.string(),
	// Twitch sends empty strings for a stream without a category.
	gameId: z.string(),
	gameName: z.string(),
	login: z.string(),
	displayName: z.string(),
	thumbnailUrl: z.string(),
	viewerCount: z.number().int().nonnegative(),
	/** Live but absent from Get Streams since then (ms): the stream only counts as ended after a grace period. */
	missingSince: epochMsSchema.nullable(),
	lastEndedStreamId: idSchema.nullable(),
	endedAt: epochMsSchema.nullable(),
	updatedAt: epochMsSchema,
});
export type StreamState = z.infer<typeof streamStateSchema>;

export const announcementPhaseSchema = z.enum(['intent', 'posted', 'ended', 'abandoned']);
/** intent: decided to post, not known to be posted (finish it on restart); posted; ended; abandoned (gave up). */
export type AnnouncementPhase = z.infer<typeof announcementPhaseSchema>;

export const announcementSchema = z.object({
	version: z.literal(1),
	streamId: idSchema,
	userId: idSchema,
	guildId: idSchema,
	channelId: idSchema,
	/** Discord message nonce (at most 25 characters): see announcementNonce(). */
	nonce: z.string().min(1).max(25),
	phase: announcementPhaseSchema,
	messageId: idSchema.nullable(),
	createdAt: epochMsSchema,
	postedAt: epochMsSchema.nullable(),
	lastEditAt: epochMsSchema.nullable(),
	renderedTitle: z.string(),
	renderedGame: z.string(),
	endedAt: epochMsSchema.nullable(),
	/**
	 * When the stream started (ISO 8601), for the "was live for …" of an end action finished after a restart.
	 * Absent in records written before it was added.
	 */
	streamStartedAt: z.string().nullable().optional(),
	/** Whether the post showed the stream's preview image (false: posted from EventSub before Get Streams listed it). */
	renderedPreview: z.boolean().optional(),
	/**
	 * The fencing number of the notifier lease held by the process that wrote the record, when it held one: tells
	 * which process wrote what after a takeover. Absent in records written before it was added, or without a lease.
	 */
	fence: z.number().int().nonnegative().optional(),
});
export type Announcement = z.infer<typeof announcementSchema>;

/** The settings of a guild that never changed any: post channel unset, edit at the end, 100 watches at most. */
export function defaultGuildSettings(guildId: string): GuildSettings {
	return {
		version: 1,
		guildId,
		defaultChannelId: null,
		endAction: 'edit',
		updateOnChange: true,
		streamSummary: true,
		gameFilter: [],
		keywordFilter: [],
		watchLimit: 100,
		categoryPostLimit: 5,
		categoryWatchLimit: 10,
	};
}

/** The delivery status of a watch that has not posted yet. */
export function emptyDeliveryStatus(): DeliveryStatus {
	return { lastError: null, consecutiveFailures: 0, retryAt: null, lastSuccessAt: null };
}

/**
 * The Discord message nonce for one stream's announcement in one channel: deterministic, so that a create repeated
 * after a crash or retry carries the same nonce and Discord (with `enforce_nonce: true`) returns the message it
 * already made instead of posting twice. Discord accepts nonces of at most 25 characters: 128 bits of SHA-256 in
 * base 36 fit.
 */
export function announcementNonce(streamId: string, channelId: string): string {
	const digest = createHash('sha256').update(`${streamId}:${channelId}`).digest();
	return BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString(36);
}

/** Called with the key and the reason when a stored record cannot be used; the record is then treated as absent. */
export type CorruptRecordHandler = (key: string, error: Error) => void;

/** Options every repository accepts. */
export interface RepositoryOptions {
	/** Told about stored records that are unreadable, of another version or of the wrong shape (e.g. to log them). */
	onCorrupt?: CorruptRecordHandler;
}

/** A stored record that is not JSON, of another version, or of the wrong shape. */
export class CorruptRecordError extends Error {
	readonly key: string;
	constructor(key: string, message: string, options?: ErrorOptions) {
		super(`stored record ${key}: ${message}`, options);
		this.name = 'CorruptRecordError';
		this.key = key;
	}
}

type Checked<T> = { ok: true; record: T } | { ok: false; error: CorruptRecordError };

/** `item` names a list item in the message ("item 3: …"); the key stays the keyv key. */
function checkStoredValue<T>(key: string, raw: unknown, schema: z.ZodType<T>, item = ''): Checked<T> {
	if (raw instanceof UnreadableStoredValue) {
		return {
			ok: false,
			error: new CorruptRecordError(key, `${item}not JSON (${raw.error.message})`, { cause: raw.error }),
		};
	}
	const version = typeof raw === 'object' && raw !== null && 'version' in raw ? raw.version : undefined;
	if (version !== undefined && version !== 1) {
		return {
			ok: false,
			error: new CorruptRecordError(key, `${item}version ${String(version)}, this code reads version 1`),
		};
	}
	const parsed = schema.safeParse(raw);
	if (!parsed.success) {
		return {
			ok: false,
			error: new CorruptRecordError(key, `${item}${z.prettifyError(parsed.error)}`, { cause: parsed.error }),
		};
	}
	return { ok: true, record: parsed.data };
}

/**
 * The record stored under `key` when it is valid, else undefined. `raw` is what keyv returned; a present but
 * unusable record is reported to `onCorrupt` and treated as absent.
 */
export function parseStoredRecord<T>(
	key: string,
	raw: unknown,
	schema: z.ZodType<T>,
	onCorrupt: CorruptRecordHandler | undefined,
): T | undefined {
	if (raw === undefined || raw === null) return undefined;
	const checked = checkStoredValue(key, raw, schema);
	if (checked.ok) return checked.record;
	onCorrupt?.(key, checked.error);
	return undefined;
}

/**
 * The valid items of the list stored under `key` (empty when absent). Each invalid item is reported to `onCorrupt`
 * and left out, so that one bad item does not hide the others; a value that is not a list is reported as a whole.
 */
export function parseStoredList<T>(
	key: string,
	raw: unknown,
	itemSchema: z.ZodType<T>,
	onCorrupt: CorruptRecordHandler | undefined,
): T[] {
	if (raw === undefined || raw === null) return [];
	if (!Array.isArray(raw)) {
		const checked = checkStoredValue(key, raw, z.array(z.unknown()));
		if (!checked.ok) onCorrupt?.(key, checked.error);
		return [];
	}
	const items: T[] = [];
	for (const [index, item] of raw.entries()) {
		const checked = checkStoredValue(key, item, itemSchema, `item ${index}: `);
		if (checked.ok) items.push(checked.record);
		else onCorrupt?.(key, checked.error);
	}
	return items;
}

/** One record of a batched write (keyv's setMany); `ttl` in ms, absent: kept until overwritten. */
export interface StoredEntry {
	key: string;
	value: unknown;
	ttl?: number;
}

/**
 * One repository's share of a read that several repositories make together (readTogether): one keyv.getMany, so one
 * store round trip however many records.
 */
export interface StoredRead<T> {
	readonly keys: readonly string[];
	/** What the repository makes of the stored values of `keys` (same order; undefined for an absent key). */
	settle(values: readonly unknown[]): T;
	/** Runs the read under the repository's lock for these keys, when it keeps them in memory (see readTogether). */
	guard?: <R>(read: () => Promise<R>) => Promise<R>;
}

/**
 * One repository's share of a write that several repositories make together (writeTogether): one keyv.setMany, which
 * every adapter the bot uses runs as one statement or transaction (SQLite and PostgreSQL: one INSERT … ON CONFLICT;
 * Redis: MULTI/EXEC), so its records are stored together or not at all.
 */
export interface StoredWrite {
	/**
	 * Computes the share's entries under the repository's lock for them, hands them to `write` (which stores them
	 * along with the other shares), and brings the repository's memory in step once `write` has succeeded.
	 */
	join<R>(write: (entries: StoredEntry[]) => Promise<R>): Promise<R>;
}

type ReadResults<Parts extends readonly StoredRead<unknown>[]> = {
	-readonly [I in keyof Parts]: Parts[I] extends StoredRead<infer T> ? T : never;
};

/** Reads the keys of all `parts` in one round trip (none when they have no keys) and settles each with its values. */
export async function readTogether<const Parts extends readonly StoredRead<unknown>[]>(
	keyv: Keyv,
	parts: Parts,
): Promise<ReadResults<Parts>> {
	const guards = parts.flatMap((part) => (part.guard ? [part.guard] : []));
	const read = async () => {
		const keys = parts.flatMap((part) => part.keys);
		const values: unknown[] = keys.length === 0 ? [] : await keyv.getMany(keys);
		let offset = 0;
		return parts.map((part) => {
			const own = values.slice(offset, offset + part.keys.length);
			offset += part.keys.length;
			return part.settle(own);
		});
	};
	// Each guard (a lock) wraps the next: the read runs once all are held.
	const guarded = guards.reduceRight<() => Promise<unknown[]>>((inner, guard) => () => guard(inner), read);
	return (await guarded()) as ReadResults<Parts>;
}

/** Stores the entries of all `parts` in one keyv.setMany (see StoredWrite), each share under its own lock. */
export async function writeTogether(keyv: Keyv, parts: readonly StoredWrite[]): Promise<void> {
	const joinFrom = (index: number, gathered: StoredEntry[]): Promise<void> => {
		const part = parts[index];
		if (!part) return gathered.length === 0 ? Promise.resolve() : keyv.setMany(gathered).then(() => {});
		return part.join((entries) => joinFrom(index + 1, [...gathered, ...entries]));
	};
	await joinFrom(0, []);
}
