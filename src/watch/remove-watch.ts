/** What `/watch remove` does, without Discord: removes a watch of a channel, or of a category. */
import { UserError } from '../errors.ts';
import type { CategoryWatch } from '../store/category-watch-repository.ts';
import type { Watch } from '../store/records.ts';
import { truncateText as truncate } from '../unicode-text.ts';
import { findGuildWatch } from './find-guild-watch.ts';
import type { WatchAdminDeps } from './watch-admin-deps.ts';

/** The `/watch remove` options: exactly one of them names the watch. */
export interface RemoveRequest {
	/** A Twitch channel as typed (login, `@login`, URL). */
	channel?: string | undefined;
	/** A category watch: its id (the suggestions' value), or its category's name as typed. */
	category?: string | undefined;
}

/** The watch `/watch remove` removed. */
export type RemovedWatch = { kind: 'channel'; watch: Watch } | { kind: 'category'; watch: CategoryWatch };

/** Removes the watch the options name; neither or both options → UserError saying how to name one. */
export async function removeChosenWatch(
	deps: WatchAdminDeps,
	guildId: string,
	request: RemoveRequest,
): Promise<RemovedWatch> {
	const { channel, category } = request;
	if (channel !== undefined && category !== undefined) {
		throw new UserError(
			'Give either `channel:` or `category:`, not both: `/watch remove` removes one watch at a time.',
		);
	}
	if (channel !== undefined) return { kind: 'channel', watch: await removeWatch(deps, guildId, channel) };
	if (category !== undefined) return { kind: 'category', watch: await removeCategoryWatch(deps, guildId, category) };
	throw new UserError(
		'Which watch? Give `channel:` for a Twitch channel, or `category:` for a category watch; `/watch list` shows both.',
	);
}

/** Removes the guild's watch of the typed channel (renames handled as in findGuildWatch); returns it. */
export async function removeWatch(deps: WatchAdminDeps, guildId: string, typed: string): Promise<Watch> {
	const watch = await findGuildWatch(deps, guildId, typed);
	const removed = await deps.repositories.watches.remove(guildId, watch.twitchUserId);
	await deps.repositories.deliveryStatus.delete(watch);
	// Removed meanwhile by another admin: the outcome they asked for holds either way.
	return removed ?? watch;
}

/**
 * Removes the guild's category watch named by `typed`: its id (what a suggestion sends), else the name of its
 * category when the guild watches that category once (in several languages: the admin must pick one).
 */
export async function removeCategoryWatch(
	deps: WatchAdminDeps,
	guildId: string,
	typed: string,
): Promise<CategoryWatch> {
	const { categoryWatches } = deps.repositories;
	const watches = await categoryWatches.listByGuild(guildId);
	const wanted = typed.trim();
	const byId = watches.find((watch) => watch.id === wanted);
	const byName = watches.filter((watch) => watch.gameName.toLowerCase() === wanted.toLowerCase());
	const watch = byId ?? (byName.length === 1 ? byName[0] : undefined);
	if (!watch) {
		throw new UserError(
			byName.length > 1
				? `This server watches ${truncate(byName[0]?.gameName ?? wanted, 100)} ${byName.length} times (in different languages): pick the one to remove from the suggestions.`
				: `This server has no category watch “${truncate(wanted, 40)}”. Pick one from the suggestions; \`/watch list\` shows them.`,
		);
	}
	// Removed meanwhile by another admin: the outcome they asked for holds either way.
	return (await categoryWatches.remove(guildId, watch.id)) ?? watch;
}
