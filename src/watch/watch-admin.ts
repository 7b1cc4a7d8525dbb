/**
 * What `/watch add`, `remove`, `list` and `test` do, without Discord: the handlers read options, call these with the
 * AppContext (or a test's stand-ins) and a TargetChecker, and render the result with src/views/watch.ts.
 */
import type { ApplicationCommandOptionChoiceData } from 'discord.js';
import type { Clock } from '../clock.ts';
import { UserError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { passesGuildFilters, targetChannelOf } from '../notify/announcement-rules.ts';
import { describeDeliveryError } from '../notify/delivery-problems.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { GuildSettings, StreamState, Watch } from '../store/records.ts';
import { emptyDeliveryStatus } from '../store/records.ts';
import type { Repositories } from '../store/repositories.ts';
import type { TwitchClient } from '../twitch/client.ts';
import { normalizeLogin } from '../twitch/login.ts';
import { findTwitchUser } from '../twitch/lookups.ts';
import {
	type AnnouncedStream,
	type AnnouncementMessage,
	announcedStreamFromTwitch,
	renderLiveAnnouncement,
	sampleStream,
} from '../views/announcement.ts';
import { validateTemplate } from '../views/announcement-template.ts';
import { DISCORD_LIMITS, truncate } from '../views/discord-limits.ts';
import { stripBidiControls } from '../views/unicode-text.ts';
import { describeTargetProblem } from '../views/watch.ts';
import type { TargetCheck, TargetChecker, TargetProblem } from './permissions.ts';

/** What the /watch logic needs; an AppContext has all of it. */
export interface WatchAdminDeps {
	readonly twitch: Pick<TwitchClient, 'getUserByLogin' | 'getStreamByUserId' | 'getLiveStreams'>;
	readonly repositories: Pick<Repositories, 'watches' | 'guildSettings' | 'streamStates'>;
	readonly clock: Pick<Clock, 'now'>;
	/** Where the raw detail of a failed `/watch test` post goes, under the incident id the admin is shown. */
	readonly logger: Pick<Logger, 'warn'>;
	/** When this process runs the notifier, its in-memory stream states are the freshest. */
	readonly notifier?: Pick<Notifier, 'streamStateOf'> | undefined;
}

// ── /watch add ──

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

/** A problem with the target of a watch being added: nothing was saved. */
export class TargetProblemError extends UserError {
	override readonly name = 'TargetProblemError';
	readonly problem: TargetProblem;
	constructor(problem: TargetProblem) {
		super(`${describeTargetProblem(problem)} Nothing was saved.`);
		this.problem = problem;
	}
}

/**
 * Adds a watch of a Twitch channel to a guild, keyed by the Twitch user id (logins change on rename). Refuses, with
 * a UserError saying what to do and storing nothing, when: the template is invalid, there is no channel to post in,
 * the login is not a Twitch account, the guild already watches it or has reached its watch limit, the bot cannot
 * post in the target channel (or ping the role), or the admin could not ping the role there themselves (a checker
 * made with the requester). When the permissions cannot be checked (gateway cache not ready) a watch without a role
 * is saved and `uncheckedReason` says why; one with a role is refused, as nobody could tell who may ping it.
 */
export async function addWatch(
	deps: WatchAdminDeps,
	request: AddWatchRequest,
	checkTarget: TargetChecker,
): Promise<AddedWatch> {
	const { guildId } = request;
	const template = request.template === null ? null : checkedTemplate(request.template);
	if (request.roleId === guildId) {
		// The @everyone role's id is the guild's; `<@&guildId>` pings no one, and mass pings need a real opt-in role.
		throw new UserError(
			'@everyone cannot be the announcement role. Create a role members can opt into (e.g. “Stream alerts”) and use that.',
		);
	}
	const login = normalizeLogin(request.login);
	const { watches, guildSettings } = deps.repositories;
	const settings = await guildSettings.get(guildId);
	const targetChannelId = request.postInChannelId ?? settings.defaultChannelId;
	if (targetChannelId === null) {
		throw new UserError(
			'Where should I announce? Add `post-in:` with a channel, or set a default channel for this server with `/watch settings default-channel:`.',
		);
	}
	const user = await findTwitchUser(deps.twitch, login);
	const current = await watches.listByGuild(guildId);
	if (current.some((watch) => watch.twitchUserId === user.id)) throw alreadyWatched(user.displayName);
	if (current.length >= settings.watchLimit) throw limitReached(settings.watchLimit);
	const check = checkTarget(targetChannelId, request.roleId);
	if (check.status === 'blocked') throw new TargetProblemError(check.problem);
	if (check.status === 'unverified' && request.roleId !== null) {
		// Whether the admin may ping that role is a safety check: not knowing is no licence to ping it.
		throw new UserError(
			`I can’t check right now who may ping <@&${request.roleId}> in <#${targetChannelId}> (${check.reason}). Try again in a minute. Nothing was saved.`,
		);
	}

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
		lastAnnouncedAt: null,
		delivery: emptyDeliveryStatus(),
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
		uncheckedReason: check.status === 'unverified' ? check.reason : null,
		watchCount: current.length + 1,
		watchLimit: settings.watchLimit,
	};
}

function checkedTemplate(text: string): string {
	const validation = validateTemplate(text);
	if (!validation.ok) throw new UserError(`${validation.error} Nothing was saved.`);
	return validation.template;
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

// ── Finding a guild's watch from what an admin typed ──

/**
 * The guild's watch of the channel an admin typed: by the login stored on the watch (what `/watch list` shows),
 * else, when the streamer renamed since, by the Twitch user id the new login resolves to.
 */
export async function findGuildWatch(deps: WatchAdminDeps, guildId: string, typed: string): Promise<Watch> {
	const login = normalizeLogin(typed);
	const watches = await deps.repositories.watches.listByGuild(guildId);
	const byStoredLogin = watches.find((watch) => watch.login.toLowerCase() === login);
	if (byStoredLogin) return byStoredLogin;
	if (watches.length > 0) {
		const user = await deps.twitch.getUserByLogin(login);
		const byId = user ? watches.find((watch) => watch.twitchUserId === user.id) : undefined;
		if (byId) return byId;
	}
	throw new UserError(
		`This server does not watch “${truncate(login, 40)}”. \`/watch list\` shows the channels it watches.`,
	);
}

// ── /watch remove ──

/** Removes the guild's watch of the typed channel (renames handled as in findGuildWatch); returns it. */
export async function removeWatch(deps: WatchAdminDeps, guildId: string, typed: string): Promise<Watch> {
	const watch = await findGuildWatch(deps, guildId, typed);
	const removed = await deps.repositories.watches.remove(guildId, watch.twitchUserId);
	// Removed meanwhile by another admin: the outcome they asked for holds either way.
	return removed ?? watch;
}

/**
 * Autocomplete suggestions from the guild's watches: display names or logins containing what was typed, at most
 * 25 as Discord allows; the value is the stored login.
 */
export function watchSuggestions(
	watches: readonly Watch[],
	partial: string,
): ApplicationCommandOptionChoiceData<string>[] {
	const typed = partial.trim().replace(/^@/, '').toLowerCase();
	return watches
		.filter(
			(watch) => !typed || watch.login.toLowerCase().includes(typed) || watch.displayName.toLowerCase().includes(typed),
		)
		.sort((a, b) => a.login.localeCompare(b.login))
		.slice(0, DISCORD_LIMITS.autocompleteChoices)
		.map((watch) => {
			const displayName = stripBidiControls(watch.displayName);
			return {
				name: truncate(
					displayName.toLowerCase() === watch.login.toLowerCase() ? displayName : `${displayName} (${watch.login})`,
					DISCORD_LIMITS.choiceName,
				),
				value: watch.login,
			};
		});
}

// ── /watch list ──

export type LiveStatus = 'live' | 'offline' | 'unknown';

export interface WatchListEntry {
	watch: Watch;
	/** Where it posts now; null when it has no channel and the guild no default. */
	targetChannelId: string | null;
	usesDefaultChannel: boolean;
	status: LiveStatus;
	/** What stops it from posting right now, from the gateway cache (before any post fails). */
	currentProblem: TargetProblem | null;
}

export interface WatchListing {
	entries: WatchListEntry[];
	watchLimit: number;
}

/**
 * The guild's watches in login order, each with its target, whether the channel is live and what would stop the
 * next post. Live status: the notifier's memory, else the stored stream state, else one batched Twitch lookup for
 * the rest (failing that, "unknown": the list must still show).
 */
export async function listWatches(
	deps: WatchAdminDeps,
	guildId: string,
	checkTarget: TargetChecker,
): Promise<WatchListing> {
	const { watches, guildSettings } = deps.repositories;
	const [settings, list] = await Promise.all([guildSettings.get(guildId), watches.listByGuild(guildId)]);
	const statuses = await liveStatuses(
		deps,
		list.map((watch) => watch.twitchUserId),
	);
	const entries = [...list]
		.sort((a, b) => a.login.localeCompare(b.login))
		.map((watch): WatchListEntry => {
			const targetChannelId = targetChannelOf(watch, settings);
			const check: TargetCheck =
				targetChannelId === null ? { status: 'ok' } : checkTarget(targetChannelId, watch.roleId);
			return {
				watch,
				targetChannelId,
				usesDefaultChannel: watch.channelId === null,
				status: statuses.get(watch.twitchUserId) ?? 'unknown',
				currentProblem: check.status === 'blocked' ? check.problem : null,
			};
		});
	return { entries, watchLimit: settings.watchLimit };
}

async function liveStatuses(deps: WatchAdminDeps, userIds: string[]): Promise<Map<string, LiveStatus>> {
	const statuses = new Map<string, LiveStatus>();
	const fromState = (state: StreamState): LiveStatus => (state.status === 'live' ? 'live' : 'offline');
	let unknown = userIds.filter((id) => {
		const state = deps.notifier?.streamStateOf(id);
		if (state) statuses.set(id, fromState(state));
		return !state;
	});
	if (unknown.length > 0) {
		const stored = await deps.repositories.streamStates.getMany(unknown);
		for (const [id, state] of stored) statuses.set(id, fromState(state));
		unknown = unknown.filter((id) => !stored.has(id));
	}
	if (unknown.length > 0) {
		try {
			const live = new Set(
				(await deps.twitch.getLiveStreams(unknown, { priority: 'interactive' })).map((stream) => stream.userId),
			);
			for (const id of unknown) statuses.set(id, live.has(id) ? 'live' : 'offline');
		} catch {
			// Twitch is down: the list still shows, with these channels as "unknown".
		}
	}
	return statuses;
}

// ── /watch test ──

export interface PreviewOutcome {
	watch: Watch;
	targetChannelId: string | null;
	/** The announcement as it would be posted (preview form: the role is shown but pinged by no one). */
	message: AnnouncementMessage;
	/** The real current stream (live) or a stand-in (offline). */
	live: boolean;
	/** The channel is live but the guild's game or keyword filter would keep this stream from being announced. */
	filteredOut: boolean;
	/** The posted preview, when it could be posted. */
	posted: { channelId: string; messageId: string } | null;
	/** Why it was not posted in the target channel (then the reply carries the preview). */
	notPostedBecause: string | null;
}

/** Posts a message body (Discord API JSON) to a channel; resolves with the created message. */
export type PostMessage = (channelId: string, body: AnnouncementMessage) => Promise<{ id: string }>;

/**
 * Posts a preview of the watch's announcement in its target channel: the real stream when the channel is live,
 * else a stand-in. Does not post (and says why) when there is no target or the bot cannot post there, so that a
 * known failure costs Discord no invalid request. A preview that posts proves the target works again: the watch's
 * recorded delivery problem and its retry backoff are cleared, as the notifier does after a successful post.
 */
export async function previewAnnouncement(
	deps: WatchAdminDeps,
	guildId: string,
	typed: string,
	checkTarget: TargetChecker,
	post: PostMessage,
): Promise<PreviewOutcome> {
	const watch = await findGuildWatch(deps, guildId, typed);
	const settings = await deps.repositories.guildSettings.get(guildId);
	const now = deps.clock.now();
	const twitchStream = await deps.twitch.getStreamByUserId(watch.twitchUserId);
	const stream: AnnouncedStream = twitchStream
		? announcedStreamFromTwitch(twitchStream)
		: sampleStream({ userId: watch.twitchUserId, login: watch.login, displayName: watch.displayName }, now);
	const message = renderLiveAnnouncement({
		stream,
		template: watch.template,
		roleId: watch.roleId,
		now,
		preview: true,
	});
	const outcome: PreviewOutcome = {
		watch,
		targetChannelId: targetChannelOf(watch, settings),
		message,
		live: twitchStream !== null,
		filteredOut: twitchStream !== null && !passesGuildFilters(settings, stream),
		posted: null,
		notPostedBecause: null,
	};
	const channelId = outcome.targetChannelId;
	if (channelId === null) {
		return { ...outcome, notPostedBecause: noTargetText(settings) };
	}
	// The role is not pinged by a preview, so only the channel's permissions matter here.
	const check = checkTarget(channelId, null);
	if (check.status === 'blocked') return { ...outcome, notPostedBecause: describeTargetProblem(check.problem) };
	try {
		const created = await post(channelId, message);
		await clearDeliveryProblem(deps, watch);
		return { ...outcome, posted: { channelId, messageId: created.id } };
	} catch (error) {
		const problem = describeDeliveryError(error, {
			logger: deps.logger,
			context: { guildId, channelId, twitchUserId: watch.twitchUserId, during: '/watch test' },
		});
		// A passing failure (network, Discord 5xx, 429) is worth another try; the others need the admin's fix first.
		const passing = problem.code === null || problem.code === 429 || problem.code >= 500;
		const retry = passing ? ' Try `/watch test` again in a minute.' : '';
		return { ...outcome, notPostedBecause: `${problem.message}${retry}` };
	}
}

function noTargetText(settings: GuildSettings): string {
	return settings.defaultChannelId === null
		? 'This watch has no channel and the server has no default channel: set one with `/watch settings default-channel:`.'
		: 'This watch has no channel to post in.';
}

/** After a successful `/watch test`: the target works, so its last problem, backoff and pause are lifted. */
async function clearDeliveryProblem(deps: WatchAdminDeps, watch: Watch): Promise<void> {
	if (watch.delivery.lastError === null && watch.delivery.retryAt === null && !watch.paused) return;
	await deps.repositories.watches.update(watch.guildId, watch.twitchUserId, (current) => ({
		...current,
		paused: null,
		delivery: { ...current.delivery, lastError: null, consecutiveFailures: 0, retryAt: null },
	}));
}
