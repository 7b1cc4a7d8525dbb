/**
 * The numbers of the stream summary card as embed fields: duration, peak and average viewers, the categories played
 * with their time, and the title changes. Names and titles are in the text even when the viewer chart could not
 * draw them (its font lacks their script).
 */
import type { APIEmbedField } from 'discord-api-types/v10';
import type { StreamSummary } from '../notify/stream-summary.ts';
import { categoryText, DISCORD_LIMITS, safeText, truncate } from './discord-limits.ts';
import { discordTimestamp, formatCount, formatElapsed } from './quantities.ts';

/** Categories listed by name before "…and N more": a card, not a log. */
export const SUMMARY_MAX_CATEGORIES = 5;
/** Titles listed (the first, then changes) before "…and N more". */
export const SUMMARY_MAX_TITLES = 3;
/**
 * One listed category or title at most this long (Twitch titles are up to 140 characters, longer once escaped), so
 * that every listed line fits a field value (1024) and the card stays far below the 6000 of a whole message.
 */
const MAX_LINE = 200;

/** Summary fields for the ended post; none about viewers when no sample was taken. */
export function summaryFields(summary: StreamSummary, currentGameName: string): APIEmbedField[] {
	const fields: APIEmbedField[] = [{ name: 'Duration', value: formatElapsed(summary.durationMs), inline: true }];
	if (summary.sampleCount > 0) {
		const peakAt = summary.peakAt === null ? '' : ` at ${discordTimestamp(new Date(summary.peakAt), 'time')}`;
		fields.push(
			{ name: 'Peak viewers', value: `${formatCount(summary.peakViewers)}${peakAt}`, inline: true },
			{ name: 'Average viewers', value: formatCount(summary.averageViewers), inline: true },
		);
	}
	const categories = summary.categories.map(
		(category) => `${truncate(categoryText(category.gameName), MAX_LINE)} · ${formatElapsed(category.durationMs)}`,
	);
	fields.push({
		name: categories.length > 1 ? 'Categories' : 'Category',
		value: categories.length > 0 ? listWithin(categories, SUMMARY_MAX_CATEGORIES) : categoryText(currentGameName),
		inline: false,
	});
	// One title is the embed's own title; the field is there once the title changed.
	if (summary.titles.length > 1) {
		const titles = summary.titles.map(
			(change) => `${discordTimestamp(new Date(change.at), 'time')} ${titleText(change.title)}`,
		);
		fields.push({ name: 'Titles', value: listWithin(titles, SUMMARY_MAX_TITLES), inline: false });
	}
	return fields;
}

function titleText(title: string): string {
	const shown = safeText(title).trim();
	return truncate(shown || '*untitled*', MAX_LINE);
}

/**
 * The first `maxShown` lines, then "…and N more" for the rest; whole lines only, within a field value's limit
 * (lines of at most MAX_LINE characters always fit; the check keeps that true if the numbers change).
 */
function listWithin(lines: readonly string[], maxShown: number): string {
	const kept: string[] = [];
	let length = 0;
	const more = (left: number) => (left > 0 ? `\n…and ${left} more` : '');
	for (const line of lines) {
		if (kept.length === maxShown) break;
		const next = length + (kept.length > 0 ? 1 : 0) + line.length;
		if (next + more(lines.length - kept.length - 1).length > DISCORD_LIMITS.fieldValue) break;
		kept.push(line);
		length = next;
	}
	if (kept.length === 0) return truncate(lines[0] ?? '', DISCORD_LIMITS.fieldValue);
	return `${kept.join('\n')}${more(lines.length - kept.length)}`;
}
