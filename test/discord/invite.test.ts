import { PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { BOT_PERMISSIONS, buildInviteUrl } from '../../src/discord/invite.ts';

describe('the invite link', () => {
	const url = new URL(buildInviteUrl('123456789012345678'));

	it('points at Discord’s authorize page for this application', () => {
		expect(`${url.origin}${url.pathname}`).toBe('https://discord.com/oauth2/authorize');
		expect(url.searchParams.get('client_id')).toBe('123456789012345678');
	});

	it('asks for the bot and applications.commands scopes', () => {
		expect(url.searchParams.get('scope')?.split(' ').sort()).toEqual(['applications.commands', 'bot']);
	});

	it('asks for View Channel, Send Messages, Embed Links and Read Message History only', () => {
		// 1024 + 2048 + 16384 + 65536, the bit values in Discord's permission table.
		expect(url.searchParams.get('permissions')).toBe('84992');
		expect(BOT_PERMISSIONS & PermissionFlagsBits.MentionEveryone).toBe(0n);
		expect(BOT_PERMISSIONS & PermissionFlagsBits.Administrator).toBe(0n);
	});
});
