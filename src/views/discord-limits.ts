// The sub-packages discord.js re-exports, not 'discord.js' itself: the notifier renders announcements with these
// helpers and does not load discord.js's main package.
import { escapeMarkdown } from '@discordjs/formatters';
import { stripBidiControls, truncateText } from '../unicode-text.ts';

/** Discord's message and embed size limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const DISCORD_LIMITS = {
	content: 2000,
	embedTitle: 256,
	embedDescription: 4096,
	embedFields: 25,
	fieldName: 256,
	fieldValue: 1024,
	footerText: 2048,
	authorName: 256,
	/** Sum of every title, description, field, footer and author text of all embeds in one message. */
	embedsTotal: 6000,
	buttonLabel: 80,
	autocompleteChoices: 25,
	choiceName: 100,
	choiceValue: 100,
} as const;

/**
 * Shortens text to at most `max` UTF-16 units, ending with "…" when cut. Cuts between grapheme clusters only (half
 * an emoji, a ZWJ sequence or a flag shows as a broken glyph) and never leaves a dangling escape backslash before
 * the ellipsis.
 */
export function truncate(text: string, max: number): string {
	return truncateText(text, max);
}

/**
 * Text from Twitch (titles, names, descriptions) shown as written: bidi controls removed (a right-to-left override
 * would reorder the reply around it), and markdown characters escaped so that a title like `**FREE** __skins__`
 * neither formats nor breaks the message around it.
 */
export function plainText(text: string, max: number): string {
	return truncate(escapeMarkdown(stripBidiControls(text)), max);
}

/**
 * Text from Twitch for a post in a server's channel (announcements), stricter than plainText and not shortened: bidi
 * controls removed (a right-to-left override would make the post read differently from what it says), markdown
 * escaped including headings, lists and masked links, and a zero-width space after every `@` so that neither
 * `@everyone`/`@here` nor a `<@&id>` typed into a stream title reads (or pings) as a mention.
 */
export function safeText(text: string): string {
	const escaped = escapeMarkdown(stripBidiControls(text), {
		heading: true,
		bulletedList: true,
		numberedList: true,
		maskedLink: true,
	});
	return escaped.replaceAll('@', '@\u200b');
}

/**
 * A stream's category for an embed field (`/live`, announcements), or a plain statement that it has none
 * (Twitch sends an empty game for "no category").
 */
export function categoryText(gameName: string): string {
	// A name of nothing but bidi controls would leave the field empty, which Discord rejects.
	return plainText(gameName, DISCORD_LIMITS.fieldValue).trim() || '*No category*';
}

/**
 * Text for the visible part of a masked link `[text](url)`: cleaned and escaped like plainText, and square brackets
 * replaced because a `]` in a stream title would end the link early.
 */
export function linkText(text: string, max: number): string {
	const safe = escapeMarkdown(stripBidiControls(text).replaceAll('[', '⁅').replaceAll(']', '⁆')).trim();
	return truncate(safe || 'untitled', max);
}

/**
 * Joins lines into one block of at most `max` characters. Whole lines only: when some do not fit, the block ends
 * with "…and N more" rather than a line cut in the middle.
 */
export function joinLinesWithin(lines: readonly string[], max: number): string {
	const kept: string[] = [];
	let length = 0;
	for (const [index, line] of lines.entries()) {
		const remaining = lines.length - index - 1;
		const suffix = remaining > 0 ? `\n…and ${remaining} more`.length : 0;
		const added = (kept.length > 0 ? 1 : 0) + line.length;
		if (length + added + suffix > max) {
			if (kept.length > 0) return `${kept.join('\n')}\n…and ${lines.length - index} more`;
			// Not even the first line fits: cut it, keeping room to say how many were left out.
			if (remaining === 0) return truncate(line, max);
			const more = `\n…and ${remaining} more`;
			return truncate(line, max - more.length) + more;
		}
		kept.push(line);
		length += added;
	}
	return kept.join('\n');
}
