/**
 * The option values a handler reads, typed from the command's definition (written `as const`), as Yuudachi does:
 * `{ type: String, name: 'channel', required: true }` gives `{ channel: string }`, and a command with subcommands
 * gives the chosen one's name with its own options, so that a `switch` on the name types each case.
 */

import type { Attachment, ChatInputCommandInteraction, CommandInteractionOption, User } from 'discord.js';
import { ApplicationCommandOptionType } from 'discord-api-types/v10';

/** What reading an option needs of its definition. */
interface ReadableOption {
	readonly type: ApplicationCommandOptionType;
	readonly name: string;
	readonly required?: boolean | undefined;
}

type Resolved<Key extends keyof CommandInteractionOption> = NonNullable<CommandInteractionOption[Key]>;

type BaseValue<O extends ReadableOption> = O extends { readonly choices: readonly (infer Choice)[] }
	? Choice extends { readonly value: infer V }
		? V
		: never
	: O['type'] extends ApplicationCommandOptionType.String
		? string
		: O['type'] extends ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.Number
			? number
			: O['type'] extends ApplicationCommandOptionType.Boolean
				? boolean
				: O['type'] extends ApplicationCommandOptionType.User
					? User
					: O['type'] extends ApplicationCommandOptionType.Channel
						? Resolved<'channel'>
						: O['type'] extends ApplicationCommandOptionType.Role
							? Resolved<'role'>
							: O['type'] extends ApplicationCommandOptionType.Mentionable
								? Resolved<'member'> | User | Resolved<'role'>
								: O['type'] extends ApplicationCommandOptionType.Attachment
									? Attachment
									: never;

/** The values of a list of options: required ones always present, optional ones `undefined` when not given. */
export type OptionValues<Options extends readonly ReadableOption[] | undefined> =
	Options extends readonly ReadableOption[]
		? { [O in Options[number] as O['name']]: O['required'] extends true ? BaseValue<O> : BaseValue<O> | undefined }
		: Record<string, never>;

/** A definition whose top-level options may be subcommands (without groups: this bot has none). */
interface DefinitionWithSubcommands {
	readonly name: string;
	readonly options?: readonly (ReadableOption & { readonly options?: readonly ReadableOption[] | undefined })[];
}

type SubcommandOf<Definition extends DefinitionWithSubcommands> = Extract<
	NonNullable<Definition['options']>[number],
	{ readonly type: ApplicationCommandOptionType.Subcommand }
>;

/** The subcommand a person chose, by name, with that subcommand's option values: a union over the subcommands. */
export type ChosenSubcommand<Definition extends DefinitionWithSubcommands> =
	SubcommandOf<Definition> extends infer Subcommand
		? Subcommand extends { readonly name: infer Name; readonly options?: infer Options }
			? { name: Name; options: OptionValues<Options extends readonly ReadableOption[] ? Options : undefined> }
			: never
		: never;

/**
 * Reads the options a definition declares from an interaction, typed from that definition: with
 * `options: [{ type: String, name: 'channel', required: true }]` written `as const`, the result is
 * `{ channel: string }`.
 */
export function readOptions<const Options extends readonly ReadableOption[]>(
	interaction: Pick<ChatInputCommandInteraction, 'options'>,
	options: Options,
): OptionValues<Options> {
	const values: Record<string, unknown> = {};
	for (const definition of options) {
		const option = interaction.options.get(definition.name, definition.required === true);
		values[definition.name] = option ? resolvedValue(definition.type, option) : undefined;
	}
	return values as OptionValues<Options>;
}

/**
 * The subcommand the person chose and its option values, typed from the definition: `switch (chosen.name)` gives
 * each case its own options. A subcommand the definition lacks (commands not redeployed?) throws.
 */
export function readSubcommand<const Definition extends DefinitionWithSubcommands>(
	interaction: Pick<ChatInputCommandInteraction, 'options'>,
	definition: Definition,
): ChosenSubcommand<Definition> {
	const chosen = interaction.options.getSubcommand(true);
	const subcommand = (definition.options ?? []).find(
		(option) => option.type === ApplicationCommandOptionType.Subcommand && option.name === chosen,
	);
	if (!subcommand) throw new Error(`/${definition.name} has no subcommand "${chosen}" (commands not redeployed?)`);
	// discord.js exposes the chosen subcommand's options at the top level, as for a command without subcommands.
	return { name: chosen, options: readOptions(interaction, subcommand.options ?? []) } as ChosenSubcommand<Definition>;
}

function resolvedValue(type: ApplicationCommandOptionType, option: CommandInteractionOption): unknown {
	switch (type) {
		case ApplicationCommandOptionType.User:
			return option.user;
		case ApplicationCommandOptionType.Channel:
			return option.channel;
		case ApplicationCommandOptionType.Role:
			return option.role;
		case ApplicationCommandOptionType.Mentionable:
			return option.member ?? option.user ?? option.role;
		case ApplicationCommandOptionType.Attachment:
			return option.attachment;
		default:
			return option.value;
	}
}
