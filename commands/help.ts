import { MessageFlags } from 'discord.js';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';
import type { Command } from '../src/discord/command.ts';
import { commandJson } from '../src/discord/command-schema.ts';
import { renderHelp } from '../src/views/help.ts';
import clips from './clips.ts';
import live from './live.ts';
import search from './search.ts';
import streams from './streams.ts';
import topgames from './topgames.ts';
import user from './user.ts';
import watch from './watch.ts';

const data = {
	name: 'help',
	description: 'What this bot can do.',
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

/** In the order a newcomer would try them. */
const DESCRIBED_COMMANDS = [live, user, topgames, streams, search, clips, watch];

export default {
	data,
	async execute(interaction) {
		const definitions = [...DESCRIBED_COMMANDS.map(commandJson), data];
		// Only for the asker: help is not something the whole channel needs to read.
		await interaction.reply({ ...renderHelp(definitions), flags: MessageFlags.Ephemeral });
	},
} satisfies Command;
