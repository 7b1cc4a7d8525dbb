import type { Store } from './keyv.ts';
import {
	type CorruptRecordHandler,
	parseStoredRecord,
	type RepositoryOptions,
	type StreamState,
	streamStateSchema,
} from './records.ts';

/**
 * The go-live state machine's state per watched Twitch user, stored under `stream-state:<userId>`. Built for the
 * poller's batch use: one getMany and one setMany per cycle for all watched users (10,000 and more).
 */
export class StreamStateRepository {
	private readonly store: Store;
	private readonly onCorrupt: CorruptRecordHandler | undefined;

	constructor(store: Store, options: RepositoryOptions = {}) {
		this.store = store;
		this.onCorrupt = options.onCorrupt;
	}

	/** The stored states of these users (one batch read); users without a usable state are absent from the map. */
	async getMany(userIds: string[]): Promise<Map<string, StreamState>> {
		const states = new Map<string, StreamState>();
		if (userIds.length === 0) return states;
		const keys = userIds.map(stateKey);
		const values: unknown[] = await this.store.keyv.getMany(keys);
		for (const [index, userId] of userIds.entries()) {
			const key = stateKey(userId);
			const state = parseStoredRecord(key, values[index], streamStateSchema, this.onCorrupt);
			if (state?.userId === userId) states.set(userId, state);
			else if (state) this.onCorrupt?.(key, new Error(`the state of user ${state.userId} is stored under ${key}`));
		}
		return states;
	}

	/** The stored state of one user, if any. */
	async get(userId: string): Promise<StreamState | undefined> {
		const key = stateKey(userId);
		return parseStoredRecord(key, await this.store.keyv.get(key), streamStateSchema, this.onCorrupt);
	}

	/**
	 * Stores these states in one batch write (a single statement on SQL, a MULTI on Redis). When a user appears twice,
	 * the last state wins. Throws a ZodError, storing nothing, if any state is invalid.
	 */
	async setMany(states: StreamState[]): Promise<void> {
		const byUser = new Map<string, StreamState>();
		for (const state of states) byUser.set(state.userId, streamStateSchema.parse(state));
		if (byUser.size === 0) return;
		await this.store.keyv.setMany([...byUser.values()].map((state) => ({ key: stateKey(state.userId), value: state })));
	}

	/** Stores one state. Throws a ZodError if it is invalid. */
	async set(state: StreamState): Promise<void> {
		const record = streamStateSchema.parse(state);
		await this.store.keyv.set(stateKey(record.userId), record);
	}
}

function stateKey(userId: string): string {
	return `stream-state:${userId}`;
}
