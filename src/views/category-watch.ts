/**
 * The replies of `/watch` about category watches (`/watch category`, their part of `/watch list`, `/watch remove
 * category:`, `/watch settings`): pure functions of plain data, shown only to the admin who asked.
 */
import type { APIEmbedField } from 'discord.js';
import type { CategoryWatch } from '../store/category-watch-repository.ts';
import type { GuildSettings } from '../store/records.ts';
import { stripBidiControls } from '../unicode-text.ts';
import type { AddedCategoryWatch } from '../watch/add-category-watch.ts';
import type { WatchListing } from '../watch/list-watches.ts';
import { plainText, truncate } from './discord-limits.ts';
import { formatCount } from './quantities.ts';
import { type ReplyPayload, textReply } from './reply.ts';
import { describeTargetProblem, inlineCode, lastAnnounced, lastDeliveryProblem, pausedText } from './watch-problems.ts';

/**
 * "Celeste · de · ≥50 viewers · “speedrun”": a category watch in a line of plain text (suggestions, where no markdown
 * is shown): its category and the filters it has.
 */
export function categoryWatchLabel(watch: CategoryWatch): string {
	const parts = [stripBidiControls(watch.gameName)];
	if (watch.language !== null) parts.push(watch.language);
	if (watch.minViewers > 0) parts.push(`≥${formatCount(watch.minViewers)} viewers`);
	if (watch.titleKeyword !== null) parts.push(`“${stripBidiControls(watch.titleKeyword)}”`);
	return parts.join(' · ');
}

/** What a category watch announces, in words: "streams in **Celeste** in de with at least 50 viewers…". */
function whatIsAnnounced(watch: CategoryWatch): string {
	const filters: string[] = [
		watch.language === null ? 'in any language' : `in language ${inlineCode(watch.language, 10)}`,
	];
	if (watch.minViewers > 0) filters.push(`with at least ${formatCount(watch.minViewers)} viewers`);
	if (watch.titleKeyword !== null) filters.push(`with ${inlineCode(watch.titleKeyword, 100)} in the title`);
	return `live streams in **${plainText(watch.gameName, 100)}** ${filters.join(', ')}`;
}

/** The answer to a `/watch category` that saved the watch. */
export function renderCategoryWatchAdded(added: AddedCategoryWatch): ReplyPayload {
	const { watch } = added;
	const where = `<#${added.targetChannelId}>${added.usesDefaultChannel ? ' (the server’s default channel)' : ''}`;
	const lines = [
		`✅ Watching ${whatIsAnnounced(watch)}: ${formatCount(added.watchCount)} of ${formatCount(added.watchLimit)} category watches used.`,
		`I’ll post each one as it goes live in ${where}${watch.roleId ? `, pinging <@&${watch.roleId}>` : ''}; at most ${formatCount(added.postLimit)} new posts at a time (\`/watch settings category-posts:\`), the rest in one line.`,
	];
	if (watch.template) lines.push(`Message: ${inlineCode(watch.template, 300)}`);
	if (added.uncheckedReason) {
		lines.push(
			`⚠️ I couldn’t check my permissions in <#${added.targetChannelId}> (${added.uncheckedReason}). Make sure I can post there.`,
		);
	}
	return textReply(lines.join('\n'));
}

/** The answer to `/watch remove category:`. */
export function renderCategoryWatchRemoved(watch: CategoryWatch): ReplyPayload {
	return textReply(
		`Stopped watching the category **${plainText(categoryWatchLabel(watch), 200)}**: no more announcements of its streams in this server.`,
	);
}

/**
 * The category watches' part of `/watch list`: one block each (category and filters, where it posts, what stops
 * it), the first one headed by the section's title so that a page never ends on a lone heading.
 */
export function categoryWatchBlocks(categories: WatchListing['categories'], now: number): string[] {
	const entries = categories?.entries ?? [];
	const heading = `__Whole categories: ${formatCount(entries.length)} of ${formatCount(categories?.limit ?? 0)}__`;
	return entries.map((entry, index) => {
		const { watch } = entry;
		const target = entry.targetChannelId
			? `→ <#${entry.targetChannelId}>${entry.usesDefaultChannel ? ' (default)' : ''}`
			: '→ no channel';
		const parts = [`**${plainText(watch.gameName, 60)}**`];
		parts.push(watch.language === null ? 'any language' : `language ${inlineCode(watch.language, 10)}`);
		if (watch.minViewers > 0) parts.push(`≥ ${formatCount(watch.minViewers)} viewers`);
		if (watch.titleKeyword !== null) parts.push(`title has ${inlineCode(watch.titleKeyword, 60)}`);
		parts.push(target);
		if (watch.roleId) parts.push(`pings <@&${watch.roleId}>`);
		parts.push(lastAnnounced(entry.delivery));
		const lines = [parts.join(' · ')];
		if (!entry.targetChannelId) {
			lines.push('⚠️ No channel to post in: set a default with `/watch settings default-channel:`.');
		} else if (entry.currentProblem) {
			lines.push(`⚠️ Now: ${truncate(describeTargetProblem(entry.currentProblem), 600)}`);
		}
		if (watch.paused) lines.push(`⏸️ ${pausedText(watch.paused, 'category')}`);
		const problem = lastDeliveryProblem(entry.delivery, entry.targetChannelId, now);
		if (problem) lines.push(problem);
		return index === 0 ? `${heading}\n${lines.join('\n')}` : lines.join('\n');
	});
}

/** How many of the listed category watches have something the admin should fix. */
export function categoryWatchProblems(categories: WatchListing['categories']): number {
	return (categories?.entries ?? []).filter(
		(entry) => entry.currentProblem || entry.delivery.lastError || entry.watch.paused || !entry.targetChannelId,
	).length;
}

/** The category watches' field of `/watch settings`: how many, and the flood guard. */
export function categoryWatchesField(
	settings: Pick<GuildSettings, 'categoryWatchLimit' | 'categoryPostLimit'>,
	count: number,
): APIEmbedField {
	return {
		name: 'Category watches',
		value: `${formatCount(count)} of ${formatCount(settings.categoryWatchLimit)}; at most ${formatCount(settings.categoryPostLimit)} new posts per category watch at a time, the rest in one line`,
	};
}
