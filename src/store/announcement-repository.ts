import { z } from 'zod';
import { createKeyLock } from './key-lock.ts';
import type { Store } from './keyv.ts';
import {
	type Announcement,
	announcementSchema,
	type CorruptRecordHandler,
	parseStoredList,
	type RepositoryOptions,
} from './records.ts';

// The unfinished index is split into shards (by stream id) so that 1,000 go-lives in one cycle rewrite small lists,
// not one list of 1,000 ids a thousand times over.
const UNFINISHED_SHARDS = 64;
const unfinishedKeys = Array.from({ length: UNFINISHED_SHARDS }, (_, shard) => `announcements-unfinished:${shard}`);

/** How long the announcements of a finished stream are kept (for /watch list and late Twitch flaps), then expire. */
export const FINISHED_STREAM_RETENTION_MS = 30 * 24 * 60 * 60_000;

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
 * One instance per store: it assumes it is the only writer.
 */
export class AnnouncementRepository {
	private readonly store: Store;
	private readonly onCorrupt: CorruptRecordHandler | undefined;
	private readonly lock = createKeyLock();
	/** The stored unfinished lists by shard key, each read once and then kept in step with every write. */
	private readonly unfinished = new Map<string, Set<string>>();

	constructor(store: Store, options: RepositoryOptions = {}) {
		this.store = store;
		this.onCorrupt = options.onCorrupt;
	}

	/** The stream's announcements, one per target channel, in the order they were first put. */
	async listForStream(streamId: string): Promise<Announcement[]> {
		const key = announcementsKey(streamId);
		return parseStoredList(key, await this.store.keyv.get(key), announcementSchema, this.onCorrupt).filter(
			(announcement) => announcement.streamId === streamId,
		);
	}

	/** The stream's announcement in that channel, if any. */
	async get(streamId: string, channelId: string): Promise<Announcement | undefined> {
		return (await this.listForStream(streamId)).find((announcement) => announcement.channelId === channelId);
	}

	/**
	 * Inserts the announcement or replaces the one for the same stream and channel. An 'intent' is listed as
	 * unfinished before it is stored, and any other phase is stored before it is unlisted: a crash at any point
	 * leaves every intent findable by listUnfinished(). Throws a ZodError for an invalid announcement.
	 */
	async put(announcement: Announcement): Promise<void> {
		const record = announcementSchema.parse(announcement);
		const id = unfinishedId(record.streamId, record.channelId);
		await this.lock.acquire(announcementsKey(record.streamId), async () => {
			const unfinished = isUnfinished(record);
			if (unfinished) await this.setUnfinished(record.streamId, id, true);
			const next = await this.listForStream(record.streamId);
			const index = next.findIndex((existing) => existing.channelId === record.channelId);
			if (index === -1) next.push(record);
			else next[index] = record;
			// Once every target of the stream is done with, the record only has to outlive late questions about it.
			const finished = next.every((a) => a.phase === 'ended' || a.phase === 'abandoned');
			await this.store.keyv.set(
				announcementsKey(record.streamId),
				next,
				finished ? FINISHED_STREAM_RETENTION_MS : undefined,
			);
			if (!unfinished) await this.setUnfinished(record.streamId, id, false);
		});
	}

	/**
	 * The announcements a restart must finish (see isUnfinished): intents not known to be posted, and ended streams
	 * whose end action has not gone through.
	 */
	async listUnfinished(): Promise<Announcement[]> {
		const channelsByStream = new Map<string, Set<string>>();
		const shards = await Promise.all(
			unfinishedKeys.map((key) => this.lock.acquire(key, () => this.readUnfinished(key))),
		);
		for (const id of shards.flatMap((shard) => [...shard])) {
			const separator = id.lastIndexOf(':');
			const streamId = id.slice(0, separator);
			const channels = channelsByStream.get(streamId) ?? new Set<string>();
			channels.add(id.slice(separator + 1));
			channelsByStream.set(streamId, channels);
		}
		const lists = await Promise.all(
			[...channelsByStream].map(async ([streamId, channelIds]) =>
				(await this.listForStream(streamId)).filter(
					(announcement) => isUnfinished(announcement) && channelIds.has(announcement.channelId),
				),
			),
		);
		return lists.flat();
	}

	/** Forgets the stream's announcement in that channel (a no-op when there is none). */
	async remove(streamId: string, channelId: string): Promise<void> {
		await this.lock.acquire(announcementsKey(streamId), async () => {
			const current = await this.listForStream(streamId);
			const next = current.filter((announcement) => announcement.channelId !== channelId);
			if (next.length === 0) await this.store.keyv.delete(announcementsKey(streamId));
			else if (next.length !== current.length) await this.store.keyv.set(announcementsKey(streamId), next);
			await this.setUnfinished(streamId, unfinishedId(streamId, channelId), false);
		});
	}

	/** Only under the lock of `key`: a read racing a write could otherwise cache a stale list. */
	private async readUnfinished(key: string): Promise<Set<string>> {
		let shard = this.unfinished.get(key);
		if (!shard) {
			shard = new Set(parseStoredList(key, await this.store.keyv.get(key), z.string().min(3), this.onCorrupt));
			this.unfinished.set(key, shard);
		}
		return shard;
	}

	private async setUnfinished(streamId: string, id: string, listed: boolean): Promise<void> {
		const key = unfinishedShardKey(streamId);
		await this.lock.acquire(key, async () => {
			const current = await this.readUnfinished(key);
			if (current.has(id) === listed) return;
			const next = new Set(current);
			if (listed) next.add(id);
			else next.delete(id);
			await this.store.keyv.set(key, [...next]);
			this.unfinished.set(key, next);
		});
	}
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
