/**
 * Whether the bot can post a go-live announcement in a channel, checked from discord.js's gateway cache when an
 * admin sets up a watch: a watch that cannot post would otherwise fail silently the next time the streamer goes live.
 */
import { ChannelType, type Guild, type GuildMember, PermissionFlagsBits, type PermissionsBitField } from 'discord.js';

/** The name Discord's settings give the permission the announcer needs to find its own earlier post. */
export const READ_MESSAGE_HISTORY = 'Read Message History';

/**
 * What an announcement needs in its channel, named as Discord's permission settings show them. Without View Channel
 * Discord answers 50001 Missing Access; without Send Messages, or Embed Links for the embed, 50013. Without Read
 * Message History nothing fails: Discord just returns no messages when the announcer, after a crash, looks in the
 * channel for the post it may already have made, so it would post the go-live a second time.
 */
export const POSTING_PERMISSIONS = [
	{ flag: PermissionFlagsBits.ViewChannel, name: 'View Channel' },
	{ flag: PermissionFlagsBits.SendMessages, name: 'Send Messages' },
	{ flag: PermissionFlagsBits.EmbedLinks, name: 'Embed Links' },
	{ flag: PermissionFlagsBits.ReadMessageHistory, name: READ_MESSAGE_HISTORY },
] as const;

/** The name Discord's settings give the permission that lets a message ping any role. */
export const MENTION_EVERYONE = 'Mention @everyone, @here and All Roles';

/** Channel types an announcement can go to (the `post-in` and `default-channel` options offer only these). */
export const POSTABLE_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;

/** The parts of a role the mention check needs (a discord.js Role or the API role of an interaction option). */
export interface MentionedRole {
	readonly id: string;
	readonly mentionable: boolean;
}

/** What the bot lacks in one channel. */
export interface PostingShortfall {
	/** Missing permissions among POSTING_PERMISSIONS, by name, in that order. */
	missing: string[];
	/**
	 * The role would not be pinged: Discord only lets a message ping a role that is mentionable, or any role when the
	 * sender has Mention Everyone in the channel. The post would go out without the ping, which nobody would notice.
	 */
	roleNotMentionable: boolean;
}

/**
 * What the bot lacks to announce in a channel, given its permissions there (`channel.permissionsFor(me)`, which
 * already applies roles, overwrites and Administrator) and the role to mention, if any.
 */
export function postingShortfall(
	permissions: Readonly<PermissionsBitField>,
	role: MentionedRole | null,
): PostingShortfall {
	const missing = POSTING_PERMISSIONS.filter(({ flag }) => !permissions.has(flag)).map(({ name }) => name);
	const roleNotMentionable =
		role !== null && !role.mentionable && !permissions.has(PermissionFlagsBits.MentionEveryone);
	return { missing, roleNotMentionable };
}

/**
 * Whether a member may have the bot ping `role` in a channel, given their permissions there (null: unknown): only
 * when they could ping it in a message of their own. Discord lets a message ping a role that is mentionable, or any
 * role when the sender has Mention Everyone; the bot may hold that permission when the member does not.
 */
export function mayPingRole(permissions: Readonly<PermissionsBitField> | null, role: MentionedRole): boolean {
	return role.mentionable || permissions?.has(PermissionFlagsBits.MentionEveryone) === true;
}

/** Why announcements cannot go to a channel, or not with that role. */
export type TargetProblem =
	| { kind: 'cannot-post'; channelId: string; missing: string[]; roleId: string | null }
	| { kind: 'channel-not-found'; channelId: string }
	| { kind: 'not-a-text-channel'; channelId: string }
	/** The admin setting up the watch could not ping the role there themselves (see `mayPingRole`). */
	| { kind: 'requester-cannot-ping'; channelId: string; roleId: string };

/**
 * The result of checking a target: fine, blocked (with what is wrong), or not checkable right now (the gateway cache
 * lacks the server or the bot's member, e.g. while Discord is still sending it after a reconnect).
 */
export type TargetCheck =
	| { status: 'ok' }
	| { status: 'blocked'; problem: TargetProblem }
	| { status: 'unverified'; reason: string };

/** Checks that the bot can announce in `channelId`, pinging `roleId` when given. */
export type TargetChecker = (channelId: string, roleId: string | null) => TargetCheck;

/**
 * A watch being added, or a settings change, refused over its target channel: nothing was stored. It carries the
 * problem, not words: the /watch command has src/views/watch.ts word it (describeTargetRefusal) for the admin.
 */
export class TargetProblemError extends Error {
	override readonly name = 'TargetProblemError';
	readonly problem: TargetProblem;
	/** What was refused: a new watch, or a change of the guild's settings. */
	readonly refused: 'watch' | 'settings';
	constructor(problem: TargetProblem, refused: 'watch' | 'settings') {
		super(`${refused} refused: ${problem.kind} in channel ${problem.channelId}`);
		this.problem = problem;
		this.refused = refused;
	}
}

export interface TargetCheckerOptions {
	/**
	 * The member setting up the watch (`interaction.member`), for `/watch add`: a role that is not mentionable is then
	 * accepted only when they have Mention Everyone in the channel, so that whoever may run /watch cannot make the bot
	 * ping a role they cannot ping themselves. null: not known as a cached member, so such a role cannot be checked.
	 * Leave it out where no role is being chosen (list, test, settings).
	 */
	requester?: GuildMember | null;
}

/**
 * A TargetChecker over the gateway cache of `guild` (the interaction's guild): no request to Discord, so that the
 * check fits in the 3 seconds an interaction has, and the same view of permissions Discord will apply when posting.
 */
export function targetCheckerFor(guild: Guild | null, options: TargetCheckerOptions = {}): TargetChecker {
	return (channelId, roleId) => {
		if (!guild) {
			return { status: 'unverified', reason: 'this server is not in my cache yet' };
		}
		const me = guild.members.me;
		if (!me) return { status: 'unverified', reason: 'my own member of this server is not in my cache yet' };
		const channel = guild.channels.cache.get(channelId);
		// The gateway sends every channel of a guild, so a channel missing from the cache is deleted (or unknown).
		if (!channel) return { status: 'blocked', problem: { kind: 'channel-not-found', channelId } };
		if (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement) {
			return { status: 'blocked', problem: { kind: 'not-a-text-channel', channelId } };
		}
		const role = roleId === null ? null : (guild.roles.cache.get(roleId) ?? null);
		if (roleId !== null && options.requester !== undefined) {
			if (!role) return { status: 'unverified', reason: 'that role is not in my cache yet' };
			// permissionsFor applies the member's roles, the channel's overwrites, Administrator and ownership.
			const theirs = options.requester ? channel.permissionsFor(options.requester) : null;
			if (!mayPingRole(theirs, role)) {
				return { status: 'blocked', problem: { kind: 'requester-cannot-ping', channelId, roleId } };
			}
		}
		const shortfall = postingShortfall(channel.permissionsFor(me), role);
		if (shortfall.missing.length === 0 && !shortfall.roleNotMentionable) return { status: 'ok' };
		return {
			status: 'blocked',
			problem: {
				kind: 'cannot-post',
				channelId,
				missing: shortfall.missing,
				roleId: shortfall.roleNotMentionable ? roleId : null,
			},
		};
	};
}
