import type { APIEmbed } from 'discord.js';
import type { TwitchStream, TwitchUser } from '../twitch/index.ts';
import { DISCORD_LIMITS, plainText } from './discord-limits.ts';
import { discordTimestamp, formatCount, parseTwitchDate } from './quantities.ts';
import { EMBED_COLORS, embedReply, type ReplyPayload } from './reply.ts';
import { channelUrl } from './twitch-images.ts';

const BROADCASTER_TYPES: Record<string, string> = { partner: 'Partner', affiliate: 'Affiliate' };
const STAFF_TYPES: Record<string, string> = {
	staff: 'Twitch staff',
	admin: 'Twitch admin',
	global_mod: 'Global moderator',
};

/** `/user`: a Twitch account's profile, and whether it is live now (`stream` null when offline). */
export function renderUserProfile(user: TwitchUser, stream: TwitchStream | null): ReplyPayload {
	const url = channelUrl(user.login);
	const created = parseTwitchDate(user.createdAt);
	const embed: APIEmbed = {
		color: stream ? EMBED_COLORS.live : EMBED_COLORS.twitch,
		title: plainText(user.displayName, DISCORD_LIMITS.embedTitle),
		url,
		description: user.description
			? plainText(user.description, DISCORD_LIMITS.embedDescription)
			: '*No channel description.*',
		fields: [
			{ name: 'Login', value: `\`${user.login}\``, inline: true },
			{ name: 'ID', value: `\`${user.id}\``, inline: true },
			{ name: 'Type', value: accountType(user), inline: true },
			{
				name: 'Created',
				value: created
					? `${discordTimestamp(created, 'date')} (${discordTimestamp(created, 'relative')})`
					: plainText(user.createdAt || 'unknown', DISCORD_LIMITS.fieldValue),
				inline: true,
			},
			{ name: 'Status', value: stream ? liveStatus(stream) : '⚫ Offline', inline: true },
		],
	};
	if (user.profileImageUrl) embed.thumbnail = { url: user.profileImageUrl };
	return embedReply([embed], [{ label: stream ? 'Watch' : 'Channel', url }]);
}

/** Broadcaster type (partner, affiliate) and any staff role, in words. */
function accountType(user: TwitchUser): string {
	const kinds = [
		BROADCASTER_TYPES[user.broadcasterType] ?? (user.broadcasterType ? plainText(user.broadcasterType, 50) : 'Regular'),
	];
	const staff = STAFF_TYPES[user.type] ?? (user.type ? plainText(user.type, 50) : '');
	if (staff) kinds.push(staff);
	return kinds.join(', ');
}

function liveStatus(stream: TwitchStream): string {
	return plainText(
		`🔴 Live: ${stream.gameName || 'no category'}, ${formatCount(stream.viewerCount)} viewers`,
		DISCORD_LIMITS.fieldValue,
	);
}
