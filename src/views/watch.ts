/**
 * The replies of `/watch`: pure functions of plain data (the results of src/watch/), all shown only to the admin
 * who asked. Nothing here pings anyone: role mentions are shown, and `allowedMentions` stops them.
 */
import type { APIEmbed } from 'discord.js';
import type { EndAction, Watch } from '../store/records.ts';
import { stripBidiControls } from '../unicode-text.ts';
import type { AddedWatch } from '../watch/add-watch.ts';
import type { LiveStatus, WatchListEntry, WatchListing } from '../watch/list-watches.ts';
import type { NotPostedReason, PreviewOutcome } from '../watch/preview-announcement.ts';
import type { SettingsOutcome } from '../watch/watch-settings.ts';
import { categoryWatchBlocks, categoryWatchesField, categoryWatchProblems } from './category-watch.ts';
import { DISCORD_LIMITS, plainText, truncate } from './discord-limits.ts';
import { formatCount } from './quantities.ts';
import { EMBED_COLORS, embedReply, linkButtonRow, type ReplyPayload, textReply } from './reply.ts';
import { channelUrl } from './twitch-images.ts';
import {
	deliveryHint,
	describeTargetProblem,
	describeTargetRefusal,
	inlineCode,
	joinWithAnd,
	lastAnnounced,
	lastDeliveryProblem,
	pausedText,
} from './watch-problems.ts';

// What stops a watch from posting is worded in watch-problems.ts; the /watch replies and their tests take it here.
export { deliveryHint, describeTargetProblem, describeTargetRefusal, pausedText };

/** Room for one page of `/watch list`: under the embed description limit (4,096), with margin for the last line. */
export const LIST_PAGE_CHARACTERS = 3900;

// ── /watch add and remove ──

/** The answer to a `/watch add` that saved the watch. */
export function renderWatchAdded(added: AddedWatch): ReplyPayload {
	const { watch } = added;
	const where = `<#${added.targetChannelId}>${added.usesDefaultChannel ? ' (the server’s default channel)' : ''}`;
	const lines = [
		`✅ Watching **${plainText(watch.displayName, 100)}** (${channelUrl(watch.login)}): ${formatCount(added.watchCount)} of ${formatCount(added.watchLimit)} watches used.`,
		`When they go live I’ll post in ${where}${watch.roleId ? `, pinging <@&${watch.roleId}>` : ''}.`,
	];
	if (watch.template) lines.push(`Message: ${inlineCode(watch.template, 300)}`);
	if (added.uncheckedReason) {
		lines.push(
			`⚠️ I couldn’t check my permissions in <#${added.targetChannelId}> (${added.uncheckedReason}). Run \`/watch test channel:${watch.login}\` to make sure I can post there.`,
		);
	} else {
		lines.push(`See how the announcement looks with \`/watch test channel:${watch.login}\`.`);
	}
	return textReply(lines.join('\n'));
}

/** The answer to `/watch remove`. */
export function renderWatchRemoved(watch: Watch): ReplyPayload {
	return textReply(
		`Stopped watching **${plainText(watch.displayName, 100)}** (\`${watch.login}\`): no more announcements for them in this server.`,
	);
}

// ── /watch list ──

const STATUS_TEXT: Readonly<Record<LiveStatus, string>> = {
	live: '🔴 live',
	offline: '⚫ offline',
	unknown: '❔ status unknown',
};

/**
 * The guild's watches, one block each: name and login, live or offline, target channel, last announcement, and
 * what stops it from posting (now, from the permissions; and the last failure Discord reported, with a hint).
 * Long lists are split into pages that each fit one embed; `page` is 1-based and clamped.
 */
export function renderWatchList(listing: WatchListing, page: number, now: number): ReplyPayload {
	const { entries, categories } = listing;
	const categoryCount = categories?.entries.length ?? 0;
	if (entries.length === 0 && categoryCount === 0) {
		return textReply(
			`This server watches no Twitch channel yet (up to ${formatCount(listing.watchLimit)} allowed). Add one with \`/watch add channel:<login>\`, or every stream of a category with \`/watch category game:<name>\`.`,
		);
	}
	// The category watches follow the channels, paged with them: one embed per page keeps within Discord's limits.
	const pages = paginate(
		[...entries.map((entry) => watchBlock(entry, now)), ...categoryWatchBlocks(categories, now)],
		LIST_PAGE_CHARACTERS,
	);
	const shown = Math.min(Math.max(1, Math.trunc(page)), pages.length);
	const problemCount =
		entries.filter(
			(entry) => entry.currentProblem || entry.delivery.lastError || entry.watch.paused || !entry.targetChannelId,
		).length + categoryWatchProblems(categories);
	const categoryTitle =
		categoryCount > 0 ? ` · categories: ${formatCount(categoryCount)} of ${formatCount(categories?.limit ?? 0)}` : '';
	const embed: APIEmbed = {
		color: problemCount > 0 ? EMBED_COLORS.live : EMBED_COLORS.twitch,
		title: `Watched Twitch channels: ${formatCount(entries.length)} of ${formatCount(listing.watchLimit)}${categoryTitle}`,
		description: pages[shown - 1] ?? '',
	};
	const footer: string[] = [];
	if (pages.length > 1) {
		footer.push(
			`Page ${shown} of ${pages.length}${shown < pages.length ? ` · /watch list page:${shown + 1} for more` : ''}`,
		);
	}
	if (problemCount > 0) footer.push(`${formatCount(problemCount)} with a problem`);
	if (footer.length > 0) embed.footer = { text: footer.join(' · ') };
	return embedReply([embed]);
}

function watchBlock(entry: WatchListEntry, now: number): string {
	const { watch, delivery } = entry;
	const sameAsLogin = stripBidiControls(watch.displayName).toLowerCase() === watch.login.toLowerCase();
	const name = `**${plainText(watch.displayName, 60)}**${sameAsLogin ? '' : ` (\`${watch.login}\`)`}`;
	const target = entry.targetChannelId
		? `→ <#${entry.targetChannelId}>${entry.usesDefaultChannel ? ' (default)' : ''}`
		: '→ no channel';
	const parts = [name, STATUS_TEXT[entry.status], target];
	if (entry.instant !== null) parts.push(entry.instant ? '⚡ instant' : '⏱️ polled');
	if (watch.roleId) parts.push(`pings <@&${watch.roleId}>`);
	parts.push(lastAnnounced(delivery));
	const lines = [parts.join(' · ')];
	if (!entry.targetChannelId) {
		lines.push('⚠️ No channel to post in: set a default with `/watch settings default-channel:`.');
	} else if (entry.currentProblem) {
		lines.push(`⚠️ Now: ${truncate(describeTargetProblem(entry.currentProblem), 600)}`);
	}
	if (watch.paused) lines.push(`⏸️ ${pausedText(watch.paused)}`);
	const problem = lastDeliveryProblem(delivery, entry.targetChannelId, now);
	if (problem) lines.push(problem);
	return lines.join('\n');
}

/** Blocks packed into pages of at most `max` characters; a block longer than a page is cut. */
function paginate(blocks: readonly string[], max: number): string[] {
	const pages: string[] = [];
	let current = '';
	for (const raw of blocks) {
		const block = truncate(raw, max);
		if (current && current.length + 2 + block.length > max) {
			pages.push(current);
			current = '';
		}
		current = current ? `${current}\n\n${block}` : block;
	}
	if (current) pages.push(current);
	return pages;
}

// ── /watch test ──

/** Why `/watch test` did not post its preview, and what to do. */
export function describeNotPosted(reason: NotPostedReason): string {
	switch (reason.kind) {
		case 'no-channel':
			return reason.serverHasDefault
				? 'This watch has no channel to post in.'
				: 'This watch has no channel and the server has no default channel: set one with `/watch settings default-channel:`.';
		case 'target-blocked':
			return describeTargetProblem(reason.problem);
		case 'post-failed':
			return `${reason.message}${reason.worthRetrying ? ' Try `/watch test` again in a minute.' : ''}`;
	}
}

/**
 * The answer to `/watch test`: where the preview was posted, or, when it could not be, why, with the preview itself
 * in the reply. Says whether it shows the live stream or a sample, and when the filters would skip this stream.
 */
export function renderPreview(outcome: PreviewOutcome): ReplyPayload {
	const { watch } = outcome;
	const name = `**${plainText(watch.displayName, 100)}**`;
	const notes: string[] = [
		outcome.live
			? 'It shows their current stream.'
			: 'They are offline, so it shows a sample title; the real one shows their stream’s title, category and preview.',
	];
	if (watch.roleId) notes.push(`The real announcement pings <@&${watch.roleId}>; this preview pings no one.`);
	if (outcome.filteredOut) {
		notes.push(
			'⚠️ With this server’s game or keyword filter, this stream would **not** be announced (see `/watch settings`).',
		);
	}
	if (outcome.posted) {
		const { channelId, messageId } = outcome.posted;
		const link = `https://discord.com/channels/${watch.guildId}/${channelId}/${messageId}`;
		return textReply(
			[`Posted a preview of the announcement for ${name} in <#${channelId}>: ${link}`, ...notes].join('\n'),
		);
	}
	const where = outcome.targetChannelId ? ` in <#${outcome.targetChannelId}>` : '';
	const header = [
		`I didn’t post the preview for ${name}${where}. ${outcome.notPostedBecause ? describeNotPosted(outcome.notPostedBecause) : ''}`.trim(),
		...notes,
		'This is how the announcement would look:',
	].join('\n');
	const message = outcome.message;
	return {
		content: truncate(message.content ? `${header}\n\n${message.content}` : header, DISCORD_LIMITS.content),
		embeds: message.embeds,
		components: [linkButtonRow([{ label: 'Watch', url: channelUrl(watch.login) }])],
		allowedMentions: { parse: [] },
	};
}

// ── /watch settings ──

const END_ACTION_TEXT: Readonly<Record<EndAction, string>> = {
	edit: 'Edit the post to “was live”, with the duration and the VOD link',
	delete: 'Delete the post',
	keep: 'Leave the post as it is',
};

/** The guild's settings, after a change (which ones it says) or as asked. */
export function renderGuildSettings(outcome: SettingsOutcome): ReplyPayload {
	const { settings } = outcome;
	const embed: APIEmbed = {
		color: EMBED_COLORS.twitch,
		title: 'Go-live announcements in this server',
		fields: [
			{
				name: 'Default channel',
				value: settings.defaultChannelId
					? `<#${settings.defaultChannelId}>`
					: 'Not set: watches without their own channel cannot post.',
			},
			{ name: 'When a stream ends', value: END_ACTION_TEXT[settings.endAction] },
			{
				name: 'Title or category changes',
				value: settings.updateOnChange ? 'Update the post' : 'Leave the post as posted',
			},
			{
				name: 'Stream summary',
				value: settings.streamSummary
					? 'At the end: duration, viewers, categories and a viewer chart'
					: 'Off: the end edit shows duration and VOD only',
			},
			{ name: 'Game filter', value: filterText(settings.gameFilter, 'Every category', 'Only these categories: ') },
			{
				name: 'Keyword filter',
				value: filterText(settings.keywordFilter, 'Every title', 'Only titles containing one of: '),
			},
			{
				name: 'Watches',
				value: `${formatCount(outcome.watchCount)} of ${formatCount(settings.watchLimit)} (the limit is set by the bot’s operator)`,
			},
			categoryWatchesField(settings, outcome.categoryWatchCount),
		],
		footer: {
			text: 'Change with /watch settings default-channel: on-end: update-on-change: games: keywords: category-posts: · "none" clears a filter',
		},
	};
	const lines: string[] = [];
	if (outcome.changed.length > 0) lines.push(`✅ Saved: ${joinWithAnd(outcome.changed)}.`);
	if (outcome.uncheckedReason && settings.defaultChannelId) {
		lines.push(
			`⚠️ I couldn’t check my permissions in <#${settings.defaultChannelId}> (${outcome.uncheckedReason}). Run \`/watch test\` to make sure I can post there.`,
		);
	}
	const reply = embedReply([embed]);
	if (lines.length > 0) reply.content = lines.join('\n');
	return reply;
}

function filterText(entries: readonly string[], empty: string, prefix: string): string {
	if (entries.length === 0) return empty;
	return truncate(`${prefix}${entries.map((entry) => inlineCode(entry, 100)).join(', ')}`, DISCORD_LIMITS.fieldValue);
}
