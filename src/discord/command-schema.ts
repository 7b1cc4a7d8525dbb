/**
 * Discord's rules for a command definition, as a zod schema: a command file that breaks one fails start-up (and
 * deploy-commands) naming the file and the rule, instead of Discord refusing the whole deploy with a 400.
 */
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { z } from 'zod';
import type { Command, CommandBuilderLike, CommandDefinition } from './command.ts';

/** What the rules below read of an option (the checked JSON keeps every other field as it is). */
interface CheckedOption {
	readonly type: ApplicationCommandOptionType;
	readonly name: string;
	readonly description: string;
	readonly required?: boolean | undefined;
	readonly autocomplete?: boolean | undefined;
	readonly choices?: readonly { readonly name: string; readonly value: string | number }[] | undefined;
	readonly options?: readonly CheckedOption[] | undefined;
}

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

const optionSchema: z.ZodType<CheckedOption> = z.lazy(() =>
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
) as z.ZodType<CheckedOption>;

/** Discord's rules for a list of options at one level. */
function checkOptionList(
	options: readonly CheckedOption[],
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

function usesAutocomplete(options: readonly CheckedOption[]): boolean {
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
