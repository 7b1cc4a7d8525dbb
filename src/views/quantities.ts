// The sub-packages discord.js re-exports, not 'discord.js' itself: the notifier renders announcements with these
// helpers and does not load discord.js's main package.
import { TimestampStyles, time } from '@discordjs/formatters';

const countFormat = new Intl.NumberFormat('en-US');

/** 12345 → "12,345". */
export function formatCount(value: number): string {
	return countFormat.format(value);
}

/** `count` followed by the noun, singular or plural: 1 viewer, 2 viewers. */
export function pluralize(count: number, singular: string, plural = `${singular}s`): string {
	return `${formatCount(count)} ${count === 1 ? singular : plural}`;
}

/** Milliseconds as "3 h 05 min", "42 min" or "35 s" (negative spans, from clock skew, count as zero). */
export function formatElapsed(ms: number): string {
	const totalSeconds = Math.max(0, Math.floor(ms / 1000));
	const hours = Math.floor(totalSeconds / 3600);
	const minutes = Math.floor((totalSeconds % 3600) / 60);
	if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
	if (minutes > 0) return `${minutes} min`;
	return `${totalSeconds} s`;
}

/** A clip length in seconds (Twitch sends fractions) as "27 s" or "1 min 05 s". */
export function formatClipLength(seconds: number): string {
	const whole = Math.max(0, Math.round(seconds));
	if (whole < 60) return `${whole} s`;
	return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** Twitch's VOD duration text "3h8m33s" as "3 h 08 min" ("" stays ""). */
export function formatVodDuration(duration: string): string {
	const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
	if (!duration || !match) return duration;
	const [, h = '0', m = '0', s = '0'] = match;
	return formatElapsed((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
}

/** Parses an ISO date from Twitch; null when missing or unreadable (never an Invalid Date in a message). */
export function parseTwitchDate(iso: string | null | undefined): Date | null {
	if (!iso) return null;
	const date = new Date(iso);
	return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * A Discord timestamp (`<t:unix:style>`): each reader sees it in their own time zone and language, and the relative
 * style ("3 hours ago") keeps counting after the message was sent.
 */
export function discordTimestamp(date: Date, style: 'date' | 'relative' | 'time' | 'dateTime'): string {
	const styles = {
		date: TimestampStyles.LongDate,
		relative: TimestampStyles.RelativeTime,
		time: TimestampStyles.ShortTime,
		dateTime: TimestampStyles.LongDateShortTime,
	} as const;
	return time(date, styles[style]);
}
