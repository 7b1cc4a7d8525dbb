/** What `/watch remove` does, without Discord. */
import type { Watch } from '../store/records.ts';
import { findGuildWatch } from './find-guild-watch.ts';
import type { WatchAdminDeps } from './watch-admin-deps.ts';

/** Removes the guild's watch of the typed channel (renames handled as in findGuildWatch); returns it. */
export async function removeWatch(deps: WatchAdminDeps, guildId: string, typed: string): Promise<Watch> {
	const watch = await findGuildWatch(deps, guildId, typed);
	const removed = await deps.repositories.watches.remove(guildId, watch.twitchUserId);
	await deps.repositories.deliveryStatus.delete(watch);
	// Removed meanwhile by another admin: the outcome they asked for holds either way.
	return removed ?? watch;
}
