import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Coordination } from './coordination.ts';
import { GuildLists } from './guild-lists.ts';
import type { Store } from './keyv.ts';
import {
	type CorruptRecordHandler,
	parseStoredList,
	type RepositoryOptions,
	type WatchPause,
	watchPauseSchema,
} from './records.ts';

const idSchema = z.string().min(1);

export const categoryWatchSchema = z.object({
	version: z.literal(1),
	/** Short random id: what `/watch remove` and the delivery status name the watch by. */
	id: idSchema,
	guildId: idSchema,
	/** Twitch category (game) id: the key, because names change. */
	gameId: idSchema,
	gameName: z.string().min(1),
	/** ISO 639-1 code as Twitch tags streams ("de"); null: every language. */
	language: z.string().trim().toLowerCase().min(2).max(8).nullable(),
	/** Streams under this many viewers are left out (0: all). */
	minViewers: z.number().int().nonnegative(),
	/** Lowercase; the title must contain it (null: any title). */
	titleKeyword: z.string().trim().toLowerCase().min(1).nullable(),
	/** null → the guild's default post channel. */
	channelId: idSchema.nullable(),
	roleId: idSchema.nullable(),
	template: z.string().nullable(),
	createdAt: z.number().nonnegative(),
	createdBy: idSchema,
	/** Set while paused (the channel is gone or out of reach): see WatchPause. */
	paused: watchPauseSchema.nullable().optional(),
});
/** "Announce every stream in this category (and language, over this many viewers)": one guild's watch of a category. */
export type CategoryWatch = z.infer<typeof categoryWatchSchema>;

/** Why a category watch was not added: the guild already watches that category in that language, or is at its limit. */
export type AddCategoryWatchResult = { ok: true; watch: CategoryWatch } | { ok: false; reason: 'exists' | 'limit' };

const guildListKey = 'category-watch-guilds';

/** How another process hears of a change: the watch repository's change feed (WatchRepository.touch/onGuildTouched). */
export interface GuildChangeFeed {
	touch(guildId: string): Promise<void>;
	onGuildTouched(listener: (guildId: string | null) => void): () => void;
}

export interface CategoryWatchRepositoryOptions extends RepositoryOptions {
	/** Several processes share the store: changes run under a lock in the store and re-read the stored list. */
	coordination?: Coordination;
	/** Tells the other processes about a change, and hears theirs (see GuildChangeFeed). */
	feed?: GuildChangeFeed;
}

/**
 * The guilds' category watches: one list per guild (`category-watches:<guildId>`) plus the list of guilds that have
 * any, mirrored in memory so that each poll cycle asks which categories are watched without I/O. A few per guild at
 * most, so a change rewrites the guild's list.
 *
 * Across processes it rides on the watch repository's machinery instead of a second one: a change takes the guild's
 * lock in the store, re-reads, writes, then `feed.touch(guildId)` bumps the shared version and publishes the guild;
 * every process hears that (or, for a lost message, the version check's reload) through `onGuildTouched` and reads
 * the guild's category watches again.
 */
export class CategoryWatchRepository {
	private readonly onCorrupt: CorruptRecordHandler | undefined;
	private readonly coordination: Coordination | undefined;
	private readonly feed: GuildChangeFeed | undefined;
	private readonly lists: GuildLists<CategoryWatch>;
	private readonly byGuild = new Map<string, readonly CategoryWatch[]>();
	private loading: Promise<void> | undefined;
	private changes = 0;
	private stopListening: (() => void) | undefined;

	constructor(store: Store, options: CategoryWatchRepositoryOptions = {}) {
		this.onCorrupt = options.onCorrupt;
		this.coordination = options.coordination;
		this.feed = options.feed;
		this.lists = new GuildLists<CategoryWatch>({
			store,
			keyOf: listKey,
			guildListKey,
			parse: (guildId, key, stored) => this.parseGuild(guildId, key, stored),
			coordination: options.coordination,
			onCorrupt: options.onCorrupt,
			busy: () => {
				throw new CategoryWatchesBusyError(
					'another process is changing these watches right now; try again in a moment',
				);
			},
		});
	}

	/** Reads every guild's category watches into memory, and starts hearing other processes' changes. Idempotent. */
	load(): Promise<void> {
		this.loading ??= this.readAll().then(
			() => {
				this.stopListening ??= this.feed?.onGuildTouched((guildId) => {
					const reread = guildId === null ? this.readAll() : this.reread(guildId);
					reread.catch((error: unknown) => this.onCorrupt?.(guildId ?? guildListKey, asError(error)));
				});
			},
			(error: unknown) => {
				this.loading = undefined;
				throw error;
			},
		);
		return this.loading;
	}

	/** Stops hearing other processes. */
	close(): void {
		this.stopListening?.();
		this.stopListening = undefined;
	}

	/** Grows with every change in memory: cheap to compare. */
	get revision(): number {
		return this.changes;
	}

	/** Every guild's category watches, from memory (load() first). */
	all(): CategoryWatch[] {
		return [...this.byGuild.values()].flat();
	}

	/** The guild's category watches, oldest first. */
	async listByGuild(guildId: string): Promise<CategoryWatch[]> {
		await this.load();
		return [...(this.byGuild.get(guildId) ?? [])];
	}

	/** The guild's category watches, from memory (load() first). */
	ofGuild(guildId: string): readonly CategoryWatch[] {
		return this.byGuild.get(guildId) ?? [];
	}

	/** The guild's category watch with that id, from memory. */
	find(guildId: string, id: string): CategoryWatch | undefined {
		return this.byGuild.get(guildId)?.find((watch) => watch.id === id);
	}

	/**
	 * Adds a category watch (its id is made here) unless the guild already watches that category in that language or
	 * has `limit` category watches. Throws a ZodError for an invalid watch.
	 */
	async add(watch: Omit<CategoryWatch, 'id' | 'version'>, limit: number): Promise<AddCategoryWatchResult> {
		await this.load();
		const record = Object.freeze(
			categoryWatchSchema.parse({ ...watch, version: 1, id: randomBytes(6).toString('base64url') }),
		);
		return this.changeGuild<AddCategoryWatchResult>(record.guildId, (current) => {
			if (current.some((existing) => existing.gameId === record.gameId && existing.language === record.language)) {
				return { next: null, result: { ok: false, reason: 'exists' } };
			}
			if (current.length >= limit) return { next: null, result: { ok: false, reason: 'limit' } };
			return { next: [...current, record], result: { ok: true, watch: record } };
		});
	}

	/** Removes the guild's category watch with that id; returns it, or undefined when there was none. */
	async remove(guildId: string, id: string): Promise<CategoryWatch | undefined> {
		await this.load();
		return this.changeGuild(guildId, (current) => {
			const removed = current.find((watch) => watch.id === id);
			if (!removed) return { next: null, result: undefined };
			return { next: current.filter((watch) => watch !== removed), result: removed };
		});
	}

	/** Replaces the watch with `change(watch)`; returns the new one, or undefined when there is no such watch. */
	async update(
		guildId: string,
		id: string,
		change: (watch: CategoryWatch) => CategoryWatch,
	): Promise<CategoryWatch | undefined> {
		await this.load();
		return this.changeGuild(guildId, (current) => {
			const existing = current.find((watch) => watch.id === id);
			if (!existing) return { next: null, result: undefined };
			const proposed = change(existing);
			const moved =
				proposed.channelId !== existing.channelId && proposed.paused && proposed.paused.reason !== 'left-guild';
			const changed = Object.freeze(categoryWatchSchema.parse(moved ? { ...proposed, paused: null } : proposed));
			if (changed.guildId !== guildId || changed.id !== id) {
				throw new Error('a category watch update cannot change its guild or id');
			}
			return { next: current.map((watch) => (watch === existing ? changed : watch)), result: changed };
		});
	}

	/**
	 * Pauses the guild's active category watches (`pause`, e.g. the bot left the server), or lifts pauses of the
	 * given reasons (pause null). `channelId`: only the watches posting there. Returns how many changed.
	 */
	async setPaused(
		guildId: string,
		pause: WatchPause | null,
		resumeReasons: ReadonlyArray<WatchPause['reason']> = [],
		channelId?: string,
	): Promise<number> {
		await this.load();
		return this.changeGuild(guildId, (current) => {
			let changed = 0;
			const next = current.map((watch) => {
				if (channelId !== undefined && watch.channelId !== channelId) return watch;
				if (pause !== null && !watch.paused) {
					changed++;
					return Object.freeze({ ...watch, paused: pause });
				}
				if (pause === null && watch.paused && resumeReasons.includes(watch.paused.reason)) {
					changed++;
					return Object.freeze({ ...watch, paused: null });
				}
				return watch;
			});
			return { next: changed === 0 ? null : next, result: changed };
		});
	}

	private changeGuild<T>(
		guildId: string,
		change: (current: readonly CategoryWatch[]) => { next: CategoryWatch[] | null; result: T },
	): Promise<T> {
		return this.lists.change(guildId, {
			inMemory: () => this.byGuild.get(guildId) ?? [],
			change,
			unchanged: (current) => {
				if (this.coordination) this.setGuild(guildId, current);
			},
			stored: async (next) => {
				this.setGuild(guildId, next);
				await this.feed?.touch(guildId);
			},
		});
	}

	private setGuild(guildId: string, watches: readonly CategoryWatch[]): void {
		this.changes++;
		if (watches.length === 0) this.byGuild.delete(guildId);
		else this.byGuild.set(guildId, Object.freeze([...watches]));
	}

	private async reread(guildId: string): Promise<void> {
		await this.lists.withGuildLock(guildId, async () => this.setGuild(guildId, await this.lists.read(guildId)));
	}

	private parseGuild(guildId: string, key: string, stored: unknown): CategoryWatch[] {
		return parseStoredList(key, stored, categoryWatchSchema, this.onCorrupt)
			.filter((watch) => {
				if (watch.guildId === guildId) return true;
				this.onCorrupt?.(key, new Error(`a category watch of guild ${watch.guildId} is stored under guild ${guildId}`));
				return false;
			})
			.map((watch) => Object.freeze(watch));
	}

	private async readAll(): Promise<void> {
		const stale = new Set(this.byGuild.keys());
		await this.lists.readAll((guildId, watches) => {
			stale.delete(guildId);
			this.setGuild(guildId, watches);
		});
		for (const guildId of stale) this.setGuild(guildId, []);
	}
}

/** A change another process held up for too long. */
export class CategoryWatchesBusyError extends Error {
	override readonly name = 'CategoryWatchesBusyError';
}

/**
 * Whose delivery status a category watch's posts share (DeliveryStatusRepository): one per category watch,
 * `delivery-status:<guildId>:category:<id>`, not one per streamer it announced.
 */
export function categoryStatusTarget(watch: Pick<CategoryWatch, 'guildId' | 'id'>): {
	guildId: string;
	twitchUserId: string;
} {
	return { guildId: watch.guildId, twitchUserId: `category:${watch.id}` };
}

function listKey(guildId: string): string {
	return `category-watches:${guildId}`;
}

function asError(error: unknown): Error {
	return error instanceof Error ? error : new Error(String(error));
}
