import { type CorruptRecordHandler, parseStoredList, type Watch, type WatchPause, watchSchema } from './records.ts';

/** A user's watches: one watch alone (most users are watched by one guild), or a map by guild id. */
type UserWatches = Watch | Map<string, Watch>;

/**
 * The watches in memory, by guild and by Twitch user: the poller asks every cycle which users are watched, across
 * 1,000s of guilds, without any I/O. Holds what WatchRepository gives it; it never reads the store.
 *
 * Compact on purpose (100,000 watches must fit a small process): a user watched by one guild holds that watch
 * alone instead of a map of one, and the ids that repeat across watches (guild, channel, role, the admin who added
 * it) are one shared string each instead of a copy per watch, as JSON.parse makes them.
 */
export class WatchIndex {
	/** guild id → Twitch user id → watch, for guilds with at least one watch. */
	private readonly byGuild = new Map<string, Map<string, Watch>>();
	/** Twitch user id → its watch, or guild id → watch when several guilds watch it. */
	private readonly byUser = new Map<string, UserWatches>();
	private changes = 0;

	/** Grows with every change (a guild's watches set): cheap to compare. */
	get revision(): number {
		return this.changes;
	}

	get guildCount(): number {
		return this.byGuild.size;
	}

	guildIds(): IterableIterator<string> {
		return this.byGuild.keys();
	}

	/** The guild's watches, oldest first. */
	ofGuild(guildId: string): Watch[] {
		return [...(this.byGuild.get(guildId)?.values() ?? [])];
	}

	get(guildId: string, twitchUserId: string): Watch | undefined {
		return this.byGuild.get(guildId)?.get(twitchUserId);
	}

	/** Every guild's watch of one Twitch user. */
	ofUser(twitchUserId: string): Watch[] {
		const watches = this.byUser.get(twitchUserId);
		if (watches === undefined) return [];
		return watches instanceof Map ? [...watches.values()] : [watches];
	}

	/** The unique Twitch user ids with at least one active (not paused) watch. */
	activeUserIds(): string[] {
		const ids: string[] = [];
		for (const [userId, watches] of this.byUser) if (anyActive(watches)) ids.push(userId);
		return ids;
	}

	/** Whether at least one guild watches this Twitch user actively (not paused). */
	isActive(twitchUserId: string): boolean {
		const watches = this.byUser.get(twitchUserId);
		return watches !== undefined && anyActive(watches);
	}

	/** Makes the index of one guild match `watches` (its stored list); an empty list removes the guild. */
	setGuild(guildId: string, watches: readonly Watch[]): void {
		this.changes++;
		for (const twitchUserId of this.byGuild.get(guildId)?.keys() ?? []) this.unlink(twitchUserId, guildId);
		if (watches.length === 0) {
			this.byGuild.delete(guildId);
			return;
		}
		const byUserId = new Map<string, Watch>();
		for (const watch of watches) {
			if (byUserId.has(watch.twitchUserId)) continue;
			byUserId.set(watch.twitchUserId, watch);
			this.link(watch);
		}
		this.byGuild.set(guildId, byUserId);
	}

	private link(watch: Watch): void {
		const current = this.byUser.get(watch.twitchUserId);
		if (current === undefined || (!(current instanceof Map) && current.guildId === watch.guildId)) {
			this.byUser.set(watch.twitchUserId, watch);
			return;
		}
		const guilds = current instanceof Map ? current : new Map([[current.guildId, current]]);
		guilds.set(watch.guildId, watch);
		this.byUser.set(watch.twitchUserId, guilds);
	}

	private unlink(twitchUserId: string, guildId: string): void {
		const current = this.byUser.get(twitchUserId);
		if (current === undefined) return;
		if (!(current instanceof Map)) {
			if (current.guildId === guildId) this.byUser.delete(twitchUserId);
			return;
		}
		current.delete(guildId);
		const [only] = current.values();
		if (current.size === 1 && only) this.byUser.set(twitchUserId, only);
		else if (current.size === 0) this.byUser.delete(twitchUserId);
	}
}

function anyActive(watches: UserWatches): boolean {
	if (!(watches instanceof Map)) return !watches.paused;
	for (const watch of watches.values()) if (!watch.paused) return true;
	return false;
}

/** One string per distinct id across the index's watches (ids repeat: every watch of a guild has its id). */
const sharedIds = new Map<string, string>();
const MAX_SHARED_IDS = 1_000_000;

function shared<T extends string | null>(id: T): T {
	if (id === null) return id;
	const known = sharedIds.get(id);
	if (known !== undefined) return known as T;
	if (sharedIds.size < MAX_SHARED_IDS) sharedIds.set(id, id);
	return id;
}

/** Index entries are shared with callers: freezing them keeps a caller's stray assignment out of the index. */
export function freezeWatch(watch: Watch): Watch {
	if (watch.delivery?.lastError) Object.freeze(watch.delivery.lastError);
	if (watch.delivery) Object.freeze(watch.delivery);
	return Object.freeze(watch);
}

/** A guild's stored list as index entries: unreadable watches, and watches of another guild, are reported and left out. */
export function parseGuildWatches(
	guildId: string,
	key: string,
	stored: unknown,
	onCorrupt: CorruptRecordHandler | undefined,
): Watch[] {
	return parseStoredList(key, stored, watchSchema, onCorrupt)
		.filter((watch) => {
			if (watch.guildId === guildId) return true;
			onCorrupt?.(key, new Error(`a watch of guild ${watch.guildId} is stored in the list of guild ${guildId}`));
			return false;
		})
		.map((watch) =>
			freezeWatch({
				...watch,
				guildId: shared(watch.guildId),
				channelId: shared(watch.channelId),
				roleId: shared(watch.roleId),
				createdBy: shared(watch.createdBy),
			}),
		);
}

/** The watches with `pause` set on the active ones, or (pause null) lifted where it is one of `resumeReasons`. */
export function withPause(
	watches: readonly Watch[],
	pause: WatchPause | null,
	resumeReasons: ReadonlyArray<WatchPause['reason']>,
): { next: Watch[]; changed: number } {
	let changed = 0;
	const next = watches.map((watch) => {
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
	return { next, changed };
}
