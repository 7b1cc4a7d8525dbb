/**
 * Text from Twitch cut and cleaned by Unicode's rules rather than by UTF-16 units: titles, names and descriptions are
 * whatever a streamer typed. Free of dependencies, so that the notifier (which renders announcements without
 * discord.js's main package) uses the same rules as the command replies.
 */

/**
 * Bidirectional formatting controls: embeddings and overrides (U+202A–U+202E, U+202E being the right-to-left
 * override), isolates (U+2066–U+2069) and the marks U+200E, U+200F and U+061C. In a title they reorder the text
 * around them, so that a post can read differently from what it says (a link or a name shown backwards).
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Twitch text without bidi controls (see BIDI_CONTROLS); every other character is kept. */
export function stripBidiControls(text: string): string {
	return text.replace(BIDI_CONTROLS, '');
}

// What a reader sees as one character: an emoji with its skin tone or ZWJ sequence (👨‍👩‍👧‍👦), a flag (two regional
// indicators), a letter with its combining accents. Cutting inside one shows a broken or different glyph.
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

const ELLIPSIS = '…';

/**
 * Shortens text to at most `max` UTF-16 units (what Discord's limits count), ending with "…" when cut. Cuts only
 * between grapheme clusters, and never leaves a backslash before the ellipsis (in escaped text it would escape it,
 * elsewhere it would show).
 */
export function truncateText(text: string, max: number): string {
	if (text.length <= max) return text;
	const room = Math.max(0, max - ELLIPSIS.length);
	let end = 0;
	for (const { index, segment } of graphemes.segment(text)) {
		if (index + segment.length > room) break;
		end = index + segment.length;
	}
	let kept = text.slice(0, end);
	while (kept.endsWith('\\')) kept = kept.slice(0, -1);
	return kept + ELLIPSIS;
}
