import { z } from 'zod';
import { createKeyLock } from './key-lock.ts';
import type { Store } from './keyv.ts';
import {
	type CorruptRecordHandler,
	parseStoredList,
	type RepositoryOptions,
	type Watch,
	type WatchPause,
	watchSchema,
} from './records.ts';

/** Why a watch was not added: the guild already watches that Twitch user, or it has reached its watch limit. */
export type AddWatchResult = { ok: true } | { ok: false; reason: 'exists' | 'limit' };

const guildListKey = 'watch-guilds';

/**
 * The guilds' watches. Stored as one list per guild (`watches:<guildId>`, so that a guild's changes are atomic)
 * plus the list of guilds that have any (`watch-guilds`), and mirrored in memory: the poller asks every cycle
 * which Twitch users are watched, across 1,000s of guilds, without any I/O.
 *
 * One instance per store: it assumes it is the only writer (the index is not re-read). Call `load()` once at
 * start. Watches it returns are frozen: change them through `update()`.
 */
export class WatchRepository {
	private readonly store: Store;
	private readonly onCorrupt: CorruptRecordHandler | undefined;
	private readonly lock = createKeyLock();
	/** guild id → Twitch user id → watch, for guilds with at least one watch. */
	private readonly byGuild = new Map<string, Map<string, Watch>>();
	/** Twitch user id → guild id → watch, for users watched at least once. */
	private readonly byUser = new Map<string, Map<string, Watch>>();
	/** The guild ids in the stored guild list. */
	private storedGuildIds = new Set<string>();
	private loading: Promise<void> | undefined;
	private loaded = false;
	private changes = 0;

	constructor(store: Store, options: RepositoryOptions = {}) {
		this.store = store;
		this.onCorrupt = options.onCorrupt;
	}

	/**
	 * Reads every guild's watches into the in-memory index (one getMany for all guilds). Idempotent: later and
	 * concurrent calls share the first load; a failed load can be retried.
	 */
	load(): Promise<void> {
		this.loading ??= this.readIndex().catch((error: unknown) => {
			this.loading = undefined;
			throw error;
		});
		return this.loading;
	}

	/** The guild's watches, oldest first. */
	async listByGuild(guildId: string): Promise<Watch[]> {
		await this.load();
		return [...(this.byGuild.get(guildId)?.values() ?? [])];
	}

	/** The guild's watch of that Twitch user, if any. */
	async get(guildId: string, twitchUserId: string): Promise<Watch | undefined> {
		await this.load();
		return this.byGuild.get(guildId)?.get(twitchUserId);
	}

	/**
	 * Adds the watch unless the guild already watches that Twitch user or already has `limit` watches. Concurrent
	 * adds to one guild are serialised, so each sees the others (none is lost, the limit holds). Throws a ZodError
	 * for an invalid watch.
	 */
	async add(watch: Watch, limit: number): Promise<AddWatchResult> {
		await this.load();
		const record = freezeWatch(watchSchema.parse(watch));
		const { guildId, twitchUserId } = record;
		return this.lock.acquire<AddWatchResult>(watchesKey(guildId), async () => {
			const current = this.byGuild.get(guildId);
			if (current?.has(twitchUserId)) return { ok: false, reason: 'exists' };
			if ((current?.size ?? 0) >= limit) return { ok: false, reason: 'limit' };
			// The guild goes into the guild list first: a crash in between leaves an empty entry, never a lost watch.
			await this.rememberGuild(guildId);
			const next = [...(current?.values() ?? []), record];
			await this.store.keyv.set(watchesKey(guildId), next);
			this.indexGuild(guildId, next);
			return { ok: true };
		});
	}

	/** Removes the guild's watch of that Twitch user; returns it, or undefined when there was none. */
	async remove(guildId: string, twitchUserId: string): Promise<Watch | undefined> {
		await this.load();
		return this.lock.acquire(watchesKey(guildId), async () => {
			const current = this.byGuild.get(guildId);
			const removed = current?.get(twitchUserId);
			if (!current || !removed) return undefined;
			const next = [...current.values()].filter((watch) => watch.twitchUserId !== twitchUserId);
			if (next.length === 0) {
				await this.store.keyv.delete(watchesKey(guildId));
				await this.forgetGuild(guildId);
			} else {
				await this.store.keyv.set(watchesKey(guildId), next);
			}
			this.indexGuild(guildId, next);
			return removed;
		});
	}

	/**
	 * Replaces the guild's watch of that Twitch user with `change(watch)` (serialised with other changes to the
	 * guild) and returns the new watch, or undefined when there is no such watch. `change` must return a new
	 * object (the one it gets is frozen) of the same guild and Twitch user.
	 */
	async update(guildId: string, twitchUserId: string, change: (watch: Watch) => Watch): Promise<Watch | undefined> {
		await this.load();
		return this.lock.acquire(watchesKey(guildId), async () => {
			const current = this.byGuild.get(guildId);
			const existing = current?.get(twitchUserId);
			if (!current || !existing) return undefined;
			const proposed = change(existing);
			// A pause is about the channel the watch posted in: pointing the watch at another channel lifts it.
			const moved =
				proposed.channelId !== existing.channelId && proposed.paused && proposed.paused.reason !== 'left-guild';
			const changed = freezeWatch(watchSchema.parse(moved ? { ...proposed, paused: null } : proposed));
			if (changed.guildId !== guildId || changed.twitchUserId !== twitchUserId) {
				throw new Error('a watch update cannot change the guild or the Twitch user of the watch');
			}
			const next = [...current.values()].map((watch) => (watch.twitchUserId === twitchUserId ? changed : watch));
			await this.store.keyv.set(watchesKey(guildId), next);
			this.indexGuild(guildId, next);
			return changed;
		});
	}

	/** Grows with every change to the index (a watch added, changed, paused or removed): cheap to compare. */
	get revision(): number {
		return this.changes;
	}

	/**
	 * The unique Twitch user ids watched by an active (not paused) watch in any guild, from memory (the poller calls
	 * it every cycle): a user watched only by paused watches is not polled.
	 */
	watchedUserIds(): string[] {
		this.assertLoaded();
		const ids: string[] = [];
		for (const [userId, guilds] of this.byUser) {
			for (const watch of guilds.values()) {
				if (!watch.paused) {
					ids.push(userId);
					break;
				}
			}
		}
		return ids;
	}

	/**
	 * Pauses every watch of a guild (`pause`), or resumes those paused for one of `resumeReasons` (`pause` null), in
	 * one write. Returns how many watches changed.
	 */
	async setGuildPause(
		guildId: string,
		pause: WatchPause | null,
		resumeReasons: ReadonlyArray<WatchPause['reason']> = [],
	): Promise<number> {
		await this.load();
		return this.lock.acquire(watchesKey(guildId), async () => {
			const current = [...(this.byGuild.get(guildId)?.values() ?? [])];
			let changed = 0;
			const next = current.map((watch) => {
				if (pause !== null && !watch.paused) {
					changed++;
					return freezeWatch({ ...watch, paused: pause });
				}
				if (pause === null && watch.paused && resumeReasons.includes(watch.paused.reason)) {
					changed++;
					return freezeWatch({ ...watch, paused: null });
				}
				return watch;
			});
			if (changed === 0) return 0;
			await this.store.keyv.set(watchesKey(guildId), next);
			this.indexGuild(guildId, next);
			return changed;
		});
	}

	/** Every guild's watch of one Twitch user, from memory. */
	watchesForUser(twitchUserId: string): Watch[] {
		this.assertLoaded();
		return [...(this.byUser.get(twitchUserId)?.values() ?? [])];
	}

	/**
	 * Records a rename: every guild's watch of that Twitch user gets the new login and display name. The watches
	 * are keyed by user id, so they stay in place; guilds whose watch already has these names are not rewritten.
	 */
	async updateIdentity(twitchUserId: string, login: string, displayName: string): Promise<void> {
		await this.load();
		const stale = this.watchesForUser(twitchUserId).filter(
			(watch) => watch.login !== login || watch.displayName !== displayName,
		);
		await Promise.all(
			stale.map((watch) => this.update(watch.guildId, twitchUserId, (current) => ({ ...current, login, displayName }))),
		);
	}

	/** How many guilds have at least one watch. */
	guildCount(): number {
		this.assertLoaded();
		return this.byGuild.size;
	}

	private async readIndex(): Promise<void> {
		const guildIds = [
			...new Set(
				parseStoredList(guildListKey, await this.store.keyv.get(guildListKey), z.string().min(1), this.onCorrupt),
			),
		];
		const lists: unknown[] = guildIds.length > 0 ? await this.store.keyv.getMany(guildIds.map(watchesKey)) : [];
		this.byGuild.clear();
		this.byUser.clear();
		for (const [index, guildId] of guildIds.entries()) {
			const key = watchesKey(guildId);
			const watches = parseStoredList(key, lists[index], watchSchema, this.onCorrupt).filter((watch) => {
				if (watch.guildId === guildId) return true;
				this.onCorrupt?.(key, new Error(`a watch of guild ${watch.guildId} is stored in the list of guild ${guildId}`));
				return false;
			});
			this.indexGuild(guildId, watches.map(freezeWatch));
		}
		this.storedGuildIds = new Set(guildIds);
		this.loaded = true;
	}

	/** Makes the in-memory index of one guild match its stored list. */
	private indexGuild(guildId: string, watches: readonly Watch[]): void {
		this.changes++;
		for (const twitchUserId of this.byGuild.get(guildId)?.keys() ?? []) {
			const guilds = this.byUser.get(twitchUserId);
			guilds?.delete(guildId);
			if (guilds?.size === 0) this.byUser.delete(twitchUserId);
		}
		if (watches.length === 0) {
			this.byGuild.delete(guildId);
			return;
		}
		const byUserId = new Map<string, Watch>();
		for (const watch of watches) {
			if (byUserId.has(watch.twitchUserId)) continue;
			byUserId.set(watch.twitchUserId, watch);
			let guilds = this.byUser.get(watch.twitchUserId);
			if (!guilds) {
				guilds = new Map();
				this.byUser.set(watch.twitchUserId, guilds);
			}
			guilds.set(guildId, watch);
		}
		this.byGuild.set(guildId, byUserId);
	}

	private async rememberGuild(guildId: string): Promise<void> {
		await this.lock.acquire(guildListKey, async () => {
			if (this.storedGuildIds.has(guildId)) return;
			const next = new Set(this.storedGuildIds).add(guildId);
			await this.store.keyv.set(guildListKey, [...next]);
			this.storedGuildIds = next;
		});
	}

	private async forgetGuild(guildId: string): Promise<void> {
		await this.lock.acquire(guildListKey, async () => {
			if (!this.storedGuildIds.has(guildId)) return;
			const next = new Set(this.storedGuildIds);
			next.delete(guildId);
			await this.store.keyv.set(guildListKey, [...next]);
			this.storedGuildIds = next;
		});
	}

	private assertLoaded(): void {
		if (!this.loaded) throw new Error('WatchRepository.load() must complete before the in-memory index is read');
	}
}

function watchesKey(guildId: string): string {
	return `watches:${guildId}`;
}

/** Index entries are shared with callers: freezing them keeps a caller's stray assignment out of the index. */
function freezeWatch(watch: Watch): Watch {
	if (watch.delivery?.lastError) Object.freeze(watch.delivery.lastError);
	if (watch.delivery) Object.freeze(watch.delivery);
	return Object.freeze(watch);
}
