import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { createKeyLock } from './key-lock.ts';
import type { Store } from './keyv.ts';
import {
	type Announcement,
	announcementSchema,
	type CorruptRecordHandler,
	parseStoredList,
	type RepositoryOptions,
	readTogether,
	type StoredEntry,
	type StoredRead,
	type StoredWrite,
	writeTogether,
} from './records.ts';

// The unfinished index is split into shards (by stream id) so that 1,000 go-lives in one cycle rewrite small lists,
// not one list of 1,000 ids a thousand times over.
const UNFINISHED_SHARDS = 64;
const unfinishedKeys = Array.from({ length: UNFINISHED_SHARDS }, (_, shard) => `announcements-unfinished:${shard}`);

/** How long the announcements of a finished stream are kept (for /watch list and late Twitch flaps), then expire. */
export const FINISHED_STREAM_RETENTION_MS = 30 * 24 * 60 * 60_000;

/**
 * Streams whose lists are kept in memory (a few hundred bytes each): more than are live at once in a big deployment.
 * Past it, the least recently used is read again at its next write.
 */
const REMEMBERED_STREAMS = 10_000;

/**
 * Whether a restart must pick this announcement up again: decided but not known to be posted ('intent'), or
 * posted for a stream that ended while its end action (edit or delete) has not gone through yet.
 */
export function isUnfinished(announcement: Announcement): boolean {
	return announcement.phase === 'intent' || (announcement.phase === 'posted' && announcement.endedAt !== null);
}

/**
 * The announcements made (or about to be made) for each stream, one per target channel, stored as one list per
 * stream (`announcements:<streamId>`). The unfinished ones (see isUnfinished: an intent not known to be posted, or
 * a post whose end action has not gone through) are also listed under `announcements-unfinished:<shard>`
 * ("streamId:channelId"), so that a restart finds them: the notifier tries a pending end action again, and delivers
 * an intent only once a poll confirms its stream is still live.
 *
 * One instance per store: it assumes it is the only writer (the active notifier). So the lists of streams it works on
 * and the unfinished shards are read once and then kept in step with every write: a write is one store round trip,
 * with no read before it.
 */
export class AnnouncementRepository {
	private readonly store: Store;
	private readonly onCorrupt: CorruptRecordHandler | undefined;
	private readonly lock = createKeyLock();
	/** The stored unfinished lists by shard key, each read once and then kept in step with every write. */
	private readonly unfinished = new Map<string, Set<string>>();
	/** Writes of each shard begun so far: a shard read outside its lock is only taken if none began meanwhile. */
	private readonly shardWrites = new Map<string, number>();
	/** The stored lists of streams not finished with (see isFinished), by stream id, as last read or written. */
	private readonly lists = new LRUCache<string, Announcement[]>({ max: REMEMBERED_STREAMS });

	constructor(store: Store, options: RepositoryOptions = {}) {
		this.store = store;
		this.onCorrupt = options.onCorrupt;
	}

	/** The stream's announcements, one per target channel, in the order they were first put. */
	async listForStream(streamId: string): Promise<Announcement[]> {
		const [announcements] = await this.readTogether([this.listing(streamId)]);
		return announcements;
	}

	/** The stream's announcement in that channel, if any. */
	async get(streamId: string, channelId: string): Promise<Announcement | undefined> {
		return (await this.listForStream(streamId)).find((announcement) => announcement.channelId === channelId);
	}

	/**
	 * Reads `parts`, of repositories over the same database and namespace, in one store round trip: what the notifier
	 * needs for a stream's work (see listing) together with the guild settings and delivery statuses of its targets.
	 */
	readTogether<const Parts extends readonly StoredRead<unknown>[]>(parts: Parts) {
		return readTogether(this.store.keyv, parts);
	}

	/**
	 * The stream's announcements (as listForStream) as a share of a read made together with other repositories. The
	 * first time, it also reads the stream's unfinished shard, so that the stream's first write needs no read.
	 */
	listing(streamId: string): StoredRead<Announcement[]> {
		const key = announcementsKey(streamId);
		const shardKey = unfinishedShardKey(streamId);
		const withShard = !this.unfinished.has(shardKey);
		const shardWritesBefore = this.shardWrites.get(shardKey) ?? 0;
		return {
			keys: withShard ? [key, shardKey] : [key],
			// Under the stream's lock: a read overtaken by a write of the stream would otherwise remember a stale list.
			guard: (read) => this.lock.acquire(key, read),
			settle: ([list, shard]) => {
				if (withShard) this.learnShard(shardKey, shard, shardWritesBefore);
				const announcements = this.parseList(streamId, list);
				this.remember(streamId, announcements);
				return [...announcements];
			},
		};
	}

	/**
	 * Inserts the announcement or replaces the one for the same stream and channel, and stores `also` (shares of
	 * other repositories) in the same write. The record and its listing as unfinished (see isUnfinished) change in one
	 * write, all or nothing: a crash at any point leaves every intent findable by listUnfinished(). Throws a ZodError
	 * for an invalid announcement.
	 */
	async put(announcement: Announcement, ...also: StoredWrite[]): Promise<void> {
		await writeTogether(this.store.keyv, [this.putting(announcement), ...also]);
	}

	/** The write of put() as a share of a write made together with other repositories. */
	putting(announcement: Announcement): StoredWrite {
		const record = announcementSchema.parse(announcement);
		const { streamId } = record;
		const key = announcementsKey(streamId);
		const shardKey = unfinishedShardKey(streamId);
		const id = unfinishedId(streamId, record.channelId);
		return {
			join: (write) =>
				this.lock.acquire(key, async () => {
					const next = [...(this.lists.get(streamId) ?? (await this.readList(streamId)))];
					const index = next.findIndex((existing) => existing.channelId === record.channelId);
					if (index === -1) next.push(record);
					else next[index] = record;
					// Once every target of the stream is done with, the record only has to outlive late questions about it.
					const entry: StoredEntry = isFinished(next)
						? { key, value: next, ttl: FINISHED_STREAM_RETENTION_MS }
						: { key, value: next };
					const listed = isUnfinished(record);
					// Only writes of this stream, which hold its lock, list or unlist its ids: this one's listing is settled.
					if ((await this.unfinishedShard(shardKey)).has(id) === listed) {
						const result = await write([entry]).catch(this.forgetOnFailure(streamId));
						this.remember(streamId, next);
						return result;
					}
					return this.lock.acquire(shardKey, async () => {
						const shard = new Set(await this.readUnfinished(shardKey));
						if (listed) shard.add(id);
						else shard.delete(id);
						this.beginShardWrite(shardKey);
						const shardEntry = { key: shardKey, value: [...shard] };
						const result = await write([entry, shardEntry]).catch(this.forgetOnFailure(streamId, shardKey));
						this.unfinished.set(shardKey, shard);
						this.remember(streamId, next);
						return result;
					});
				}),
		};
	}

	/**
	 * The announcements a restart must finish (see isUnfinished): intents not known to be posted, and ended streams
	 * whose end action has not gone through. Two round trips: the shards not known yet, then the streams' lists.
	 */
	async listUnfinished(): Promise<Announcement[]> {
		const shards = new Map<string, ReadonlySet<string>>(this.unfinished);
		const missing = unfinishedKeys.filter((key) => !shards.has(key));
		if (missing.length > 0) {
			const writesBefore = missing.map((key) => this.shardWrites.get(key) ?? 0);
			const values: unknown[] = await this.store.keyv.getMany(missing);
			for (const [index, key] of missing.entries()) {
				shards.set(key, this.learnShard(key, values[index], writesBefore[index]));
			}
		}
		const channelsByStream = new Map<string, Set<string>>();
		for (const id of [...shards.values()].flatMap((shard) => [...shard])) {
			const separator = id.lastIndexOf(':');
			const streamId = id.slice(0, separator);
			const channels = channelsByStream.get(streamId) ?? new Set<string>();
			channels.add(id.slice(separator + 1));
			channelsByStream.set(streamId, channels);
		}
		if (channelsByStream.size === 0) return [];
		const streamIds = [...channelsByStream.keys()];
		const lists: unknown[] = await this.store.keyv.getMany(streamIds.map(announcementsKey));
		return streamIds.flatMap((streamId, index) => {
			const channelIds = channelsByStream.get(streamId) ?? new Set<string>();
			return this.parseList(streamId, lists[index]).filter(
				(announcement) => isUnfinished(announcement) && channelIds.has(announcement.channelId),
			);
		});
	}

	/** Forgets the stream's announcement in that channel (a no-op when there is none). */
	async remove(streamId: string, channelId: string): Promise<void> {
		const key = announcementsKey(streamId);
		await this.lock.acquire(key, async () => {
			const current = await this.readList(streamId);
			const next = current.filter((announcement) => announcement.channelId !== channelId);
			if (next.length !== current.length) {
				const write = next.length === 0 ? this.store.keyv.delete(key) : this.store.keyv.set(key, next);
				await write.catch(this.forgetOnFailure(streamId));
			}
			this.remember(streamId, next);
			await this.setUnfinished(streamId, unfinishedId(streamId, channelId), false);
		});
	}

	/** Only under the lock of the stream's key. */
	private async readList(streamId: string): Promise<Announcement[]> {
		const announcements = this.parseList(streamId, await this.store.keyv.get(announcementsKey(streamId)));
		this.remember(streamId, announcements);
		return announcements;
	}

	private parseList(streamId: string, raw: unknown): Announcement[] {
		return parseStoredList(announcementsKey(streamId), raw, announcementSchema, this.onCorrupt).filter(
			(announcement) => announcement.streamId === streamId,
		);
	}

	/** Keeps the stream's list for its next write; a finished stream is rarely written again and is read then. */
	private remember(streamId: string, announcements: Announcement[]): void {
		if (announcements.length > 0 && isFinished(announcements)) this.lists.delete(streamId);
		else this.lists.set(streamId, announcements);
	}

	/**
	 * Keeps a shard as read, unless one is known by now. A read made outside the shard's lock passes the number of
	 * writes begun before it was sent (`writesBefore`), and is kept only if none began since: it cannot be stale then.
	 */
	private learnShard(key: string, raw: unknown, writesBefore?: number): Set<string> {
		const known = this.unfinished.get(key);
		if (known) return known;
		const shard = new Set(parseStoredList(key, raw, z.string().min(3), this.onCorrupt));
		if (writesBefore === undefined || writesBefore === (this.shardWrites.get(key) ?? 0)) {
			this.unfinished.set(key, shard);
		}
		return shard;
	}

	private beginShardWrite(key: string): void {
		this.shardWrites.set(key, (this.shardWrites.get(key) ?? 0) + 1);
	}

	/**
	 * After a failed write, which may still have been applied (a deadline passed), what memory holds of it may be
	 * stale: it is read again before the next write.
	 */
	private forgetOnFailure(streamId: string, shardKey?: string): (error: unknown) => never {
		return (error) => {
			this.lists.delete(streamId);
			if (shardKey !== undefined) this.unfinished.delete(shardKey);
			throw error;
		};
	}

	/** The shard, read under its lock if not known yet. */
	private async unfinishedShard(key: string): Promise<ReadonlySet<string>> {
		return this.unfinished.get(key) ?? this.lock.acquire(key, () => this.readUnfinished(key));
	}

	/** Only under the lock of `key`. */
	private async readUnfinished(key: string): Promise<Set<string>> {
		return this.unfinished.get(key) ?? this.learnShard(key, await this.store.keyv.get(key));
	}

	private async setUnfinished(streamId: string, id: string, listed: boolean): Promise<void> {
		const key = unfinishedShardKey(streamId);
		await this.lock.acquire(key, async () => {
			const current = await this.readUnfinished(key);
			if (current.has(id) === listed) return;
			const next = new Set(current);
			if (listed) next.add(id);
			else next.delete(id);
			this.beginShardWrite(key);
			await this.store.keyv.set(key, [...next]).catch(this.forgetOnFailure(streamId, key));
			this.unfinished.set(key, next);
		});
	}
}

/** Every target of the stream is done with: ended or abandoned. */
function isFinished(announcements: readonly Announcement[]): boolean {
	return announcements.every((announcement) => announcement.phase === 'ended' || announcement.phase === 'abandoned');
}

function unfinishedShardKey(streamId: string): string {
	let hash = 0;
	for (let i = 0; i < streamId.length; i++) hash = (hash * 31 + streamId.charCodeAt(i)) >>> 0;
	return unfinishedKeys[hash % UNFINISHED_SHARDS] ?? `announcements-unfinished:0`;
}

function announcementsKey(streamId: string): string {
	return `announcements:${streamId}`;
}

function unfinishedId(streamId: string, channelId: string): string {
	return `${streamId}:${channelId}`;
}
