import { type APIEmbed, ApplicationCommandOptionType } from 'discord.js';
import type { CommandDefinition, OptionDefinition } from '../discord/command.ts';
import { DISCORD_LIMITS, joinLinesWithin } from './discord-limits.ts';
import { EMBED_COLORS, embedReply, type ReplyPayload } from './reply.ts';

/**
 * `/help`: every command with how to type it (`<required>` and `[optional]` options) and what it does, written from
 * the command definitions themselves so that it cannot drift from what Discord offers.
 */
export function renderHelp(commands: readonly CommandDefinition[]): ReplyPayload {
	const lines = commands.flatMap((command) => usageLines(command));
	const embed: APIEmbed = {
		color: EMBED_COLORS.twitch,
		title: 'What this bot can do',
		description: joinLinesWithin(
			['Look up Twitch from Discord. Channel options suggest names as you type.', '', ...lines],
			DISCORD_LIMITS.embedDescription,
		),
		footer: { text: '<required> option · [optional] option' },
	};
	return embedReply([embed]);
}

function usageLines(command: CommandDefinition): string[] {
	const options = command.options ?? [];
	const subcommands = options.filter((option) => option.type === ApplicationCommandOptionType.Subcommand);
	if (subcommands.length === 0) return [line(`/${command.name}`, options, command.description)];
	return subcommands.map((sub) => line(`/${command.name} ${sub.name}`, sub.options ?? [], sub.description));
}

function line(path: string, options: readonly OptionDefinition[], description: string): string {
	const usage = [
		path,
		...options.map((option) => (option.required ? `${option.name}:<${option.name}>` : `[${option.name}]`)),
	];
	return `\`${usage.join(' ')}\` — ${description}`;
}
