/**
 * Finding the post a previous run made when its outcome was not recorded (a crash right after posting, or Discord
 * created the message and answered 5xx), once Discord's nonce window has passed.
 *
 * The search reads the channel's messages after the intent's time (`after` = a snowflake of that time, minus a
 * margin for clock skew), page by page, so that a busy channel cannot push the post out of a "latest 50" window.
 * Discord answers that list with an empty array — not an error — when the bot lacks Read Message History, which
 * would read as "never posted" and make a second post (and a second ping). So an empty or partial search is only
 * trusted when the bot's permissions in the channel, computed from the channel, guild and member over REST, include
 * View Channel and Read Message History; otherwise the answer is "cannot tell", and the caller must not post.
 */
import { PermissionFlagsBits, Routes } from 'discord-api-types/v10';
import { z } from 'zod';
import { isAnnouncementOf } from '../views/announcement.ts';
import type { DiscordMessages } from './discord-messages.ts';

/** Discord's epoch (2015-01-01T00:00:00Z): snowflakes count milliseconds from it in their top 42 bits. */
const DISCORD_EPOCH_MS = 1_420_070_400_000;
/** Our clock and Discord's may disagree a little: search from this long before the intent. */
const CLOCK_SKEW_MARGIN_MS = 5 * 60_000;
/** At most this many pages of 100 messages are read (10,000 messages posted since the intent). */
const MAX_PAGES = 100;

export type EarlierPostSearch =
	| { found: true; messageId: string }
	| { found: false }
	/** The search cannot be trusted (permission missing, or Discord failed): posting again could duplicate. */
	| { found: 'unknown'; reason: 'missing-read-message-history' | 'search-failed'; error?: unknown };

/** The smallest snowflake of a moment (ms since the Unix epoch). */
export function snowflakeAt(ms: number): string {
	return (BigInt(Math.max(0, Math.floor(ms) - DISCORD_EPOCH_MS)) << 22n).toString();
}

/** Looks for the bot's own post of `streamId` in the channel, made no earlier than `since` (ms). */
export async function findEarlierPost(
	messages: DiscordMessages,
	query: { channelId: string; streamId: string; since: number; botUserId: string | null },
): Promise<EarlierPostSearch> {
	let cursor = BigInt(snowflakeAt(query.since - CLOCK_SKEW_MARGIN_MS));
	try {
		for (let page = 0; page < MAX_PAGES; page++) {
			const batch = await messages.listAfter(query.channelId, cursor.toString(), 100);
			const earlier = batch.find(
				(message) =>
					(query.botUserId === null || message.author?.id === query.botUserId) &&
					isAnnouncementOf(message, query.streamId),
			);
			if (earlier) return { found: true, messageId: earlier.id };
			if (batch.length < 100) break;
			// Whatever order Discord lists the page in, the next one starts after its newest message.
			cursor = batch.reduce((max, message) => (BigInt(message.id) > max ? BigInt(message.id) : max), cursor);
		}
		if (query.botUserId === null) return { found: 'unknown', reason: 'search-failed' };
		const canRead = await canReadHistory(messages, query.channelId, query.botUserId);
		return canRead ? { found: false } : { found: 'unknown', reason: 'missing-read-message-history' };
	} catch (error) {
		return { found: 'unknown', reason: 'search-failed', error };
	}
}

const overwriteSchema = z.object({ id: z.string(), type: z.number(), allow: z.string(), deny: z.string() });
const channelSchema = z.object({
	guild_id: z.string(),
	permission_overwrites: z.array(overwriteSchema).default([]),
});
const guildSchema = z.object({
	id: z.string(),
	owner_id: z.string(),
	roles: z.array(z.object({ id: z.string(), permissions: z.string() })),
});
const memberSchema = z.object({ roles: z.array(z.string()) });

/** Whether the bot has View Channel and Read Message History in the channel (Discord's permission algorithm). */
export async function canReadHistory(
	messages: DiscordMessages,
	channelId: string,
	botUserId: string,
): Promise<boolean> {
	const channel = channelSchema.parse(await messages.get(Routes.channel(channelId)));
	const guild = guildSchema.parse(await messages.get(Routes.guild(channel.guild_id)));
	const member = memberSchema.parse(await messages.get(Routes.guildMember(channel.guild_id, botUserId)));
	const needed = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ReadMessageHistory;
	if (guild.owner_id === botUserId) return true;
	const roleById = new Map(guild.roles.map((role) => [role.id, BigInt(role.permissions)]));
	let permissions = roleById.get(guild.id) ?? 0n;
	for (const roleId of member.roles) permissions |= roleById.get(roleId) ?? 0n;
	if ((permissions & PermissionFlagsBits.Administrator) !== 0n) return true;
	const overwrites = new Map(channel.permission_overwrites.map((overwrite) => [overwrite.id, overwrite]));
	const everyone = overwrites.get(guild.id);
	if (everyone) permissions = (permissions & ~BigInt(everyone.deny)) | BigInt(everyone.allow);
	let allow = 0n;
	let deny = 0n;
	for (const roleId of member.roles) {
		const overwrite = overwrites.get(roleId);
		if (overwrite?.type !== 0) continue;
		allow |= BigInt(overwrite.allow);
		deny |= BigInt(overwrite.deny);
	}
	permissions = (permissions & ~deny) | allow;
	const own = overwrites.get(botUserId);
	if (own?.type === 1) permissions = (permissions & ~BigInt(own.deny)) | BigInt(own.allow);
	return (permissions & needed) === needed;
}
