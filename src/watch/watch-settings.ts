/**
 * What `/watch settings` does, without Discord: turns the options an admin gave into a checked change of the
 * guild's settings, or shows them when no option was given.
 */
import { UserError } from '../errors.ts';
import { withBackoffCleared } from '../notify/announcement-rules.ts';
import type { GuildSettingsPatch } from '../store/guild-settings-repository.ts';
import type { EndAction, GuildSettings } from '../store/records.ts';
import type { Repositories } from '../store/repositories.ts';
import type { TwitchClient } from '../twitch/client.ts';
import { lookUpCategories } from '../twitch/lookups.ts';
import { truncateText as truncate } from '../unicode-text.ts';
import { type TargetChecker, TargetProblemError } from './permissions.ts';

/** At most this many names per filter: a filter is a short list, and each game name costs a Twitch lookup. */
export const MAX_FILTER_ENTRIES = 25;
/** Longest game name or keyword accepted (Twitch category names are far shorter). */
export const MAX_FILTER_ENTRY_LENGTH = 100;
/** Bounds of the category flood guard (GuildSettings.categoryPostLimit): one post at least, 25 at most per cycle. */
export const MIN_CATEGORY_POSTS = 1;
export const MAX_CATEGORY_POSTS = 25;
/** The word that empties a filter (an option cannot be "unset" in Discord's UI once given). */
export const CLEAR_WORD = 'none';

/** The `/watch settings` options, as given (undefined = not given). */
export interface SettingsRequest {
	defaultChannelId?: string | undefined;
	endAction?: EndAction | undefined;
	updateOnChange?: boolean | undefined;
	streamSummary?: boolean | undefined;
	/** Comma-separated category names, or `none`. */
	games?: string | undefined;
	/** Comma-separated words, or `none`. */
	keywords?: string | undefined;
	/** The flood guard of category watches: new posts per category watch per poll cycle. */
	categoryPosts?: number | undefined;
}

/** The names of the settings an admin changed, in the order they are listed. */
export type SettingName =
	| 'default channel'
	| 'stream end'
	| 'update on change'
	| 'stream summary'
	| 'game filter'
	| 'keyword filter'
	| 'category posts';

export interface SettingsOutcome {
	settings: GuildSettings;
	/** Empty when the admin only asked to see the settings. */
	changed: SettingName[];
	/** Set when the default channel's permissions could not be checked (saved anyway): why. */
	uncheckedReason: string | null;
	watchCount: number;
	categoryWatchCount: number;
}

export interface WatchSettingsDeps {
	readonly twitch: Pick<TwitchClient, 'getGameByName'>;
	readonly repositories: Pick<Repositories, 'guildSettings' | 'watches' | 'categoryWatches' | 'deliveryStatus'>;
}

/**
 * Applies the given options to the guild's settings and returns them (just returns them when none is given).
 * Checked before anything is stored: the bot must be able to post in a new default channel (else a
 * TargetProblemError), and every game of the game filter must be a Twitch category (a misspelt one would silently
 * stop every announcement). Filters are stored lowercase, as the announcer compares them.
 */
export async function changeGuildSettings(
	deps: WatchSettingsDeps,
	guildId: string,
	request: SettingsRequest,
	checkTarget: TargetChecker,
): Promise<SettingsOutcome> {
	const patch: GuildSettingsPatch = {};
	const changed: SettingName[] = [];
	let uncheckedReason: string | null = null;
	if (request.defaultChannelId !== undefined) {
		const check = checkTarget(request.defaultChannelId, null);
		if (check.status === 'blocked') {
			throw new TargetProblemError(check.problem, 'settings');
		}
		if (check.status === 'unverified') uncheckedReason = check.reason;
		patch.defaultChannelId = request.defaultChannelId;
		changed.push('default channel');
	}
	if (request.endAction !== undefined) {
		patch.endAction = request.endAction;
		changed.push('stream end');
	}
	if (request.updateOnChange !== undefined) {
		patch.updateOnChange = request.updateOnChange;
		changed.push('update on change');
	}
	if (request.streamSummary !== undefined) {
		patch.streamSummary = request.streamSummary;
		changed.push('stream summary');
	}
	if (request.games !== undefined) {
		patch.gameFilter = await checkedGames(deps, parseFilterList(request.games, 'game'));
		changed.push('game filter');
	}
	if (request.keywords !== undefined) {
		patch.keywordFilter = parseFilterList(request.keywords, 'keyword');
		changed.push('keyword filter');
	}
	if (request.categoryPosts !== undefined) {
		patch.categoryPostLimit = checkedCategoryPosts(request.categoryPosts);
		changed.push('category posts');
	}
	const { guildSettings, watches, categoryWatches } = deps.repositories;
	const settings = changed.length > 0 ? await guildSettings.update(guildId, patch) : await guildSettings.get(guildId);
	if (request.defaultChannelId !== undefined) {
		// Watches that post in the default channel and were paused over their old channel post in the new one.
		let resumed = 0;
		for (const watch of await watches.listByGuild(guildId)) {
			if (watch.channelId !== null || !watch.paused || watch.paused.reason === 'left-guild') continue;
			await deps.repositories.deliveryStatus.update(watch, withBackoffCleared);
			await watches.update(guildId, watch.twitchUserId, (current) => ({ ...current, paused: null }));
			resumed++;
		}
		// The notifier (in this process or another) reads the cleared statuses again.
		if (resumed > 0) await watches.touch(guildId);
		// Likewise the category watches; each change tells the other processes itself.
		for (const watch of await categoryWatches.listByGuild(guildId)) {
			if (watch.channelId !== null || !watch.paused || watch.paused.reason === 'left-guild') continue;
			await categoryWatches.update(guildId, watch.id, (current) => ({ ...current, paused: null }));
		}
	}
	const watchCount = (await watches.listByGuild(guildId)).length;
	const categoryWatchCount = (await categoryWatches.listByGuild(guildId)).length;
	return { settings, changed, uncheckedReason, watchCount, categoryWatchCount };
}

/** Discord's option bounds are kept, but a typed request (npm run try, an old client) is checked here too. */
function checkedCategoryPosts(value: number): number {
	if (!Number.isInteger(value) || value < MIN_CATEGORY_POSTS || value > MAX_CATEGORY_POSTS) {
		throw new UserError(
			`\`category-posts\` is a whole number from ${MIN_CATEGORY_POSTS} to ${MAX_CATEGORY_POSTS}. The settings were not changed.`,
		);
	}
	return value;
}

/**
 * A comma-separated list as an admin typed it: trimmed, lowercase, without duplicates; `none` gives the empty list
 * (the filter then lets everything through). Too many, too long or no entries at all → UserError.
 */
export function parseFilterList(text: string, what: 'game' | 'keyword'): string[] {
	const trimmed = text.trim();
	if (trimmed.toLowerCase() === CLEAR_WORD) return [];
	const entries = [
		...new Set(
			trimmed
				.split(',')
				.map((entry) => entry.trim().toLowerCase())
				.filter((entry) => entry.length > 0),
		),
	];
	const plural = what === 'game' ? 'games' : 'keywords';
	if (entries.length === 0) {
		throw new UserError(`Give ${plural} separated by commas, or \`${CLEAR_WORD}\` to clear the ${what} filter.`);
	}
	if (entries.length > MAX_FILTER_ENTRIES) {
		throw new UserError(`That is ${entries.length} ${plural}; a filter holds at most ${MAX_FILTER_ENTRIES}.`);
	}
	const long = entries.find((entry) => entry.length > MAX_FILTER_ENTRY_LENGTH);
	if (long) {
		throw new UserError(
			`“${truncate(long, 40)}” is too long for a ${what}: at most ${MAX_FILTER_ENTRY_LENGTH} characters.`,
		);
	}
	return entries;
}

/** The games as Twitch names them (lowercase); a name that is no Twitch category → UserError naming it. */
async function checkedGames(deps: WatchSettingsDeps, names: string[]): Promise<string[]> {
	const { found, unknown } = await lookUpCategories(deps.twitch, names);
	if (unknown.length > 0) {
		const listed = unknown.map((name) => `“${truncate(name, 40)}”`).join(', ');
		throw new UserError(
			`Twitch has no ${unknown.length === 1 ? 'category' : 'categories'} called ${listed}. Use the names exactly as Twitch shows them (twitch.tv/directory). The settings were not changed.`,
		);
	}
	return [...new Set(found.map((game) => game.name.toLowerCase()))];
}
