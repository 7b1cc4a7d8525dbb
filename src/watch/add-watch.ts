/**
 * What `/watch add` does, without Discord: checks everything an admin gave, then saves the watch, or refuses and
 * saves nothing. The handler renders the result with src/views/watch.ts.
 */
import { UserError } from '../errors.ts';
import type { GuildSettings, Watch } from '../store/records.ts';
import { normalizeLogin } from '../twitch/login.ts';
import { findTwitchUser } from '../twitch/lookups.ts';
import { type TargetChecker, TargetProblemError } from './permissions.ts';
import { validateTemplate } from './template-rules.ts';
import type { WatchAdminDeps } from './watch-admin-deps.ts';

export interface AddWatchRequest {
	guildId: string;
	/** The Discord user adding the watch. */
	requestedBy: string;
	/** As typed: a login, `@login` or a twitch.tv URL. */
	login: string;
	/** The `post-in` option; null → the guild's default channel. */
	postInChannelId: string | null;
	roleId: string | null;
	/** The `message` option, unchecked. */
	template: string | null;
}

export interface AddedWatch {
	watch: Watch;
	/** Where announcements will go now. */
	targetChannelId: string;
	/** The watch follows the guild's default channel (no `post-in`). */
	usesDefaultChannel: boolean;
	/** Set when permissions could not be checked (saved anyway): why. */
	uncheckedReason: string | null;
	watchCount: number;
	watchLimit: number;
}

/**
 * Adds a watch of a Twitch channel to a guild, keyed by the Twitch user id (logins change on rename). Refuses, with
 * a UserError saying what to do and storing nothing, when: the template is invalid, there is no channel to post in,
 * the login is not a Twitch account, the guild already watches it or has reached its watch limit; and with a
 * TargetProblemError carrying the problem when the bot cannot post in the target channel (or ping the role), or the
 * admin could not ping the role there themselves (a checker made with the requester). When the permissions cannot be checked (gateway cache not ready) a watch without a role
 * is saved and `uncheckedReason` says why; one with a role is refused, as nobody could tell who may ping it.
 */
export async function addWatch(
	deps: WatchAdminDeps,
	request: AddWatchRequest,
	checkTarget: TargetChecker,
): Promise<AddedWatch> {
	const { guildId } = request;
	const template = request.template === null ? null : checkedTemplate(request.template);
	refuseEveryoneRole(request.roleId, guildId);
	const login = normalizeLogin(request.login);
	const { watches, guildSettings } = deps.repositories;
	const settings = await guildSettings.get(guildId);
	const targetChannelId = targetChannelFor(request.postInChannelId, settings);
	const user = await findTwitchUser(deps.twitch, login);
	const current = await watches.listByGuild(guildId);
	if (current.some((watch) => watch.twitchUserId === user.id)) throw alreadyWatched(user.displayName);
	if (current.length >= settings.watchLimit) throw limitReached(settings.watchLimit);
	const uncheckedReason = checkedTarget(checkTarget, targetChannelId, request.roleId);

	const watch: Watch = {
		version: 1,
		guildId,
		twitchUserId: user.id,
		login: user.login,
		displayName: user.displayName,
		// null keeps following the guild's default channel when an admin changes it later.
		channelId: request.postInChannelId,
		roleId: request.roleId,
		template,
		createdAt: deps.clock.now(),
		createdBy: request.requestedBy,
	};
	// add() checks again under the guild's lock: two admins adding at once cannot pass the limit or add twice.
	const result = await watches.add(watch, settings.watchLimit);
	if (!result.ok) {
		throw result.reason === 'exists' ? alreadyWatched(user.displayName) : limitReached(settings.watchLimit);
	}
	return {
		watch,
		targetChannelId,
		usesDefaultChannel: request.postInChannelId === null,
		uncheckedReason,
		watchCount: current.length + 1,
		watchLimit: settings.watchLimit,
	};
}

// The checks every new watch passes, of a channel (/watch add) or of a category (/watch category).

/** The `message` option as the announcer will use it; an invalid one → UserError, nothing saved. */
export function checkedTemplate(text: string): string {
	const validation = validateTemplate(text);
	if (!validation.ok) throw new UserError(`${validation.error} Nothing was saved.`);
	return validation.template;
}

/** Refuses the @everyone role as the role to ping. */
export function refuseEveryoneRole(roleId: string | null, guildId: string): void {
	if (roleId === guildId) {
		// The @everyone role's id is the guild's; `<@&guildId>` pings no one, and mass pings need a real opt-in role.
		throw new UserError(
			'@everyone cannot be the announcement role. Create a role members can opt into (e.g. “Stream alerts”) and use that.',
		);
	}
}

/** Where a new watch posts: its `post-in` channel, else the guild's default; neither → UserError saying what to do. */
export function targetChannelFor(postInChannelId: string | null, settings: Pick<GuildSettings, 'defaultChannelId'>) {
	const targetChannelId = postInChannelId ?? settings.defaultChannelId;
	if (targetChannelId === null) {
		throw new UserError(
			'Where should I announce? Add `post-in:` with a channel, or set a default channel for this server with `/watch settings default-channel:`.',
		);
	}
	return targetChannelId;
}

/**
 * Checks that the bot can announce in the target (pinging the role): blocked → TargetProblemError; not checkable
 * with a role → UserError (not knowing who may ping it is no licence to ping it). Returns why it could not be
 * checked when it could not (a watch without a role is saved anyway), else null.
 */
export function checkedTarget(
	checkTarget: TargetChecker,
	targetChannelId: string,
	roleId: string | null,
): string | null {
	const check = checkTarget(targetChannelId, roleId);
	if (check.status === 'blocked') throw new TargetProblemError(check.problem, 'watch');
	if (check.status === 'unverified' && roleId !== null) {
		throw new UserError(
			`I can’t check right now who may ping <@&${roleId}> in <#${targetChannelId}> (${check.reason}). Try again in a minute. Nothing was saved.`,
		);
	}
	return check.status === 'unverified' ? check.reason : null;
}

function alreadyWatched(displayName: string): UserError {
	return new UserError(
		`This server already watches ${displayName}. To change its channel, role or message, \`/watch remove\` it and add it again.`,
	);
}

function limitReached(limit: number): UserError {
	return new UserError(
		`This server already watches ${limit} Twitch channels, the most it may (a limit set by the bot’s operator). Remove one with \`/watch remove\` first.`,
	);
}
