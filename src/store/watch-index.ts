import { type CorruptRecordHandler, parseStoredList, type Watch, watchSchema } from './records.ts';

/**
 * The watches in memory, by guild and by Twitch user: the poller asks every cycle which users are watched, across
 * 1,000s of guilds, without any I/O. Holds what WatchRepository gives it; it never reads the store.
 */
export class WatchIndex {
	/** guild id → Twitch user id → watch, for guilds with at least one watch. */
	private readonly byGuild = new Map<string, Map<string, Watch>>();
	/** Twitch user id → guild id → watch, for users watched at least once. */
	private readonly byUser = new Map<string, Map<string, Watch>>();
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
		return [...(this.byUser.get(twitchUserId)?.values() ?? [])];
	}

	/** The unique Twitch user ids with at least one active (not paused) watch. */
	activeUserIds(): string[] {
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

	/** Makes the index of one guild match `watches` (its stored list); an empty list removes the guild. */
	setGuild(guildId: string, watches: readonly Watch[]): void {
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
		.map(freezeWatch);
}
