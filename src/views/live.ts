import type { APIEmbed } from 'discord.js';
import type { TwitchStream, TwitchUser, TwitchVideo } from '../twitch/index.ts';
import { stripBidiControls } from '../unicode-text.ts';
import { categoryText, DISCORD_LIMITS, linkText, plainText, truncate } from './discord-limits.ts';
import { discordTimestamp, formatCount, formatElapsed, formatVodDuration, parseTwitchDate } from './quantities.ts';
import { EMBED_COLORS, embedReply, type ReplyPayload } from './reply.ts';
import { channelUrl, livePreviewUrl } from './twitch-images.ts';

/**
 * `/live` for a channel that is live: title, category, viewers, uptime, a current preview image and a Watch button.
 * `user` adds the avatar when known; `now` (from the clock) computes the uptime and cache-busts the preview.
 */
export function renderLiveStream(stream: TwitchStream, user: TwitchUser | null, now: number): ReplyPayload {
	const url = channelUrl(stream.userLogin);
	const startedAt = parseTwitchDate(stream.startedAt);
	const uptime = startedAt
		? `${formatElapsed(now - startedAt.getTime())} (since ${discordTimestamp(startedAt, 'time')})`
		: 'unknown';
	const embed: APIEmbed = {
		color: EMBED_COLORS.live,
		author: {
			// Author names show no markdown: only the bidi controls go.
			name: truncate(`${stripBidiControls(stream.userName)} is live on Twitch`, DISCORD_LIMITS.authorName),
			url,
			...(user?.profileImageUrl ? { icon_url: user.profileImageUrl } : {}),
		},
		title: plainText(stream.title || 'Untitled stream', DISCORD_LIMITS.embedTitle),
		url,
		fields: [
			{ name: 'Category', value: categoryText(stream.gameName), inline: true },
			{ name: 'Viewers', value: formatCount(stream.viewerCount), inline: true },
			{ name: 'Uptime', value: uptime, inline: true },
		],
	};
	const preview = livePreviewUrl(stream.thumbnailUrl, now);
	if (preview) embed.image = { url: preview };
	if (user?.profileImageUrl) embed.thumbnail = { url: user.profileImageUrl };
	if (startedAt) embed.timestamp = startedAt.toISOString();
	return embedReply([embed], [{ label: 'Watch', url }]);
}

/**
 * `/live` for a channel that is offline: says so, with the profile and, when Twitch keeps one, a link to the
 * latest past broadcast.
 */
export function renderOfflineChannel(user: TwitchUser, latestVod: TwitchVideo | null): ReplyPayload {
	const url = channelUrl(user.login);
	const embed: APIEmbed = {
		color: EMBED_COLORS.offline,
		author: { name: truncate(`${stripBidiControls(user.displayName)} is offline`, DISCORD_LIMITS.authorName), url },
		title: plainText(user.displayName, DISCORD_LIMITS.embedTitle),
		url,
		description: user.description
			? plainText(user.description, DISCORD_LIMITS.embedDescription)
			: '*No channel description.*',
		fields: [{ name: 'Latest broadcast', value: latestVod ? vodText(latestVod) : 'No past broadcast is available.' }],
	};
	if (user.profileImageUrl) embed.thumbnail = { url: user.profileImageUrl };
	if (user.offlineImageUrl) embed.image = { url: user.offlineImageUrl };
	const buttons = [{ label: 'Channel', url }];
	if (latestVod) buttons.push({ label: 'Latest broadcast', url: latestVod.url });
	return embedReply([embed], buttons);
}

function vodText(vod: TwitchVideo): string {
	const details: string[] = [];
	const length = formatVodDuration(vod.duration);
	if (length) details.push(length);
	const recorded = parseTwitchDate(vod.createdAt);
	if (recorded) details.push(discordTimestamp(recorded, 'relative'));
	const link = `[${linkText(vod.title, 200)}](${vod.url})`;
	return truncate(details.length > 0 ? `${link} · ${details.join(' · ')}` : link, DISCORD_LIMITS.fieldValue);
}
