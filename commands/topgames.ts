import { ApplicationCommandOptionType } from 'discord.js';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';
import type { Command } from '../src/discord/command.ts';
import { readOptions } from '../src/discord/command-options.ts';
import { withDeferral } from '../src/discord/interaction-boundary.ts';
import { renderTopGames } from '../src/views/topgames.ts';

const DEFAULT_COUNT = 10;

const data = {
	name: 'topgames',
	description: 'The categories with the most viewers on Twitch right now.',
	options: [
		{
			type: ApplicationCommandOptionType.Integer,
			name: 'count',
			description: `How many categories (1–25, default ${DEFAULT_COUNT})`,
			min_value: 1,
			max_value: 25,
		},
	],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export default {
	data,
	async execute(interaction, ctx) {
		const { count = DEFAULT_COUNT } = readOptions(interaction, data.options);
		await withDeferral(interaction, async () => renderTopGames(await ctx.twitch.getTopGames(count)), {
			clock: ctx.clock,
		});
	},
} satisfies Command;
