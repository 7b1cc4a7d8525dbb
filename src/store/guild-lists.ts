import { z } from 'zod';
import type { Coordination } from './coordination.ts';
import { createKeyLock } from './key-lock.ts';
import type { Store } from './keyv.ts';
import { withStoreLock } from './open-coordination.ts';
import { type CorruptRecordHandler, parseStoredList } from './records.ts';

/** How long a process waits for another one's change to the same list before giving up. */
const CHANGE_LOCK_WAIT_MS = 5_000;
/** Guild lists read per round trip when everything is loaded. */
const LOAD_BATCH = 500;

export interface GuildListsOptions<T> {
	store: Store;
	/** Where one guild's list is stored (`watches:<guildId>`). */
	keyOf: (guildId: string) => string;
	/** Where the list of guilds that have one is stored (`watch-guilds`). */
	guildListKey: string;
	/** A guild's stored value as items (unreadable ones reported and left out). */
	parse: (guildId: string, key: string, stored: unknown) => T[];
	/** Several processes share the store: each change holds the list's lock in the store and re-reads first. */
	coordination?: Coordination | undefined;
	onCorrupt?: CorruptRecordHandler | undefined;
	/** What a change does when another process holds the lock past CHANGE_LOCK_WAIT_MS (throw an error of its own). */
	busy: () => never;
}

/**
 * A list of items per guild (`<prefix>:<guildId>`, so that a guild's changes are atomic) plus the list of guilds that
 * have one, for a repository that mirrors them in memory (WatchRepository, CategoryWatchRepository). It keeps no
 * items itself: it reads, and it runs changes one at a time per guild, in this process and, with `coordination`,
 * across processes, against the stored list rather than anyone's memory.
 */
export class GuildLists<T> {
	private readonly o: GuildListsOptions<T>;
	private readonly lock = createKeyLock();
	/** The guild ids in the stored guild list, as last read or written. */
	private guildIds = new Set<string>();

	constructor(options: GuildListsOptions<T>) {
		this.o = options;
	}

	get shared(): boolean {
		return this.o.coordination !== undefined;
	}

	/** One guild's items as stored. */
	async read(guildId: string): Promise<T[]> {
		const key = this.o.keyOf(guildId);
		return this.o.parse(guildId, key, await this.o.store.keyv.get(key));
	}

	/**
	 * Every guild's items, handed to `take` a batch of LOAD_BATCH guilds at a time (one round trip each: a batch's raw
	 * values are garbage once taken, instead of every guild's at once). Returns the guild ids read.
	 */
	async readAll(take: (guildId: string, items: T[]) => void): Promise<string[]> {
		const { store, guildListKey } = this.o;
		const ids = [
			...new Set(
				parseStoredList(guildListKey, await store.keyv.get(guildListKey), z.string().min(1), this.o.onCorrupt),
			),
		];
		for (let start = 0; start < ids.length; start += LOAD_BATCH) {
			const batch = ids.slice(start, start + LOAD_BATCH);
			const values: unknown[] = await store.keyv.getMany(batch.map(this.o.keyOf));
			for (const [index, guildId] of batch.entries())
				take(guildId, this.o.parse(guildId, this.o.keyOf(guildId), values[index]));
		}
		this.guildIds = new Set(ids);
		return ids;
	}

	/**
	 * Changes one guild's list: `change` gets the current one — as stored when processes share the store, else
	 * `inMemory()` — and returns the next one, or null for no change. The next list is stored (an empty one deleted,
	 * the guild list kept in step), then `stored(next)` runs before the lock is let go, or `unchanged(current)` when
	 * nothing changed.
	 */
	change<R>(
		guildId: string,
		steps: {
			inMemory: () => readonly T[];
			change: (current: readonly T[]) => { next: T[] | null; result: R };
			stored: (next: readonly T[]) => Promise<void>;
			unchanged?: (current: readonly T[]) => void;
		},
	): Promise<R> {
		const key = this.o.keyOf(guildId);
		return this.lock.acquire(key, () =>
			this.acrossProcesses(key, async () => {
				const current = this.shared ? await this.read(guildId) : steps.inMemory();
				const { next, result } = steps.change(current);
				if (next === null) {
					steps.unchanged?.(current);
					return result;
				}
				if (next.length === 0) {
					await this.o.store.keyv.delete(key);
					await this.changeGuildList((ids) => ids.delete(guildId));
				} else {
					// The guild goes into the guild list first: a crash in between leaves an empty entry, never a lost item.
					await this.changeGuildList((ids) => ids.add(guildId));
					await this.o.store.keyv.set(key, next);
				}
				await steps.stored(next);
				return result;
			}),
		);
	}

	/** Runs `work` under this process's lock of the guild's list: a re-read that must not interleave with a change. */
	withGuildLock<R>(guildId: string, work: () => Promise<R>): Promise<R> {
		return this.lock.acquire(this.o.keyOf(guildId), work);
	}

	/** Runs `work` holding the named lock in the store when processes share it (see withStoreLock). */
	private acrossProcesses<R>(name: string, work: () => Promise<R>): Promise<R> {
		if (!this.o.coordination) return work();
		return withStoreLock(this.o.coordination, name, CHANGE_LOCK_WAIT_MS, work, this.o.busy);
	}

	/** Read-modify-write of the stored guild list (re-read first when other processes may write it). */
	private async changeGuildList(change: (ids: Set<string>) => unknown): Promise<void> {
		const { store, guildListKey } = this.o;
		await this.lock.acquire(guildListKey, () =>
			this.acrossProcesses(guildListKey, async () => {
				const current = this.shared
					? new Set(
							parseStoredList(guildListKey, await store.keyv.get(guildListKey), z.string().min(1), this.o.onCorrupt),
						)
					: this.guildIds;
				const next = new Set(current);
				change(next);
				if (next.size !== current.size || [...next].some((id) => !current.has(id))) {
					await store.keyv.set(guildListKey, [...next]);
				}
				this.guildIds = next;
			}),
		);
	}
}
