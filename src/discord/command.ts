import {
	ApplicationCommandOptionType,
	type ApplicationIntegrationType,
	type Attachment,
	type AutocompleteInteraction,
	type ChannelType,
	type ChatInputCommandInteraction,
	type CommandInteractionOption,
	type InteractionContextType,
	type User,
} from 'discord.js';
import { z } from 'zod';
import type { AppContext } from '../context.ts';

/**
 * One option of a slash command as Discord's API JSON, read-only so that a definition written `as const` keeps its
 * literal names and types: the handler's option values are then typed from the definition (see `readOptions`).
 */
export interface OptionDefinition {
	readonly type: ApplicationCommandOptionType;
	readonly name: string;
	readonly description: string;
	readonly required?: boolean;
	readonly autocomplete?: boolean;
	readonly choices?: readonly { readonly name: string; readonly value: string | number }[];
	readonly min_value?: number;
	readonly max_value?: number;
	readonly min_length?: number;
	readonly max_length?: number;
	readonly channel_types?: readonly ChannelType[];
	/** Options of a subcommand, or subcommands of a subcommand group. */
	readonly options?: readonly OptionDefinition[];
}

/** A chat-input command as Discord's API JSON (what deploy-commands sends). */
export interface CommandDefinition {
	readonly name: string;
	readonly description: string;
	readonly options?: readonly OptionDefinition[];
	/** A permission bitfield as a decimal string; Discord hides the command from members without it. */
	readonly default_member_permissions?: string | null;
	/** Where the command can be used: 0 guild, 1 bot DM, 2 private channel. Enforced by Discord. */
	readonly contexts?: readonly InteractionContextType[];
	readonly integration_types?: readonly ApplicationIntegrationType[];
	readonly nsfw?: boolean;
}

/** A discord.js `SlashCommandBuilder` (or anything else that serialises to a command) is accepted as `data` too. */
export interface CommandBuilderLike {
	readonly name: string;
	toJSON(): unknown;
}

/**
 * A slash command: one file in commands/ default-exports one of these (`export default { … } satisfies Command`).
 * Handlers get the AppContext; errors they throw are answered by the interaction boundary (a UserError's message is
 * shown to the user, anything else becomes an incident id).
 */
export interface Command {
	readonly data: CommandDefinition | CommandBuilderLike;
	execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void>;
	/** Required when any option has `autocomplete: true`; must answer with `interaction.respond`. */
	autocomplete?(interaction: AutocompleteInteraction, ctx: AppContext): Promise<void>;
}

// ── Checking a command's shape (Discord's rules, so that a mistake fails at start-up, not as a 400 at deploy) ──

// Discord's pattern for command and option names; letters must be lowercase where a lowercase form exists.
const NAME_PATTERN = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const SUBCOMMAND_TYPES = new Set<number>([
	ApplicationCommandOptionType.Subcommand,
	ApplicationCommandOptionType.SubcommandGroup,
]);

const commandName = z
	.string()
	.regex(NAME_PATTERN, 'must be 1–32 letters, digits, - or _ (Discord command name rules)')
	.refine((name) => name === name.toLowerCase(), 'must be lowercase');
const description = z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

const choiceSchema = z.object({ name: z.string().min(1).max(100), value: z.union([z.string().max(100), z.number()]) });

const optionSchema: z.ZodType<OptionDefinition> = z.lazy(() =>
	z
		.looseObject({
			type: z.enum(ApplicationCommandOptionType),
			name: commandName,
			description,
			required: z.boolean().optional(),
			autocomplete: z.boolean().optional(),
			choices: z.array(choiceSchema).max(25, 'at most 25 choices').optional(),
			min_value: z.number().optional(),
			max_value: z.number().optional(),
			min_length: z.number().int().min(0).max(6000).optional(),
			max_length: z.number().int().min(1).max(6000).optional(),
			channel_types: z.array(z.number().int()).optional(),
			options: z.array(optionSchema).optional(),
		})
		.superRefine((option, context) => {
			if (option.autocomplete && option.choices) {
				context.addIssue({ code: 'custom', message: 'cannot have both choices and autocomplete (Discord rule)' });
			}
			if (option.type === ApplicationCommandOptionType.SubcommandGroup) {
				checkOptionList(option.options ?? [], context, 'subcommand-group');
			} else if (option.type === ApplicationCommandOptionType.Subcommand) {
				checkOptionList(option.options ?? [], context, 'subcommand');
			} else if (option.options) {
				context.addIssue({ code: 'custom', message: 'only subcommands and groups have options' });
			}
		}),
) as z.ZodType<OptionDefinition>;

/** Discord's rules for a list of options at one level. */
function checkOptionList(
	options: readonly OptionDefinition[],
	context: z.RefinementCtx,
	level: 'command' | 'subcommand-group' | 'subcommand',
): void {
	const issue = (message: string) => context.addIssue({ code: 'custom', message, path: ['options'] });
	if (options.length > 25) issue('at most 25 options');
	const names = options.map((option) => option.name);
	const duplicate = names.find((name, index) => names.indexOf(name) !== index);
	if (duplicate) issue(`option name "${duplicate}" is used twice`);
	const nested = options.filter((option) => SUBCOMMAND_TYPES.has(option.type));
	if (level === 'subcommand' && nested.length > 0) issue('a subcommand cannot contain subcommands');
	if (level === 'subcommand-group' && nested.length !== options.length) issue('a group may only contain subcommands');
	if (level === 'subcommand-group' && nested.some((o) => o.type === ApplicationCommandOptionType.SubcommandGroup)) {
		issue('groups cannot be nested');
	}
	if (level === 'command' && nested.length > 0 && nested.length !== options.length) {
		issue('subcommands cannot be mixed with other options at the top level');
	}
	const firstOptional = options.findIndex((option) => !option.required);
	if (firstOptional !== -1 && options.slice(firstOptional).some((option) => option.required)) {
		issue('required options must come before optional ones (Discord rule)');
	}
}

/** The JSON of a command definition, checked against Discord's rules. Unknown fields (localisations…) are kept. */
export const commandDefinitionSchema = z
	.looseObject({
		name: commandName,
		description,
		type: z.literal(1).optional(),
		options: z.array(optionSchema).optional(),
		default_member_permissions: z.string().regex(/^\d+$/).nullable().optional(),
		contexts: z.array(z.number().int()).optional(),
		integration_types: z.array(z.number().int()).optional(),
		nsfw: z.boolean().optional(),
	})
	.superRefine((definition, context) => checkOptionList(definition.options ?? [], context, 'command'));

const handler = z.custom<(...args: never[]) => Promise<void>>(
	(value) => typeof value === 'function',
	'must be a function',
);

/** The shape of a command module's export: `data` (JSON or builder), `execute`, and `autocomplete` when needed. */
export const commandSchema = z
	.object({
		data: z.preprocess((data) => (isBuilderLike(data) ? data.toJSON() : data), commandDefinitionSchema),
		execute: handler,
		autocomplete: handler.optional(),
	})
	.superRefine((command, context) => {
		if (usesAutocomplete(command.data.options ?? []) && !command.autocomplete) {
			context.addIssue({
				code: 'custom',
				path: ['autocomplete'],
				message: 'an option has autocomplete: true, so the command must export an autocomplete handler',
			});
		}
	});

function usesAutocomplete(options: readonly OptionDefinition[]): boolean {
	return options.some((option) => option.autocomplete === true || usesAutocomplete(option.options ?? []));
}

function isBuilderLike(value: unknown): value is CommandBuilderLike {
	return typeof value === 'object' && value !== null && typeof (value as CommandBuilderLike).toJSON === 'function';
}

/** The API JSON of a command (a builder is serialised), as deploy-commands sends it and /help describes it. */
export function commandJson(command: Pick<Command, 'data'>): CommandDefinition {
	return commandDefinitionSchema.parse(
		isBuilderLike(command.data) ? command.data.toJSON() : command.data,
	) as CommandDefinition;
}

// ── Option values typed from the definition ──

type Resolved<Key extends keyof CommandInteractionOption> = NonNullable<CommandInteractionOption[Key]>;

type BaseValue<O extends OptionDefinition> = O extends { readonly choices: readonly (infer Choice)[] }
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
export type OptionValues<Options extends readonly OptionDefinition[] | undefined> =
	Options extends readonly OptionDefinition[]
		? { [O in Options[number] as O['name']]: O['required'] extends true ? BaseValue<O> : BaseValue<O> | undefined }
		: Record<string, never>;

/** The names of a command's subcommands (top level, without groups). */
export type SubcommandName<Definition extends CommandDefinition> = Definition['options'] extends readonly (infer O)[]
	? O extends { readonly type: ApplicationCommandOptionType.Subcommand; readonly name: infer N }
		? N
		: never
	: never;

/**
 * Reads the options a definition declares from an interaction, typed from that definition: with
 * `options: [{ type: String, name: 'channel', required: true }]` written `as const`, the result is
 * `{ channel: string }`. For a subcommand, pass that subcommand's `options` (discord.js exposes the chosen
 * subcommand's options at the top level).
 */
export function readOptions<const Options extends readonly OptionDefinition[]>(
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

/** The subcommand the user chose, checked against the definition's subcommands. */
export function readSubcommand<const Definition extends CommandDefinition>(
	interaction: Pick<ChatInputCommandInteraction, 'options'>,
	definition: Definition,
): SubcommandName<Definition> {
	const chosen = interaction.options.getSubcommand(true);
	const known = (definition.options ?? []).some(
		(option) => option.type === ApplicationCommandOptionType.Subcommand && option.name === chosen,
	);
	if (!known) throw new Error(`/${definition.name} has no subcommand "${chosen}" (commands not redeployed?)`);
	return chosen as SubcommandName<Definition>;
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
