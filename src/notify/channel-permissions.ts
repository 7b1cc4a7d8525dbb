/**
 * Discord's permission arithmetic, pure: what a member may do in a channel, from the channel's overwrites, the
 * guild's roles and owner, and the member's roles (the algorithm of Discord's "Permissions" documentation). The
 * notifier has no gateway cache, so it reads these three over REST when it must know (see findEarlierPost).
 */
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { z } from 'zod';

/** Discord's epoch (2015-01-01T00:00:00Z): snowflakes count milliseconds from it in their top 42 bits. */
const DISCORD_EPOCH_MS = 1_420_070_400_000;

/** The smallest snowflake of a moment (ms since the Unix epoch). */
export function snowflakeAt(ms: number): string {
	return (BigInt(Math.max(0, Math.floor(ms) - DISCORD_EPOCH_MS)) << 22n).toString();
}

const overwriteSchema = z.object({ id: z.string(), type: z.number(), allow: z.string(), deny: z.string() });
const channelSchema = z.object({ permission_overwrites: z.array(overwriteSchema).default([]) });
const guildSchema = z.object({
	id: z.string(),
	owner_id: z.string(),
	roles: z.array(z.object({ id: z.string(), permissions: z.string() })),
});
const memberSchema = z.object({ roles: z.array(z.string()) });

/** A member's permissions in a channel, from Discord's channel, guild and member objects (as REST returns them). */
export function permissionsIn(input: { channel: unknown; guild: unknown; member: unknown; userId: string }): bigint {
	const channel = channelSchema.parse(input.channel);
	const guild = guildSchema.parse(input.guild);
	const member = memberSchema.parse(input.member);
	const all = ~0n & ((1n << 64n) - 1n);
	if (guild.owner_id === input.userId) return all;
	const roleById = new Map(guild.roles.map((role) => [role.id, BigInt(role.permissions)]));
	let permissions = roleById.get(guild.id) ?? 0n;
	for (const roleId of member.roles) permissions |= roleById.get(roleId) ?? 0n;
	if ((permissions & PermissionFlagsBits.Administrator) !== 0n) return all;
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
	const own = overwrites.get(input.userId);
	if (own?.type === 1) permissions = (permissions & ~BigInt(own.deny)) | BigInt(own.allow);
	return permissions;
}

/** Whether the member may View Channel and Read Message History there. */
export function canReadHistory(input: { channel: unknown; guild: unknown; member: unknown; userId: string }): boolean {
	const needed = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ReadMessageHistory;
	return (permissionsIn(input) & needed) === needed;
}
