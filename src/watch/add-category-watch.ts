/**
 * What `/watch category` does, without Discord: checks everything an admin gave, then saves a watch of a whole
 * Twitch category (every live stream in it, optionally one language, a minimum of viewers, a word in the title), or
 * refuses and saves nothing. The handler renders the result with src/views/category-watch.ts.
 */
import { UserError } from '../errors.ts';
import type { CategoryWatch, CategoryWatchRepository } from '../store/category-watch-repository.ts';
import type { Repositories } from '../store/repositories.ts';
import type { TwitchClient, TwitchGame } from '../twitch/index.ts';
import { parseLanguage } from '../twitch/lookups.ts';
import { truncateText as truncate } from '../unicode-text.ts';
import { checkedTarget, checkedTemplate, refuseEveryoneRole, targetChannelFor } from './add-watch.ts';
import type { TargetChecker } from './permissions.ts';

/**
 * The value of a suggested category: `id:<game id>`, so that the category the admin picked is the one saved, even
 * when Twitch has several with similar names. A name typed without picking a suggestion is looked up by name.
 */
export const CATEGORY_CHOICE_PREFIX = 'id:';
/** Longest title keyword accepted: a word or a short phrase (Twitch titles are at most 140 characters). */
export const MAX_TITLE_KEYWORD_LENGTH = 100;
/** The highest `min-viewers` accepted: no stream has more viewers than this, so a higher one would announce nothing. */
export const MAX_MIN_VIEWERS = 10_000_000;

export interface AddCategoryWatchRequest {
	guildId: string;
	/** The Discord user adding the watch. */
	requestedBy: string;
	/** The `game` option: a suggestion's value (`id:<game id>`) or a name as typed. */
	game: string;
	/** The `language` option as typed; null: every language. */
	language: string | null;
	/** null: 0 (every stream). */
	minViewers: number | null;
	/** The `title-keyword` option as typed; null: any title. */
	titleKeyword: string | null;
	/** The `post-in` option; null → the guild's default channel. */
	postInChannelId: string | null;
	roleId: string | null;
	/** The `message` option, unchecked. */
	template: string | null;
}

export interface AddedCategoryWatch {
	watch: CategoryWatch;
	/** Where announcements will go now. */
	targetChannelId: string;
	/** The watch follows the guild's default channel (no `post-in`). */
	usesDefaultChannel: boolean;
	/** Set when permissions could not be checked (saved anyway): why. */
	uncheckedReason: string | null;
	watchCount: number;
	watchLimit: number;
	/** The flood guard: at most this many new posts per poll cycle for this watch. */
	postLimit: number;
}

/** What `/watch category` needs; an AppContext has all of it. */
export interface CategoryWatchDeps {
	readonly twitch: Pick<TwitchClient, 'getGameByName' | 'getGamesByIds'>;
	readonly repositories: Pick<Repositories, 'categoryWatches' | 'guildSettings'>;
	readonly clock: { now(): number };
}

/**
 * Adds a watch of a Twitch category to a guild, keyed by the category's id (names change). Refuses, with a UserError
 * saying what to do and storing nothing, when: the template, language, minimum or keyword is invalid, there is no
 * channel to post in, the category is not on Twitch, the guild already watches it in that language or has reached
 * its category watch limit; and with a TargetProblemError when the bot cannot post in the target channel (or ping
 * the role), or the admin could not ping the role there themselves, as `/watch add` does.
 */
export async function addCategoryWatch(
	deps: CategoryWatchDeps,
	request: AddCategoryWatchRequest,
	checkTarget: TargetChecker,
): Promise<AddedCategoryWatch> {
	const { guildId } = request;
	// What needs no lookup is checked first: a typo costs no Twitch request.
	const template = request.template === null ? null : checkedTemplate(request.template);
	refuseEveryoneRole(request.roleId, guildId);
	const language = checkedLanguage(request.language);
	const minViewers = checkedMinViewers(request.minViewers);
	const titleKeyword = checkedTitleKeyword(request.titleKeyword);
	const { categoryWatches, guildSettings } = deps.repositories;
	const settings = await guildSettings.get(guildId);
	const targetChannelId = targetChannelFor(request.postInChannelId, settings);
	const game = await findChosenCategory(deps.twitch, request.game);
	const current = await categoryWatches.listByGuild(guildId);
	const limit = settings.categoryWatchLimit;
	if (current.some((watch) => watch.gameId === game.id && watch.language === language)) {
		throw alreadyWatched(game.name, language);
	}
	if (current.length >= limit) throw limitReached(limit);
	const uncheckedReason = checkedTarget(checkTarget, targetChannelId, request.roleId);

	const proposed: Parameters<CategoryWatchRepository['add']>[0] = {
		guildId,
		gameId: game.id,
		gameName: game.name,
		language,
		minViewers,
		titleKeyword,
		// null keeps following the guild's default channel when an admin changes it later.
		channelId: request.postInChannelId,
		roleId: request.roleId,
		template,
		createdAt: deps.clock.now(),
		createdBy: request.requestedBy,
		paused: null,
	};
	// add() checks again under the guild's lock: two admins adding at once cannot pass the limit or add twice.
	const result = await categoryWatches.add(proposed, limit);
	if (!result.ok) throw result.reason === 'exists' ? alreadyWatched(game.name, language) : limitReached(limit);
	return {
		watch: result.watch,
		targetChannelId,
		usesDefaultChannel: request.postInChannelId === null,
		uncheckedReason,
		watchCount: current.length + 1,
		watchLimit: limit,
		postLimit: settings.categoryPostLimit,
	};
}

/**
 * The category the admin chose: by id when they picked a suggestion, else by its exact name (letter case aside).
 * One Twitch does not have → UserError naming what was typed.
 */
export async function findChosenCategory(
	twitch: Pick<TwitchClient, 'getGameByName' | 'getGamesByIds'>,
	typed: string,
): Promise<TwitchGame> {
	const trimmed = typed.trim();
	if (!trimmed) throw new UserError('Give the Twitch category to watch in `game:`, e.g. `game:Just Chatting`.');
	const id = trimmed.startsWith(CATEGORY_CHOICE_PREFIX) ? trimmed.slice(CATEGORY_CHOICE_PREFIX.length) : null;
	const game = id ? ((await twitch.getGamesByIds([id]))[0] ?? null) : await twitch.getGameByName(trimmed);
	if (!game) {
		throw new UserError(
			id
				? `Twitch no longer has the category you picked (id ${truncate(id, 20)}). Pick another from the suggestions. Nothing was saved.`
				: `No Twitch category is called “${truncate(trimmed, 100)}”. Pick one from the suggestions as you type, or use the name exactly as Twitch shows it. Nothing was saved.`,
		);
	}
	return game;
}

/** A language as Twitch tags streams: two letters (ISO 639-1) or "other", lowercase; null: every language. */
function checkedLanguage(typed: string | null): string | null {
	if (typed === null || typed.trim() === '') return null;
	return parseLanguage(typed) ?? null;
}

function checkedMinViewers(value: number | null): number {
	if (value === null) return 0;
	if (!Number.isSafeInteger(value) || value < 0 || value > MAX_MIN_VIEWERS) {
		throw new UserError(`\`min-viewers\` is a whole number from 0 to ${MAX_MIN_VIEWERS}. Nothing was saved.`);
	}
	return value;
}

/** The keyword lowercase (titles are compared without regard to case); empty → null (any title). */
function checkedTitleKeyword(typed: string | null): string | null {
	const keyword = typed?.trim().toLowerCase() ?? '';
	if (keyword === '') return null;
	if (keyword.length > MAX_TITLE_KEYWORD_LENGTH) {
		throw new UserError(
			`The title keyword is too long: at most ${MAX_TITLE_KEYWORD_LENGTH} characters. Nothing was saved.`,
		);
	}
	return keyword;
}

function alreadyWatched(gameName: string, language: string | null): UserError {
	const where = language === null ? 'in every language' : `in “${language}”`;
	return new UserError(
		`This server already watches ${truncate(gameName, 100)} ${where}. To change its filters, channel, role or message, \`/watch remove category:\` it and add it again.`,
	);
}

function limitReached(limit: number): UserError {
	return new UserError(
		`This server already has ${limit} category ${limit === 1 ? 'watch' : 'watches'}, the most it may (a limit set by the bot’s operator). Remove one with \`/watch remove category:\` first.`,
	);
}
