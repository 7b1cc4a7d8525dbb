import { ApplicationCommandOptionType } from 'discord.js';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';
import type { Command } from '../src/discord/command.ts';
import { readOptions } from '../src/discord/command-options.ts';
import { withDeferral } from '../src/discord/interaction-boundary.ts';
import { findCategory, parseLanguage } from '../src/twitch/lookups.ts';
import { renderTopStreams } from '../src/views/streams.ts';

const DEFAULT_COUNT = 10;

const data = {
	name: 'streams',
	description: 'The most-watched live streams on Twitch, overall or in one category.',
	options: [
		{
			type: ApplicationCommandOptionType.String,
			name: 'game',
			description: 'A category, by its name on Twitch (e.g. Just Chatting)',
			max_length: 100,
		},
		{
			type: ApplicationCommandOptionType.String,
			name: 'language',
			description: 'A stream language code (e.g. en, de, es)',
			min_length: 2,
			max_length: 5,
		},
		{
			type: ApplicationCommandOptionType.Integer,
			name: 'count',
			description: `How many streams (1–25, default ${DEFAULT_COUNT})`,
			min_value: 1,
			max_value: 25,
		},
	],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export default {
	data,
	async execute(interaction, ctx) {
		const options = readOptions(interaction, data.options);
		const language = parseLanguage(options.language);
		const count = options.count ?? DEFAULT_COUNT;
		await withDeferral(
			interaction,
			async () => {
				const game = options.game ? await findCategory(ctx.twitch, options.game) : null;
				const streams = await ctx.twitch.getTopStreams({ gameId: game?.id, language }, count);
				return renderTopStreams(streams, { game, language: language ?? null });
			},
			{ clock: ctx.clock },
		);
	},
} satisfies Command;
