import type { APIEmbed } from 'discord.js';
import type { TwitchChannelSearchResult } from '../twitch/index.ts';
import { DISCORD_LIMITS, joinLinesWithin, linkText, plainText, truncate } from './discord-limits.ts';
import { EMBED_COLORS, embedReply, type ReplyPayload, textReply } from './reply.ts';
import { channelUrl } from './twitch-images.ts';

/** `/search`: channels matching a query, live ones marked, each with its category and title. */
export function renderChannelSearch(
	query: string,
	results: readonly TwitchChannelSearchResult[],
	options: { liveOnly: boolean },
): ReplyPayload {
	const shownQuery = plainText(query, 100);
	if (results.length === 0) {
		return textReply(`No ${options.liveOnly ? 'live ' : ''}Twitch channel matches “${shownQuery}”.`);
	}
	const lines = results.map((channel) => {
		const status = channel.isLive ? '🔴' : '⚫';
		const name = `[${linkText(channel.displayName, 50)}](${channelUrl(channel.login)})`;
		const login = channel.displayName.toLowerCase() === channel.login ? '' : ` (\`${channel.login}\`)`;
		const category = channel.gameName ? ` · ${plainText(channel.gameName, 60)}` : '';
		const title = channel.title ? `\n${plainText(channel.title, 100)}` : '';
		return `${status} ${name}${login}${category}${title}`;
	});
	const embed: APIEmbed = {
		color: EMBED_COLORS.twitch,
		title: truncate(
			`${options.liveOnly ? 'Live channels' : 'Channels'} matching “${shownQuery}”`,
			DISCORD_LIMITS.embedTitle,
		),
		description: joinLinesWithin(lines, DISCORD_LIMITS.embedDescription),
		footer: { text: '🔴 live · ⚫ offline' },
	};
	return embedReply([embed]);
}
