import { ApplicationCommandOptionType } from 'discord.js';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';
import type { Command } from '../src/discord/command.ts';
import { readOptions } from '../src/discord/command-options.ts';
import { withDeferral } from '../src/discord/interaction-boundary.ts';
import { autocompleteTwitchChannel } from '../src/discord/twitch-channel-option.ts';
import { findTwitchUser } from '../src/twitch/lookups.ts';
import { renderUserProfile } from '../src/views/user.ts';

const data = {
	name: 'user',
	description: 'A Twitch account: name, id, type, creation date, description, and whether it is live.',
	options: [
		{
			type: ApplicationCommandOptionType.String,
			name: 'login',
			description: 'The Twitch login (as in twitch.tv/<login>)',
			required: true,
			autocomplete: true,
			max_length: 100,
		},
	],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export default {
	data,
	async execute(interaction, ctx) {
		const { login } = readOptions(interaction, data.options);
		await withDeferral(
			interaction,
			async () => {
				const [user, stream] = await Promise.all([
					findTwitchUser(ctx.twitch, login),
					ctx.twitch.getStreamByLogin(login),
				]);
				return renderUserProfile(user, stream);
			},
			{ clock: ctx.clock },
		);
	},
	autocomplete: autocompleteTwitchChannel,
} satisfies Command;
