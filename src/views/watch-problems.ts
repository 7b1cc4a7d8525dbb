/**
 * What stops a watch from posting, in words for the admin: a refused target channel, a delivery failure Discord
 * reported, a pause. Shared by the replies of /watch about channel watches (watch.ts) and category watches
 * (category-watch.ts).
 */
import { DiscordErrorCode } from '../notify/delivery-problems.ts';
import type { TargetStatus, WatchPause } from '../store/records.ts';
import { stripBidiControls } from '../unicode-text.ts';
import {
	MENTION_EVERYONE,
	READ_MESSAGE_HISTORY,
	type TargetProblem,
	type TargetProblemError,
} from '../watch/permissions.ts';
import { truncate } from './discord-limits.ts';
import { discordTimestamp } from './quantities.ts';

// ── Why a channel cannot be used ──

/** "I can’t post in #news: missing Embed Links." — what is wrong with a target and how to fix it. */
/** "last announced <when>" or "not announced yet", for a target's line in `/watch list`. */
export function lastAnnounced(delivery: Pick<TargetStatus, 'lastAnnouncedAt'>): string {
	return delivery.lastAnnouncedAt === null
		? 'not announced yet'
		: `last announced ${discordTimestamp(new Date(delivery.lastAnnouncedAt), 'relative')}`;
}

/** The last failure Discord reported for a target, with a hint and the next try; null when the last post worked. */
export function lastDeliveryProblem(
	delivery: Pick<TargetStatus, 'lastError' | 'retryAt'>,
	targetChannelId: string | null,
	now: number,
): string | null {
	const lastError = delivery.lastError;
	if (!lastError) return null;
	const code = lastError.code === null ? '' : ` (${lastError.code})`;
	const hint = deliveryHint(lastError.code, targetChannelId);
	const retry =
		delivery.retryAt !== null && delivery.retryAt > now
			? ` Next try ${discordTimestamp(new Date(delivery.retryAt), 'relative')}.`
			: '';
	return `⚠️ Last delivery problem ${discordTimestamp(new Date(lastError.at), 'relative')}${code}: ${truncate(lastError.message, 300)}${hint ? ` ${hint}` : ''}${retry}`;
}

export function describeTargetProblem(problem: TargetProblem): string {
	const channel = `<#${problem.channelId}>`;
	switch (problem.kind) {
		case 'channel-not-found':
			return `I can’t find ${channel}: it was deleted, or I am not allowed to see it. Pick another channel.`;
		case 'not-a-text-channel':
			return `${channel} is not a text or announcement channel: pick one where messages can be posted.`;
		case 'cannot-post': {
			const sentences: string[] = [];
			if (problem.missing.length > 0) {
				sentences.push(
					`I can’t post in ${channel}: missing ${joinWithAnd(problem.missing)}. Allow ${problem.missing.length === 1 ? 'it' : 'them'} for my role in the channel’s permissions, or pick another channel.`,
				);
				if (problem.missing.includes(READ_MESSAGE_HISTORY)) {
					sentences.push(
						`(${READ_MESSAGE_HISTORY} lets me find my own earlier post after a restart instead of posting it twice.)`,
					);
				}
			}
			if (problem.roleId !== null) {
				sentences.push(
					`I can’t ping <@&${problem.roleId}> in ${channel}: the role is not mentionable and I don’t have “${MENTION_EVERYONE}” there. Turn on “Allow anyone to @mention this role” (Server Settings → Roles), or give me that permission.`,
				);
			}
			return sentences.join(' ');
		}
		case 'requester-cannot-ping':
			return `You can’t ping <@&${problem.roleId}> in ${channel}: the role is not mentionable and you don’t have “${MENTION_EVERYONE}” there, so I won’t ping it for you. Pick a role anyone may mention (“Allow anyone to @mention this role” in Server Settings → Roles), or ask an admin who has that permission to add the watch.`;
	}
}

/** A `/watch add` or `/watch settings` refused over its target channel: what is wrong, and that nothing changed. */
export function describeTargetRefusal(refusal: Pick<TargetProblemError, 'problem' | 'refused'>): string {
	const unchanged = refusal.refused === 'watch' ? 'Nothing was saved.' : 'The settings were not changed.';
	return `${describeTargetProblem(refusal.problem)} ${unchanged}`;
}

/** What an admin can do about a delivery failure Discord reported, by Discord's JSON error code. */
export function deliveryHint(code: number | null, targetChannelId: string | null): string | null {
	const channel = targetChannelId === null ? 'the post channel' : `<#${targetChannelId}>`;
	switch (code) {
		case DiscordErrorCode.MissingAccess:
			return `Give me View Channel in ${channel}, then check with \`/watch test\`.`;
		case DiscordErrorCode.MissingPermissions:
			return `Give me Send Messages and Embed Links in ${channel} (and a mentionable role), then check with \`/watch test\`.`;
		case DiscordErrorCode.UnknownChannel:
			return 'The channel was deleted: set another default with `/watch settings default-channel:`, or remove the watch and add it again with `post-in:`.';
		default:
			return null;
	}
}

// ── Pauses ──

/**
 * Why a watch is paused and how to resume it; `kind` says whether it watches a channel or a category (`/watch test`
 * previews a channel watch only, and `/watch remove` names them differently).
 */
export function pausedText(pause: WatchPause, kind: 'channel' | 'category' = 'channel'): string {
	const since = discordTimestamp(new Date(pause.at), 'relative');
	const channel = pause.channelId === null ? 'its channel' : `<#${pause.channelId}>`;
	const remove = kind === 'channel' ? '`/watch remove`' : '`/watch remove category:`';
	switch (pause.reason) {
		case 'left-guild':
			return `Paused ${since}: the bot was removed from this server. It resumes by itself now that the bot is back.`;
		case 'channel-deleted':
			return `Paused ${since}: ${channel} was deleted, so nothing is posted. Give the watch another channel (${remove} and add it again, or a new default with \`/watch settings default-channel:\`).`;
		case 'no-access':
			return kind === 'channel'
				? `Paused ${since}: the bot cannot see ${channel} (View Channel), so nothing is posted. Give it access, then run \`/watch test\` to resume.`
				: `Paused ${since}: the bot cannot see ${channel} (View Channel), so nothing is posted. Give it access, then ${remove} the watch and add it again (one that posts in the default channel also resumes when \`/watch settings default-channel:\` is set).`;
	}
}

// ── Small text helpers ──

/** "A", "A and B", "A, B and C". */
export function joinWithAnd(items: readonly string[]): string {
	if (items.length <= 1) return items.join('');
	return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Text shown as code (category names from Twitch among it); backticks inside would end it early, so they become
 * look-alikes, and bidi controls would reorder it. */
export function inlineCode(text: string, max: number): string {
	return `\`${truncate(stripBidiControls(text).replaceAll('`', 'ˋ'), max)}\``;
}
