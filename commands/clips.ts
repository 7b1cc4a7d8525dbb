import { ApplicationCommandOptionType } from 'discord.js';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';
import type { Command } from '../src/discord/command.ts';
import { readOptions } from '../src/discord/command-options.ts';
import { withDeferral } from '../src/discord/interaction-boundary.ts';
import { autocompleteTwitchChannel, TWITCH_CHANNEL_OPTION } from '../src/discord/twitch-channel-option.ts';
import { findTwitchUser } from '../src/twitch/lookups.ts';
import { renderTopClips } from '../src/views/clips.ts';

/** Clips shown: ten, each with its link, fit well in one embed. */
const SHOWN_CLIPS = 10;

const data = {
	name: 'clips',
	description: 'The most-viewed clips of a Twitch channel.',
	options: [
		TWITCH_CHANNEL_OPTION,
		{
			type: ApplicationCommandOptionType.String,
			name: 'period',
			description: 'Clips made in this period (default: the last 7 days)',
			choices: [
				{ name: 'Last 24 hours', value: 'day' },
				{ name: 'Last 7 days', value: 'week' },
				{ name: 'Last 30 days', value: 'month' },
				{ name: 'All time', value: 'all' },
			],
		},
	],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export default {
	data,
	async execute(interaction, ctx) {
		const { channel, period = 'week' } = readOptions(interaction, data.options);
		await withDeferral(
			interaction,
			async () => {
				const user = await findTwitchUser(ctx.twitch, channel);
				const clips = await ctx.twitch.getTopClips(user.id, period, SHOWN_CLIPS);
				return renderTopClips(user, clips, period);
			},
			{ clock: ctx.clock },
		);
	},
	autocomplete: autocompleteTwitchChannel,
} satisfies Command;
