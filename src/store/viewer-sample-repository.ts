import { z } from 'zod';
import { FINISHED_STREAM_RETENTION_MS } from './announcement-repository.ts';
import type { Store } from './keyv.ts';
import { type CorruptRecordHandler, parseStoredRecord, type RepositoryOptions } from './records.ts';

/**
 * The viewer samples of live streams, for the summary card at their end (issue 11). Built to be appended to by the
 * poller at 10,000 live streams without rewriting a growing series: each sample is a record of its own,
 * `viewer-sample:<streamId>:<n>`, beside a small head `viewer-samples:<streamId>` that says how many there are.
 * A sample repeats the category and title only when they changed since the one before. Everything expires with
 * the stream's announcement records: Twitch ends a stream after 48 hours, and finished records are kept
 * FINISHED_STREAM_RETENTION_MS.
 */
const RETENTION_MS = 48 * 60 * 60_000 + FINISHED_STREAM_RETENTION_MS;

/** [at (ms), viewers] — or, when the category or title changed: [at, viewers, gameId, gameName, title]. */
const storedSampleSchema = z.union([
	z.tuple([z.number().nonnegative(), z.number().int().nonnegative()]),
	z.tuple([z.number().nonnegative(), z.number().int().nonnegative(), z.string(), z.string(), z.string()]),
]);
type StoredSample = z.infer<typeof storedSampleSchema>;

const headSchema = z.object({
	version: z.literal(1),
	streamId: z.string().min(1),
	/** Samples stored: `viewer-sample:<streamId>:0` … `:<count − 1>`. */
	count: z.number().int().nonnegative(),
	/** The last sample, whole: what the next one is compared with, and when it was taken. */
	last: z.object({
		at: z.number().nonnegative(),
		viewers: z.number().int().nonnegative(),
		gameId: z.string(),
		gameName: z.string(),
		title: z.string(),
	}),
});
export type ViewerSeriesHead = z.infer<typeof headSchema>;

/** One sample as stored and read back (the notify layer's ViewerSample has this shape). */
export interface ViewerSampleRecord {
	at: number;
	viewers: number;
	gameId: string;
	gameName: string;
	title: string;
}

/** One sample to append to a stream's series, with the head it had before (undefined: the first). */
export interface SampleAppend {
	streamId: string;
	head: ViewerSeriesHead | undefined;
	sample: ViewerSampleRecord;
}

export class ViewerSampleRepository {
	private readonly store: Store;
	private readonly onCorrupt: CorruptRecordHandler | undefined;

	constructor(store: Store, options: RepositoryOptions = {}) {
		this.store = store;
		this.onCorrupt = options.onCorrupt;
	}

	/** The heads of these streams' series (one batch read); streams without samples are absent. */
	async heads(streamIds: readonly string[]): Promise<Map<string, ViewerSeriesHead>> {
		const heads = new Map<string, ViewerSeriesHead>();
		if (streamIds.length === 0) return heads;
		const values: unknown[] = await this.store.keyv.getMany(streamIds.map(headKey));
		for (const [index, streamId] of streamIds.entries()) {
			const head = parseStoredRecord(headKey(streamId), values[index], headSchema, this.onCorrupt);
			if (head?.streamId === streamId) heads.set(streamId, head);
		}
		return heads;
	}

	/**
	 * Appends one sample to each stream's series, all in one batch write; returns the new heads. A sample whose
	 * stream has a head stores its category and title only when they changed.
	 */
	async append(appends: readonly SampleAppend[]): Promise<Map<string, ViewerSeriesHead>> {
		const heads = new Map<string, ViewerSeriesHead>();
		const entries: Array<{ key: string; value: unknown; ttl: number }> = [];
		for (const { streamId, head, sample } of appends) {
			const count = head?.count ?? 0;
			const changed = head === undefined || head.last.gameId !== sample.gameId || head.last.title !== sample.title;
			const stored: StoredSample = changed
				? [sample.at, sample.viewers, sample.gameId, sample.gameName, sample.title]
				: [sample.at, sample.viewers];
			const next: ViewerSeriesHead = { version: 1, streamId, count: count + 1, last: { ...sample } };
			entries.push({ key: sampleKey(streamId, count), value: stored, ttl: RETENTION_MS });
			entries.push({ key: headKey(streamId), value: next, ttl: RETENTION_MS });
			heads.set(streamId, next);
		}
		if (entries.length > 0) await this.store.keyv.setMany(entries);
		return heads;
	}

	/** Every stored sample of a stream, in order (an unreadable one is reported and left out). */
	async samples(streamId: string): Promise<ViewerSampleRecord[]> {
		const [head] = (await this.heads([streamId])).values();
		if (!head || head.count === 0) return [];
		const keys = Array.from({ length: head.count }, (_, index) => sampleKey(streamId, index));
		const values: unknown[] = await this.store.keyv.getMany(keys);
		const samples: ViewerSampleRecord[] = [];
		let gameId = '';
		let gameName = '';
		let title = '';
		for (const [index, raw] of values.entries()) {
			const stored = parseStoredRecord(keys[index] as string, raw, storedSampleSchema, this.onCorrupt);
			if (!stored) continue;
			if (stored.length === 5) [, , gameId, gameName, title] = stored;
			samples.push({ at: stored[0], viewers: stored[1], gameId, gameName, title });
		}
		return samples;
	}
}

function headKey(streamId: string): string {
	return `viewer-samples:${streamId}`;
}

function sampleKey(streamId: string, index: number): string {
	return `viewer-sample:${streamId}:${index}`;
}
