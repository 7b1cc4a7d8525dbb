/**
 * The flood guard's line: when a category watch finds more new streams in one cycle than the guild lets it post, the
 * rest go in one message — "…and 12 more live in Celeste: a, b, c" — with no ping and no embed.
 */
import type { AnnouncementMessage, CategoryOverflowInput } from '../notify/announcement-port.ts';
import { categoryText, linkText, truncate } from './discord-limits.ts';
import { formatCount } from './quantities.ts';

/** Channels named in the line, most watched first; the others are only counted. */
const NAMED = 10;

export function renderCategoryOverflow(input: CategoryOverflowInput): AnnouncementMessage {
	const count = input.streams.length;
	const named = input.streams
		.slice(0, NAMED)
		.map(
			(stream) =>
				`[${linkText(stream.displayName, 40)}](<https://twitch.tv/${stream.login}>) (${formatCount(stream.viewerCount)})`,
		);
	const rest = count - named.length;
	const where = `${categoryText(input.gameName)}${input.language ? ` (${input.language})` : ''}`;
	const head = `…and ${formatCount(count)} more ${count === 1 ? 'channel' : 'channels'} live in ${where}`;
	const list = named.join(', ') + (rest > 0 ? `, and ${formatCount(rest)} more` : '');
	return {
		content: truncate(`${head}: ${list}`, 2_000),
		embeds: [],
		components: [],
		allowed_mentions: { parse: [], roles: [] },
	};
}
