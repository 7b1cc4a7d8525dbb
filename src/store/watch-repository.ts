import type { Coordination } from './coordination.ts';
import { GuildLists } from './guild-lists.ts';
import type { Store } from './keyv.ts';
import {
	type CorruptRecordHandler,
	type RepositoryOptions,
	type Watch,
	type WatchPause,
	watchSchema,
} from './records.ts';
import { freezeWatch, parseGuildWatches, WatchIndex, withPause } from './watch-index.ts';

/** Why a watch was not added: the guild already watches that Twitch user, or it has reached its watch limit. */
export type AddWatchResult = { ok: true } | { ok: false; reason: 'exists' | 'limit' };

const guildListKey = 'watch-guilds';
/** The counter every change to any guild's watches bumps, in any process: the backstop of the change feed. */
const VERSION_COUNTER = 'watch-index';
const FEED_TOPIC = 'watches';

export interface WatchRepositoryOptions extends RepositoryOptions {
	/**
	 * Several processes share the store: each change runs under a lock in the store and re-reads the stored list,
	 * then bumps a version and tells the others through the change feed (see startSync).
	 */
	coordination?: Coordination;
}

/** A change of watches another process could not make because this one (or a third) held the guild for too long. */
export class WatchesBusyError extends Error {
	override readonly name = 'WatchesBusyError';
}

/**
 * The guilds' watches. Stored as one list per guild (`watches:<guildId>`, so that a guild's changes are atomic)
 * plus the list of guilds that have any (`watch-guilds`), and mirrored in memory: the poller asks every cycle
 * which Twitch users are watched, across 1,000s of guilds, without any I/O.
 *
 * Alone on its store (no coordination), it is the only writer and never re-reads. With `coordination` (several
 * processes on Redis or PostgreSQL, or on one SQLite file) no process assumes that: every change takes the guild's
 * lock in the store, re-reads the stored list, writes, bumps the shared version and publishes the guild on the change
 * feed; every process hears the feed and re-reads that guild, and `startSync` compares the shared version with what
 * it has seen every few seconds and reloads everything when a message was lost.
 * Call `load()` once at start. Watches it returns are frozen: change them through `update()`.
 */
export class WatchRepository {
	private readonly onCorrupt: CorruptRecordHandler | undefined;
	private readonly index = new WatchIndex();
	private readonly lists: GuildLists<Watch>;
	private loading: Promise<void> | undefined;
	private loaded = false;
	private readonly coordination: Coordination | undefined;
	/** The shared version every change up to which is in the index; versions heard beyond a gap wait in `heard`. */
	private seenVersion = 0;
	private readonly heard = new Set<number>();
	private stopSync: (() => Promise<void>) | undefined;
	private readonly touchListeners = new Set<(guildId: string | null) => void>();

	constructor(store: Store, options: WatchRepositoryOptions = {}) {
		this.onCorrupt = options.onCorrupt;
		this.coordination = options.coordination;
		this.lists = new GuildLists<Watch>({
			store,
			keyOf: watchesKey,
			guildListKey,
			parse: (guildId, key, stored) => parseGuildWatches(guildId, key, stored, this.onCorrupt),
			coordination: options.coordination,
			onCorrupt: options.onCorrupt,
			busy: () => {
				throw new WatchesBusyError('another process is changing these watches right now; try again in a moment');
			},
		});
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
		return this.index.ofGuild(guildId);
	}

	/** The guild's watch of that Twitch user, if any. */
	async get(guildId: string, twitchUserId: string): Promise<Watch | undefined> {
		await this.load();
		return this.index.get(guildId, twitchUserId);
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
		return this.changeGuild<AddWatchResult>(guildId, (current) => {
			if (current.some((existing) => existing.twitchUserId === twitchUserId)) {
				return { next: null, result: { ok: false, reason: 'exists' } };
			}
			if (current.length >= limit) return { next: null, result: { ok: false, reason: 'limit' } };
			return { next: [...current, record], result: { ok: true } };
		});
	}

	/** Removes the guild's watch of that Twitch user; returns it, or undefined when there was none. */
	async remove(guildId: string, twitchUserId: string): Promise<Watch | undefined> {
		await this.load();
		return this.changeGuild(guildId, (current) => {
			const removed = current.find((watch) => watch.twitchUserId === twitchUserId);
			if (!removed) return { next: null, result: undefined };
			return { next: current.filter((watch) => watch !== removed), result: removed };
		});
	}

	/**
	 * Replaces the guild's watch of that Twitch user with `change(watch)` (serialised with other changes to the
	 * guild) and returns the new watch, or undefined when there is no such watch. `change` must return a new
	 * object (the one it gets is frozen) of the same guild and Twitch user.
	 */
	async update(guildId: string, twitchUserId: string, change: (watch: Watch) => Watch): Promise<Watch | undefined> {
		await this.load();
		return this.changeGuild(guildId, (current) => {
			const existing = current.find((watch) => watch.twitchUserId === twitchUserId);
			if (!existing) return { next: null, result: undefined };
			const proposed = change(existing);
			// A pause is about the channel the watch posted in: pointing the watch at another channel lifts it.
			const moved =
				proposed.channelId !== existing.channelId && proposed.paused && proposed.paused.reason !== 'left-guild';
			const changed = freezeWatch(watchSchema.parse(moved ? { ...proposed, paused: null } : proposed));
			if (changed.guildId !== guildId || changed.twitchUserId !== twitchUserId) {
				throw new Error('a watch update cannot change the guild or the Twitch user of the watch');
			}
			return { next: current.map((watch) => (watch === existing ? changed : watch)), result: changed };
		});
	}

	/** Grows with every change to the index (a watch added, changed, paused or removed): cheap to compare. */
	get revision(): number {
		return this.index.revision;
	}

	/**
	 * The unique Twitch user ids watched by an active (not paused) watch in any guild, from memory (the poller calls
	 * it every cycle): a user watched only by paused watches is not polled.
	 */
	watchedUserIds(): string[] {
		this.assertLoaded();
		return this.index.activeUserIds();
	}

	/** Whether a guild watches this Twitch user actively (one of `watchedUserIds()`), from memory. */
	isActivelyWatched(twitchUserId: string): boolean {
		this.assertLoaded();
		return this.index.isActive(twitchUserId);
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
		return this.changeGuild(guildId, (current) => {
			const { next, changed } = withPause(current, pause, resumeReasons);
			return { next: changed === 0 ? null : next, result: changed };
		});
	}

	/** Every guild's watch of one Twitch user, from memory. */
	watchesForUser(twitchUserId: string): Watch[] {
		this.assertLoaded();
		return this.index.ofUser(twitchUserId);
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
		return this.index.guildCount;
	}

	/**
	 * Hears the other processes' changes (the change feed) and, every `intervalMs`, compares the shared version with
	 * what it has seen: a change whose message was lost (a dropped connection; SQLite has no feed) is found then,
	 * and the whole index is read again. A no-op without coordination.
	 */
	async startSync(options: { intervalMs?: number; onError?: (error: unknown) => void } = {}): Promise<void> {
		const coordination = this.coordination;
		if (!coordination || this.stopSync) return;
		await this.load();
		const onError = options.onError ?? (() => {});
		const unsubscribe = await coordination
			.subscribe(FEED_TOPIC, (message) => this.hear(message).catch(onError))
			.catch((error: unknown) => {
				onError(error); // the version check below still finds every change
				return async () => {};
			});
		const timer = setInterval(() => this.refresh().catch(onError), options.intervalMs ?? 5_000);
		timer.unref();
		this.stopSync = async () => {
			clearInterval(timer);
			await unsubscribe();
		};
	}

	/** Stops hearing other processes (see startSync). */
	async endSync(): Promise<void> {
		const stop = this.stopSync;
		this.stopSync = undefined;
		await stop?.();
	}

	/**
	 * Hears that something about a guild's targets changed outside the caller (another process's change to its
	 * watches, or `touch`): the notifier then forgets what it cached of their delivery status. null: every guild
	 * (the index was read again). Returns the function that stops listening.
	 */
	onGuildTouched(listener: (guildId: string | null) => void): () => void {
		this.touchListeners.add(listener);
		return () => this.touchListeners.delete(listener);
	}

	/**
	 * Says that the guild's delivery status was changed here (a `/watch test` that worked, a new default channel):
	 * listeners in this process and in every other one hear it (see onGuildTouched).
	 */
	async touch(guildId: string): Promise<void> {
		this.emitTouched(guildId);
		await this.tellOthers(guildId);
	}

	private emitTouched(guildId: string | null): void {
		for (const listener of this.touchListeners) listener(guildId);
	}

	/** Reads the whole index again when the shared version is past what this process has seen (see startSync). */
	async refresh(): Promise<boolean> {
		if (!this.coordination) return false;
		const version = await this.coordination.read(VERSION_COUNTER);
		if (version <= this.seenVersion) return false;
		await this.readIndex();
		this.emitTouched(null);
		return true;
	}

	private async hear(message: string): Promise<void> {
		const { guildId, version } = JSON.parse(message) as { guildId: string; version: number };
		if (typeof guildId !== 'string' || typeof version !== 'number') return;
		if (version <= this.seenVersion) return; // this process's own change, or one a reload already has
		await this.lists.withGuildLock(guildId, async () => {
			this.index.setGuild(guildId, await this.lists.read(guildId));
		});
		this.markSeen(version);
		this.emitTouched(guildId);
	}

	/** Versions are seen in any order: `seenVersion` moves over every version up to the first one not yet heard. */
	private markSeen(version: number): void {
		this.heard.add(version);
		while (this.heard.delete(this.seenVersion + 1)) this.seenVersion++;
	}

	/**
	 * Changes one guild's watches: `change` gets the current list (as stored, when other processes may write) and
	 * returns the next one, or null for no change. Serialised in this process, and across processes by the guild's
	 * lock in the store (see GuildLists).
	 */
	private changeGuild<T>(
		guildId: string,
		change: (current: readonly Watch[]) => { next: Watch[] | null; result: T },
	): Promise<T> {
		return this.lists.change(guildId, {
			inMemory: () => this.index.ofGuild(guildId),
			change,
			unchanged: (current) => {
				if (this.coordination) this.index.setGuild(guildId, current);
			},
			stored: async (next) => {
				this.index.setGuild(guildId, next);
				await this.tellOthers(guildId);
			},
		});
	}

	/** Bumps the shared version and publishes the guild: every other process re-reads it. */
	private async tellOthers(guildId: string): Promise<void> {
		if (!this.coordination) return;
		const version = await this.coordination.increment(VERSION_COUNTER);
		this.markSeen(version);
		// Lost messages are found by the version check (startSync).
		await this.coordination.publish(FEED_TOPIC, JSON.stringify({ guildId, version })).catch(() => {});
	}

	private async readIndex(): Promise<void> {
		// The version first: a change made while the lists are read is seen again at the next check, never missed.
		const version = this.coordination ? await this.coordination.read(VERSION_COUNTER) : 0;
		const stale = new Set(this.index.guildIds());
		await this.lists.readAll((guildId, watches) => {
			stale.delete(guildId);
			this.index.setGuild(guildId, watches);
		});
		for (const guildId of stale) this.index.setGuild(guildId, []);
		if (version > this.seenVersion) {
			this.seenVersion = version;
			for (const heard of this.heard) if (heard <= version) this.heard.delete(heard);
		}
		this.loaded = true;
	}

	private assertLoaded(): void {
		if (!this.loaded) throw new Error('WatchRepository.load() must complete before the in-memory index is read');
	}
}

function watchesKey(guildId: string): string {
	return `watches:${guildId}`;
}
