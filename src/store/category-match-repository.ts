import { z } from 'zod';
import type { Store } from './keyv.ts';
import {
	type CorruptRecordHandler,
	parseStoredRecord,
	type RepositoryOptions,
	type StoredEntry,
	type StoredRead,
} from './records.ts';

const idSchema = z.string().min(1);

const categoryMatchSchema = z.object({
	streamId: idSchema,
	userId: idSchema,
	login: z.string().min(1),
	displayName: z.string().min(1),
	/** Let through the flood guard: the watch announces this stream. False: counted in a "… more live" line instead. */
	admitted: z.boolean(),
	/** When the watch first saw the stream (ms). */
	at: z.number().nonnegative(),
});
/** One live stream a category watch has decided about. */
export type CategoryMatch = z.infer<typeof categoryMatchSchema>;

const categoryMatchesSchema = z.object({
	version: z.literal(1),
	watchId: idSchema,
	streams: z.array(categoryMatchSchema),
});

/** Streams last 48 hours at most: a record nobody rewrote for that long holds nothing live. */
const MATCHES_TTL_MS = 48 * 60 * 60_000;

/**
 * What each category watch decided about the live streams of its category (`category-matches:<watchId>`): which it
 * announces and which the flood guard summarised, so that neither is announced (again) after a restart, and the
 * announced ones are followed to their end. Written by the notifier when a decision is added or dropped, not every
 * cycle.
 */
export class CategoryMatchRepository {
	private readonly store: Store;
	private readonly onCorrupt: CorruptRecordHandler | undefined;

	constructor(store: Store, options: RepositoryOptions = {}) {
		this.store = store;
		this.onCorrupt = options.onCorrupt;
	}

	/** The stored decisions of these watches (absent: none), as a share of a read made with other repositories. */
	reading(watchIds: readonly string[]): StoredRead<Map<string, CategoryMatch[]>> {
		const ids = [...new Set(watchIds)];
		return {
			keys: ids.map(matchesKey),
			settle: (values) =>
				new Map(
					ids.map((watchId, index) => {
						const record = parseStoredRecord(matchesKey(watchId), values[index], categoryMatchesSchema, this.onCorrupt);
						return [watchId, record?.watchId === watchId ? record.streams : []];
					}),
				),
		};
	}

	/** The stored decisions of these watches, in one round trip. */
	async getMany(watchIds: readonly string[]): Promise<Map<string, CategoryMatch[]>> {
		const read = this.reading(watchIds);
		if (read.keys.length === 0) return new Map();
		return read.settle(await this.store.keyv.getMany([...read.keys]));
	}

	/** Stores the decisions of these watches in one write (an empty list deletes the record). */
	async setMany(records: ReadonlyMap<string, readonly CategoryMatch[]>): Promise<void> {
		const entries: StoredEntry[] = [];
		const gone: string[] = [];
		for (const [watchId, streams] of records) {
			if (streams.length === 0) gone.push(matchesKey(watchId));
			else entries.push({ key: matchesKey(watchId), value: { version: 1, watchId, streams }, ttl: MATCHES_TTL_MS });
		}
		if (entries.length > 0) await this.store.keyv.setMany(entries);
		if (gone.length > 0) await this.store.keyv.deleteMany(gone);
	}
}

function matchesKey(watchId: string): string {
	return `category-matches:${watchId}`;
}
