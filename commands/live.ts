import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';
import type { Command } from '../src/discord/command.ts';
import { readOptions } from '../src/discord/command-options.ts';
import { withDeferral } from '../src/discord/interaction-boundary.ts';
import { autocompleteTwitchChannel, TWITCH_CHANNEL_OPTION } from '../src/discord/twitch-channel-option.ts';
import { fetchChannelStatus } from '../src/twitch/lookups.ts';
import { renderLiveStream, renderOfflineChannel } from '../src/views/live.ts';

const data = {
	name: 'live',
	description: 'Is a Twitch channel live? Title, category, viewers and uptime.',
	options: [TWITCH_CHANNEL_OPTION],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export default {
	data,
	async execute(interaction, ctx) {
		const { channel } = readOptions(interaction, data.options);
		await withDeferral(
			interaction,
			async () => {
				const status = await fetchChannelStatus(ctx.twitch, channel);
				return status.live
					? renderLiveStream(status.stream, status.user, ctx.clock.now())
					: renderOfflineChannel(status.user, status.latestVod);
			},
			{ clock: ctx.clock },
		);
	},
	autocomplete: autocompleteTwitchChannel,
} satisfies Command;
