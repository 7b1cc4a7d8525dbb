/**
 * Discord permission bits and the channel permission computation Discord applies before it accepts a message.
 * Kept here (not imported from discord.js) so that the fake checks the client instead of agreeing with it by
 * construction.
 */

/** Permission bits as documented in Discord's "Permissions" topic. */
export const Permission = {
	CreateInstantInvite: 1n << 0n,
	KickMembers: 1n << 1n,
	BanMembers: 1n << 2n,
	Administrator: 1n << 3n,
	ManageChannels: 1n << 4n,
	ManageGuild: 1n << 5n,
	AddReactions: 1n << 6n,
	ViewAuditLog: 1n << 7n,
	PrioritySpeaker: 1n << 8n,
	Stream: 1n << 9n,
	ViewChannel: 1n << 10n,
	SendMessages: 1n << 11n,
	SendTTSMessages: 1n << 12n,
	ManageMessages: 1n << 13n,
	EmbedLinks: 1n << 14n,
	AttachFiles: 1n << 15n,
	ReadMessageHistory: 1n << 16n,
	MentionEveryone: 1n << 17n,
	UseExternalEmojis: 1n << 18n,
	Connect: 1n << 20n,
	Speak: 1n << 21n,
	ChangeNickname: 1n << 26n,
	ManageNicknames: 1n << 27n,
	ManageRoles: 1n << 28n,
	ManageWebhooks: 1n << 29n,
	UseApplicationCommands: 1n << 31n,
	CreatePublicThreads: 1n << 35n,
	SendMessagesInThreads: 1n << 38n,
	UseEmbeddedActivities: 1n << 39n,
} as const;

/** Every bit up to the highest one Discord defines today (bit 51): what an administrator or owner gets. */
export const ALL_PERMISSIONS = (1n << 52n) - 1n;

/**
 * What a new server's @everyone role may do by default. Discord turns "Mention @everyone, @here and All Roles"
 * on for new servers, which is exactly why a bot must restrict `allowed_mentions` itself.
 */
export const DEFAULT_EVERYONE_PERMISSIONS =
	Permission.CreateInstantInvite |
	Permission.AddReactions |
	Permission.Stream |
	Permission.ViewChannel |
	Permission.SendMessages |
	Permission.EmbedLinks |
	Permission.AttachFiles |
	Permission.ReadMessageHistory |
	Permission.MentionEveryone |
	Permission.UseExternalEmojis |
	Permission.Connect |
	Permission.Speak |
	Permission.ChangeNickname |
	Permission.UseApplicationCommands |
	Permission.CreatePublicThreads |
	Permission.SendMessagesInThreads |
	Permission.UseEmbeddedActivities;

/** A channel permission overwrite as Discord stores it: type 0 targets a role, type 1 a member. */
export interface PermissionOverwrite {
	id: string;
	type: 0 | 1;
	allow: string;
	deny: string;
}

/** What the permission computation needs to know about a guild member in a channel. */
export interface PermissionSubject {
	guildId: string;
	ownerId: string;
	memberId: string;
	/** Ids of the member's roles, not counting @everyone (whose id is the guild id). */
	memberRoleIds: readonly string[];
	rolePermissions: ReadonlyMap<string, bigint>;
	overwrites: readonly PermissionOverwrite[];
}

/** Parses a permission field the way Discord sends it (a decimal string) or as a test passes it (bigint). */
export function toPermissionBits(value: bigint | string | number): bigint {
	return typeof value === 'bigint' ? value : BigInt(value);
}

/**
 * The member's permissions in the channel, following Discord's documented order: base permissions from
 * @everyone and the member's roles (owner and Administrator get everything), then the @everyone overwrite,
 * then the role overwrites together, then the member overwrite. Losing View Channel loses everything else.
 */
export function computeChannelPermissions(subject: PermissionSubject): bigint {
	if (subject.memberId === subject.ownerId) return ALL_PERMISSIONS;
	let permissions = subject.rolePermissions.get(subject.guildId) ?? 0n;
	for (const roleId of subject.memberRoleIds) permissions |= subject.rolePermissions.get(roleId) ?? 0n;
	if (permissions & Permission.Administrator) return ALL_PERMISSIONS;

	const everyoneOverwrite = subject.overwrites.find((overwrite) => overwrite.id === subject.guildId);
	if (everyoneOverwrite) {
		permissions &= ~BigInt(everyoneOverwrite.deny);
		permissions |= BigInt(everyoneOverwrite.allow);
	}
	let roleAllow = 0n;
	let roleDeny = 0n;
	for (const overwrite of subject.overwrites) {
		if (overwrite.type === 0 && overwrite.id !== subject.guildId && subject.memberRoleIds.includes(overwrite.id)) {
			roleAllow |= BigInt(overwrite.allow);
			roleDeny |= BigInt(overwrite.deny);
		}
	}
	permissions &= ~roleDeny;
	permissions |= roleAllow;
	const memberOverwrite = subject.overwrites.find(
		(overwrite) => overwrite.type === 1 && overwrite.id === subject.memberId,
	);
	if (memberOverwrite) {
		permissions &= ~BigInt(memberOverwrite.deny);
		permissions |= BigInt(memberOverwrite.allow);
	}
	if (!(permissions & Permission.ViewChannel)) return 0n;
	return permissions;
}

/** Whether `permissions` holds every bit of `required`. */
export function hasPermission(permissions: bigint, required: bigint): boolean {
	return (permissions & required) === required;
}
