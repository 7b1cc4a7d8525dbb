/**
 * What a slash command is: one file in commands/ default-exports a Command. Its definition is Discord's API JSON as
 * discord-api-types describes it; command-schema.ts checks it against Discord's rules at start-up, and
 * command-options.ts reads the options a handler gets, typed from that definition.
 */

import type { AutocompleteInteraction, ChatInputCommandInteraction } from 'discord.js';
import type {
	APIApplicationCommandOption,
	RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type { AppContext } from '../context.ts';

/** A chat-input command as Discord's API JSON (what deploy-commands sends and /help describes). */
export type CommandDefinition = RESTPostAPIChatInputApplicationCommandsJSONBody;

/** One option of a command at any level: a subcommand, a group, or an option a person fills in. */
export type OptionDefinition = APIApplicationCommandOption;

/** `T` read-only all the way down: the type of a literal written `as const`. */
export type DeepReadonly<T> = T extends readonly (infer Item)[]
	? readonly DeepReadonly<Item>[]
	: T extends object
		? { readonly [Key in keyof T]: DeepReadonly<T[Key]> }
		: T;

/** A discord.js `SlashCommandBuilder` (or anything else that serialises to a command) is accepted as `data` too. */
export interface CommandBuilderLike {
	readonly name: string;
	toJSON(): unknown;
}

/**
 * A command's `data`: its definition written `as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody`
 * (read-only, so that the option names and types stay literal and the handler's option values are typed from
 * them), or a builder.
 */
export type CommandData = DeepReadonly<CommandDefinition> | CommandBuilderLike;

/**
 * A slash command: one file in commands/ default-exports one of these (`export default { … } satisfies Command`).
 * Handlers get the AppContext; errors they throw are answered by the interaction boundary (a UserError's message is
 * shown to the user, anything else becomes an incident id).
 */
export interface Command {
	readonly data: CommandData;
	execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void>;
	/** Required when any option has `autocomplete: true`; must answer with `interaction.respond`. */
	autocomplete?(interaction: AutocompleteInteraction, ctx: AppContext): Promise<void>;
}
