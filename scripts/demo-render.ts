/**
 * How `npm run demo` shows Discord in a terminal: messages and interaction replies as a reader would see them in the
 * Discord app (mentions as names, timestamps as text, embeds as a coloured card, link buttons with their URL).
 * Pure functions of the JSON the bot sent; colours only when asked (stdout is a TTY).
 */

/** ANSI styling, or plain text when colours are off. */
export interface TerminalStyle {
	bold(text: string): string;
	dim(text: string): string;
	italic(text: string): string;
	underline(text: string): string;
	accent(text: string): string;
	good(text: string): string;
	warn(text: string): string;
	/** A bar in an embed's side colour (Discord's 0xRRGGBB). */
	bar(color: number | undefined): string;
}

/** Styles that colour text when `enabled` (a TTY), and return it unchanged otherwise. */
export function createTerminalStyle(enabled: boolean): TerminalStyle {
	const wrap = (open: string, close: string) => (text: string) =>
		enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text;
	return {
		bold: wrap('1', '22'),
		dim: wrap('2', '22'),
		italic: wrap('3', '23'),
		underline: wrap('4', '24'),
		accent: wrap('36', '39'),
		good: wrap('32', '39'),
		warn: wrap('33', '39'),
		bar(color) {
			if (!enabled || color === undefined) return '▌';
			return `\x1b[38;2;${(color >> 16) & 255};${(color >> 8) & 255};${color & 255}m▌\x1b[39m`;
		},
	};
}

/** Names of the server's channels, roles and users, to show `<#id>`, `<@&id>` and `<@id>` as Discord does. */
export interface DiscordNames {
	channels: ReadonlyMap<string, string>;
	roles: ReadonlyMap<string, string>;
	users: ReadonlyMap<string, string>;
}

/** Discord's relative timestamp style: "just now", "5 minutes ago", "in 2 hours". */
export function relativeTime(ms: number, now: number): string {
	const seconds = Math.round((ms - now) / 1000);
	const size = Math.abs(seconds);
	if (size < 45) return seconds <= 0 ? 'just now' : 'in a few seconds';
	const units: Array<[number, string]> = [
		[86_400, 'day'],
		[3600, 'hour'],
		[60, 'minute'],
	];
	const [unitSeconds, unit] = units.find(([length]) => size >= length) ?? [60, 'minute'];
	const count = Math.max(1, Math.round(size / unitSeconds));
	const phrase = `${count} ${unit}${count === 1 ? '' : 's'}`;
	return seconds < 0 ? `${phrase} ago` : `in ${phrase}`;
}

/**
 * Message markdown as the Discord app shows it: mentions by name, `<t:…>` timestamps as text, **bold**, __underline__, `code`,
 * [masked](links) with their URL, backslash escapes and zero-width spaces (used to defuse @everyone) removed.
 */
export function renderDiscordText(text: string, names: DiscordNames, now: number, style: TerminalStyle): string {
	return (
		text
			.replace(/<#(\d+)>/g, (_, id: string) => style.accent(`#${names.channels.get(id) ?? 'unknown-channel'}`))
			.replace(/<@&(\d+)>/g, (_, id: string) => style.accent(`@${names.roles.get(id) ?? 'unknown-role'}`))
			.replace(/<@!?(\d+)>/g, (_, id: string) => style.accent(`@${names.users.get(id) ?? 'unknown-user'}`))
			.replace(/<t:(-?\d+)(?::([tTdDfFR]))?>/g, (_, seconds: string, format: string | undefined) =>
				timestampText(Number(seconds) * 1000, format, now),
			)
			// [label](url), and [label](<url>): the angle brackets only keep Discord from adding a link preview.
			.replace(/\[([^\]]+)\]\(<?(https?:\/\/[^)\s>]+)>?\)/g, (_, label: string, url: string) => `${label} (${url})`)
			.replace(/\*\*(.+?)\*\*/g, (_, inner: string) => style.bold(inner))
			.replace(/__(.+?)__/g, (_, inner: string) => style.underline(inner))
			.replace(/`([^`]+)`/g, (_, inner: string) => style.accent(inner))
			// Markdown escapes (\*, \_, \#…) show as the bare character.
			.replace(/\\([\\*_~`|>#[\]().!-])/g, '$1')
			.replaceAll('\u200b', '')
	);
}

/** A `<t:…:format>` timestamp as the Discord app shows it (in this machine's time zone). */
function timestampText(ms: number, format: string | undefined, now: number): string {
	const date = new Date(ms);
	switch (format) {
		case 'R':
			return relativeTime(ms, now);
		case 't':
			return date.toLocaleTimeString('en-GB', { timeStyle: 'short' });
		case 'T':
			return date.toLocaleTimeString('en-GB', { timeStyle: 'medium' });
		case 'd':
			return date.toLocaleDateString('en-GB', { dateStyle: 'short' });
		case 'D':
			return date.toLocaleDateString('en-GB', { dateStyle: 'long' });
		default:
			return date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
	}
}

interface EmbedJson {
	color?: number;
	author?: { name?: string };
	title?: string;
	url?: string;
	description?: string;
	fields?: Array<{ name: string; value: string; inline?: boolean }>;
	image?: { url?: string };
	thumbnail?: { url?: string };
	footer?: { text?: string };
}

interface ButtonJson {
	type?: number;
	label?: string;
	url?: string;
}

/** What a message or an interaction reply holds, as the bot sent it. */
export interface DiscordBody {
	content?: string | null;
	embeds?: readonly unknown[];
	components?: readonly unknown[];
}

/** A message body as lines: content, each embed as a card with a coloured bar, then the link buttons. */
export function renderBody(body: DiscordBody, names: DiscordNames, now: number, style: TerminalStyle): string[] {
	const text = (value: string) => renderDiscordText(value, names, now, style);
	const lines: string[] = [];
	if (body.content) lines.push(...text(body.content).split('\n'));
	for (const raw of body.embeds ?? []) {
		const embed = raw as EmbedJson;
		const card: string[] = [];
		if (embed.author?.name) card.push(style.bold(text(embed.author.name)));
		if (embed.title) card.push(style.bold(text(embed.title)) + (embed.url ? style.dim(`  ${embed.url}`) : ''));
		if (embed.description) card.push(...text(embed.description).split('\n'));
		card.push(...fieldLines(embed.fields ?? [], text, style));
		const picture = embed.image?.url ?? embed.thumbnail?.url;
		if (picture?.startsWith('attachment://')) {
			card.push(style.dim(`[picture] ${picture.slice('attachment://'.length)}, a file attached to the message`));
		} else if (picture) {
			card.push(style.dim(`[picture] ${picture}`));
		}
		if (embed.footer?.text) card.push(style.dim(text(embed.footer.text)));
		for (const line of card) lines.push(`${style.bar(embed.color)} ${line}`);
	}
	const buttons = (body.components ?? []).flatMap(
		(row) => ((row as { components?: ButtonJson[] }).components ?? []) as ButtonJson[],
	);
	if (buttons.length > 0) {
		lines.push(
			buttons
				.map(
					(button) => `${style.bold(`[ ${button.label ?? '?'} ↗ ]`)}${button.url ? style.dim(` ${button.url}`) : ''}`,
				)
				.join('  '),
		);
	}
	return lines;
}

/**
 * Embed fields as Discord lays them out: inline fields side by side (up to 3 a row), each other field on a row of
 * its own; a value of several lines goes under its name, one line each.
 */
function fieldLines(
	fields: NonNullable<EmbedJson['fields']>,
	text: (value: string) => string,
	style: TerminalStyle,
): string[] {
	const lines: string[] = [];
	let row: string[] = [];
	const endRow = () => {
		if (row.length > 0) lines.push(row.join('   '));
		row = [];
	};
	for (const field of fields) {
		const value = text(field.value).split('\n');
		if (field.inline && value.length === 1) {
			row.push(`${style.dim(`${text(field.name)}:`)} ${value[0]}`);
			if (row.length === 3) endRow();
			continue;
		}
		endRow();
		const name = style.dim(`${text(field.name)}:`);
		if (value.length === 1) lines.push(`${name} ${value[0]}`);
		else lines.push(name, ...value.map((line) => `  ${line}`));
	}
	endRow();
	return lines;
}

/** Indents lines under a heading, Discord-chat style: `│ line`. */
export function quoteBlock(lines: readonly string[], style: TerminalStyle, indent = '    '): string {
	return lines.map((line) => `${indent}${style.dim('│')} ${line}`).join('\n');
}
