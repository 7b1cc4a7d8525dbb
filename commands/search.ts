import { ApplicationCommandOptionType } from 'discord.js';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';
import type { Command } from '../src/discord/command.ts';
import { readOptions } from '../src/discord/command-options.ts';
import { withDeferral } from '../src/discord/interaction-boundary.ts';
import { UserError } from '../src/errors.ts';
import { renderChannelSearch } from '../src/views/search.ts';

/** Results shown: ten keep the reply readable on a phone. */
const SHOWN_RESULTS = 10;

const data = {
	name: 'search',
	description: 'Search Twitch channels by name.',
	options: [
		{
			type: ApplicationCommandOptionType.String,
			name: 'query',
			description: 'Words in the channel name',
			required: true,
			max_length: 100,
		},
		{
			type: ApplicationCommandOptionType.Boolean,
			name: 'live',
			description: 'Only channels that are live now',
		},
	],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export default {
	data,
	async execute(interaction, ctx) {
		const { query, live = false } = readOptions(interaction, data.options);
		if (!query.trim()) throw new UserError('Type something to search for.');
		await withDeferral(
			interaction,
			async () => {
				const results = await ctx.twitch.searchChannels(query, { liveOnly: live, count: SHOWN_RESULTS });
				return renderChannelSearch(query.trim(), results, { liveOnly: live });
			},
			{ clock: ctx.clock },
		);
	},
} satisfies Command;
