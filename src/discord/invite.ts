import { OAuth2Scopes, PermissionFlagsBits } from 'discord.js';

/**
 * What the bot needs in a channel: see it, post, show embeds, and read its own earlier posts (to find an
 * announcement again after a restart). Mention Everyone is deliberately absent: a role the bot pings must be
 * mentionable, and no stream title should ever be able to ping @everyone.
 */
export const BOT_PERMISSIONS =
	PermissionFlagsBits.ViewChannel |
	PermissionFlagsBits.SendMessages |
	PermissionFlagsBits.EmbedLinks |
	PermissionFlagsBits.ReadMessageHistory;

/** `bot` adds the bot user to the server; `applications.commands` lets its slash commands appear there. */
export const INVITE_SCOPES = [OAuth2Scopes.Bot, OAuth2Scopes.ApplicationsCommands] as const;

/** The link a server admin opens to add the bot, with its scopes and the permissions it asks for. */
export function buildInviteUrl(applicationId: string, permissions: bigint = BOT_PERMISSIONS): string {
	const url = new URL('https://discord.com/oauth2/authorize');
	url.searchParams.set('client_id', applicationId);
	url.searchParams.set('scope', INVITE_SCOPES.join(' '));
	url.searchParams.set('permissions', permissions.toString());
	return url.toString();
}
