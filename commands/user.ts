import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';
import type { Command } from '../src/discord/command.ts';
import { readOptions } from '../src/discord/command-options.ts';
import { withDeferral } from '../src/discord/interaction-boundary.ts';
import { autocompleteTwitchChannel, TWITCH_CHANNEL_OPTION } from '../src/discord/twitch-channel-option.ts';
import { findTwitchUser } from '../src/twitch/lookups.ts';
import { renderUserProfile } from '../src/views/user.ts';

const data = {
	name: 'user',
	description: 'A Twitch account: name, id, type, creation date, description, and whether it is live.',
	options: [TWITCH_CHANNEL_OPTION],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export default {
	data,
	async execute(interaction, ctx) {
		const { channel } = readOptions(interaction, data.options);
		await withDeferral(
			interaction,
			async () => {
				const [user, stream] = await Promise.all([
					findTwitchUser(ctx.twitch, channel),
					ctx.twitch.getStreamByLogin(channel),
				]);
				return renderUserProfile(user, stream);
			},
			{ clock: ctx.clock },
		);
	},
	autocomplete: autocompleteTwitchChannel,
} satisfies Command;
