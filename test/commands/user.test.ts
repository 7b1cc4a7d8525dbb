import { type Interaction, MessageFlags } from 'discord.js';
import { describe, expect, it } from 'vitest';
import user from '../../commands/user.ts';
import { handleInteraction } from '../../src/discord/interaction-boundary.ts';
import { renderUserProfile } from '../../src/views/user.ts';
import { fakeChatInput, testContext } from '../discord/fake-interactions.ts';
import { aStream, aUser } from './twitch-data.ts';

describe('/user rendering', () => {
	const embed = renderUserProfile(aUser(), null).embeds?.[0];
	const field = (name: string) => embed?.fields?.find((f) => f.name === name)?.value;

	it('shows display name, login, id, type and description, with the avatar', () => {
		expect(embed?.title).toBe('TwitchDev');
		expect(embed?.url).toBe('https://www.twitch.tv/twitchdev');
		expect(field('Login')).toBe('`twitchdev`');
		expect(field('ID')).toBe('`141981764`');
		expect(field('Type')).toBe('Partner');
		expect(embed?.description).toBe('Supporting third-party developers building Twitch integrations.');
		expect(embed?.thumbnail?.url).toBe(aUser().profileImageUrl);
	});

	it('shows the creation date as a Discord timestamp', () => {
		const unix = Date.parse('2016-12-14T20:32:28Z') / 1000;
		expect(field('Created')).toBe(`<t:${unix}:D> (<t:${unix}:R>)`);
	});

	it('says whether the account is live', () => {
		expect(field('Status')).toBe('⚫ Offline');
		const live = renderUserProfile(aUser(), aStream()).embeds?.[0];
		expect(live?.fields?.find((f) => f.name === 'Status')?.value).toBe('🔴 Live: Science & Technology, 12,345 viewers');
	});

	it('names staff roles and regular accounts in words', () => {
		const staff = renderUserProfile(aUser({ type: 'staff', broadcasterType: '' }), null).embeds?.[0];
		expect(staff?.fields?.find((f) => f.name === 'Type')?.value).toBe('Regular, Twitch staff');
	});

	it('escapes markdown in the description and keeps it within Discord’s 4096 characters', () => {
		const long =
			renderUserProfile(aUser({ description: `_${'a'.repeat(5000)}_` }), null).embeds?.[0]?.description ?? '';
		expect(long.startsWith('\\_aaa')).toBe(true);
		expect(long.length).toBeLessThanOrEqual(4096);
		expect(long.endsWith('…')).toBe(true);
	});
});

describe('/user handler', () => {
	it('looks the login up and renders the profile with its live status', async () => {
		const requested: string[] = [];
		const ctx = testContext({
			twitch: {
				getUserByLogin: async (login) => {
					requested.push(login);
					return aUser();
				},
				getStreamByLogin: async () => aStream(),
			},
		});
		const { interaction, answers } = fakeChatInput({ commandName: 'user', options: { channel: 'TwitchDev' } });
		await handleInteraction(interaction as Interaction, ctx, new Map([['user', user]]));
		expect(requested).toEqual(['TwitchDev']);
		expect(answers[0]?.payload.embeds[0].fields.find((f: { name: string }) => f.name === 'Status').value).toMatch(
			/Live/,
		);
	});

	it('answers privately when the login is unknown', async () => {
		const ctx = testContext({ twitch: { getUserByLogin: async () => null, getStreamByLogin: async () => null } });
		const { interaction, answers } = fakeChatInput({ commandName: 'user', options: { channel: 'ghost' } });
		await handleInteraction(interaction as Interaction, ctx, new Map([['user', user]]));
		expect(answers[0]?.payload).toMatchObject({
			content: expect.stringContaining('No Twitch channel is called “ghost”'),
			flags: MessageFlags.Ephemeral,
		});
	});
});
