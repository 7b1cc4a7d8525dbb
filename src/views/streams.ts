import type { APIEmbed } from 'discord.js';
import type { TwitchGame, TwitchStream } from '../twitch/index.ts';
import { DISCORD_LIMITS, joinLinesWithin, linkText, plainText, truncate } from './discord-limits.ts';
import { formatCount } from './quantities.ts';
import { EMBED_COLORS, embedReply, type ReplyPayload, textReply } from './reply.ts';
import { boxArtUrl, channelUrl } from './twitch-images.ts';

export interface StreamsFilter {
	/** The category asked for, when one was. */
	game: TwitchGame | null;
	/** The language code asked for, when one was. */
	language: string | null;
}

/** `/streams`: the most-watched live streams, overall or in one category and/or language. */
export function renderTopStreams(streams: readonly TwitchStream[], filter: StreamsFilter): ReplyPayload {
	const scope = describeFilter(filter);
	if (streams.length === 0) return textReply(`No live streams found${scope}.`);
	const lines = streams.map((stream, index) => {
		const category = filter.game ? '' : ` · ${stream.gameName ? plainText(stream.gameName, 60) : '*no category*'}`;
		return (
			`**${index + 1}.** [${linkText(stream.userName, 50)}](${channelUrl(stream.userLogin)})` +
			` — ${formatCount(stream.viewerCount)} viewers${category}\n` +
			`${plainText(stream.title || 'Untitled stream', 100)}`
		);
	});
	const embed: APIEmbed = {
		color: EMBED_COLORS.live,
		title: truncate(`Top live streams${scope}`, DISCORD_LIMITS.embedTitle),
		description: joinLinesWithin(lines, DISCORD_LIMITS.embedDescription),
	};
	const art = filter.game ? boxArtUrl(filter.game.boxArtUrl) : '';
	if (art) embed.thumbnail = { url: art };
	return embedReply([embed]);
}

function describeFilter(filter: StreamsFilter): string {
	const parts: string[] = [];
	if (filter.game) parts.push(` in ${plainText(filter.game.name, 100)}`);
	if (filter.language) parts.push(` in language \`${filter.language}\``);
	return parts.join(',');
}
