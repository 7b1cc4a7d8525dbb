import type { APIEmbed } from 'discord.js';
import type { TwitchGame } from '../twitch/index.ts';
import { DISCORD_LIMITS, joinLinesWithin, linkText } from './discord-limits.ts';
import { EMBED_COLORS, embedReply, type ReplyPayload, textReply } from './reply.ts';
import { boxArtUrl } from './twitch-images.ts';

/**
 * The Twitch directory page of a category. Twitch redirects /directory/game/<name> to the category's page, so no
 * slug has to be guessed; parentheses are encoded too because a bare `)` would end a markdown link.
 */
export function categoryUrl(game: Pick<TwitchGame, 'name'>): string {
	const encoded = encodeURIComponent(game.name).replaceAll('(', '%28').replaceAll(')', '%29');
	return `https://www.twitch.tv/directory/game/${encoded}`;
}

/** `/topgames`: the categories with the most viewers now, numbered, with the box art of the first. */
export function renderTopGames(games: readonly TwitchGame[]): ReplyPayload {
	if (games.length === 0) return textReply('Twitch lists no categories right now.');
	const lines = games.map((game, index) => `**${index + 1}.** [${linkText(game.name, 100)}](${categoryUrl(game)})`);
	const embed: APIEmbed = {
		color: EMBED_COLORS.twitch,
		title: `Top ${games.length} ${games.length === 1 ? 'category' : 'categories'} on Twitch`,
		description: joinLinesWithin(lines, DISCORD_LIMITS.embedDescription),
		footer: { text: 'Ranked by current viewers' },
	};
	const topArt = boxArtUrl(games[0]?.boxArtUrl ?? '');
	if (topArt) embed.thumbnail = { url: topArt };
	return embedReply([embed]);
}
