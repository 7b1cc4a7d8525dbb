import type { APIEmbed } from 'discord.js';
import type { ClipPeriod, TwitchClip, TwitchUser } from '../twitch/index.ts';
import { DISCORD_LIMITS, joinLinesWithin, linkText, plainText, truncate } from './discord-limits.ts';
import { discordTimestamp, formatClipLength, parseTwitchDate, pluralize } from './quantities.ts';
import { EMBED_COLORS, embedReply, type ReplyPayload, textReply } from './reply.ts';
import { channelUrl } from './twitch-images.ts';

const PERIOD_WORDS: Record<ClipPeriod, string> = {
	day: 'of the last 24 hours',
	week: 'of the last 7 days',
	month: 'of the last 30 days',
	all: 'of all time',
};

/** `/clips`: a channel's most-viewed clips over a period, with links, views, length, clipper and date. */
export function renderTopClips(user: TwitchUser, clips: readonly TwitchClip[], period: ClipPeriod): ReplyPayload {
	const when = PERIOD_WORDS[period];
	const name = plainText(user.displayName, 100);
	if (clips.length === 0) return textReply(`${name} has no clips ${when}.`);
	const lines = clips.map((clip, index) => {
		const details = [pluralize(clip.viewCount, 'view'), formatClipLength(clip.durationSeconds)];
		if (clip.creatorName) details.push(`by ${plainText(clip.creatorName, 40)}`);
		const created = parseTwitchDate(clip.createdAt);
		if (created) details.push(discordTimestamp(created, 'relative'));
		return `**${index + 1}.** [${linkText(clip.title, 100)}](${clip.url}) — ${details.join(' · ')}`;
	});
	const embed: APIEmbed = {
		color: EMBED_COLORS.twitch,
		title: truncate(`Top clips of ${name} ${when}`, DISCORD_LIMITS.embedTitle),
		url: channelUrl(user.login),
		description: joinLinesWithin(lines, DISCORD_LIMITS.embedDescription),
	};
	// Clip thumbnails are finished images (no {width}x{height} template) that never change: no cache-busting.
	const firstThumbnail = clips[0]?.thumbnailUrl;
	if (firstThumbnail) embed.image = { url: firstThumbnail };
	if (user.profileImageUrl) embed.thumbnail = { url: user.profileImageUrl };
	return embedReply([embed]);
}
