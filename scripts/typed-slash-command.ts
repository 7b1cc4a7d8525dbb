/**
 * A slash command as a person types it in Discord — `/watch add channel:pixelpaws post-in:#alerts`,
 * `message:"{streamer} is live!"` — checked against the bot's command definitions and turned into what the fake
 * Discord's `runCommand` sends: subcommands by name, option values of the option's type (integers as numbers,
 * channels and roles as ids). Pure: the server's channels, roles and members come in as a directory.
 * Used by `npm run try`.
 */
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import type { CommandDefinition, OptionDefinition } from '../src/discord/command.ts';
import type { RunCommandOptions } from '../test/fakes/discord/index.ts';

/** What a typed command may name in the server: `#channel`, `@role`, `@member`. */
export interface ServerDirectory {
	channels: ReadonlyArray<{ id: string; name: string; type: number }>;
	roles: ReadonlyArray<{ id: string; name: string }>;
	members: ReadonlyArray<{ id: string; name: string }>;
}

export type TypedCommand = Pick<RunCommandOptions, 'name' | 'subcommand' | 'options'>;

/** An option's value as an interaction carries it. */
type CommandOptionValue = NonNullable<RunCommandOptions['options']>[string];

/** A typed command Discord's client would not send; the message says what exists instead. */
export class TypedCommandError extends Error {
	override readonly name = 'TypedCommandError';
}

/**
 * Splits a line into words: spaces separate them, double quotes group (`message:"a b"` is one word, the quotes
 * dropped), a backslash keeps the next character as it is.
 */
export function splitWords(line: string): string[] {
	const words: string[] = [];
	let word = '';
	let inWord = false;
	let quoted = false;
	for (let index = 0; index < line.length; index++) {
		const char = line[index] as string;
		if (char === '\\' && index + 1 < line.length) {
			word += line[++index];
			inWord = true;
		} else if (char === '"') {
			quoted = !quoted;
			inWord = true;
		} else if (!quoted && /\s/.test(char)) {
			if (inWord) words.push(word);
			word = '';
			inWord = false;
		} else {
			word += char;
			inWord = true;
		}
	}
	if (quoted) throw new TypedCommandError('A quote is not closed: put a " at the end of the quoted value.');
	if (inWord) words.push(word);
	return words;
}

const SUBCOMMAND_TYPES = new Set<number>([
	ApplicationCommandOptionType.Subcommand,
	ApplicationCommandOptionType.SubcommandGroup,
]);

/** Option types as Discord's client names them in its hints. */
const TYPE_NAMES: Record<number, string> = {
	[ApplicationCommandOptionType.String]: 'text',
	[ApplicationCommandOptionType.Integer]: 'whole number',
	[ApplicationCommandOptionType.Number]: 'number',
	[ApplicationCommandOptionType.Boolean]: 'true/false',
	[ApplicationCommandOptionType.User]: '@member',
	[ApplicationCommandOptionType.Channel]: '#channel',
	[ApplicationCommandOptionType.Role]: '@role',
	[ApplicationCommandOptionType.Mentionable]: '@role or @member',
	[ApplicationCommandOptionType.Attachment]: 'file',
};

/** `channel (text, required), post-in (#channel)`: the options of one level, for messages. */
export function describeOptions(options: readonly OptionDefinition[]): string {
	if (options.length === 0) return 'none';
	return options
		.map((option) => {
			const type = TYPE_NAMES[option.type] ?? 'value';
			return `${option.name} (${type}${'required' in option && option.required ? ', required' : ''})`;
		})
		.join(', ');
}

/**
 * Reads `/name [group] [subcommand] option:value …` against `definitions`. Throws TypedCommandError, in one line,
 * for an unknown command, subcommand or option, a missing required option, or a value of the wrong type.
 */
export function parseTypedCommand(
	line: string,
	definitions: readonly CommandDefinition[],
	server: ServerDirectory,
): TypedCommand {
	const words = splitWords(line.trim());
	const first = words.shift() ?? '';
	const name = first.replace(/^\//, '').toLowerCase();
	const known = definitions.map((definition) => `/${definition.name}`).join(' ');
	const definition = definitions.find((candidate) => candidate.name === name);
	if (!definition) throw new TypedCommandError(`Unknown command ${first || '/'}. Commands: ${known}`);

	// Subcommand group and subcommand come first, as plain words.
	let options: readonly OptionDefinition[] = definition.options ?? [];
	let path = `/${name}`;
	const subcommands: string[] = [];
	while (options.some((option) => SUBCOMMAND_TYPES.has(option.type))) {
		const choices = options.map((option) => option.name).join(', ');
		const word = words[0];
		if (word === undefined || word.includes(':')) {
			throw new TypedCommandError(`${path} needs a subcommand: ${choices}`);
		}
		const found = options.find((option) => option.name === word.toLowerCase());
		if (!found || !SUBCOMMAND_TYPES.has(found.type)) {
			throw new TypedCommandError(`${path} has no subcommand "${word}". Subcommands: ${choices}`);
		}
		words.shift();
		subcommands.push(found.name);
		path += ` ${found.name}`;
		options = ('options' in found ? found.options : undefined) ?? [];
	}

	// Then `option:value` words; a word without `option:` continues the value before it (`message:PixelPaws is live`).
	const texts = new Map<string, string>();
	let last: string | undefined;
	for (const word of words) {
		const match = /^([\p{L}\p{N}_-]+):(.*)$/su.exec(word);
		const optionName = match?.[1]?.toLowerCase();
		if (match && optionName !== undefined && options.some((option) => option.name === optionName)) {
			if (texts.has(optionName)) throw new TypedCommandError(`${path}: option ${optionName} is given twice.`);
			texts.set(optionName, match[2] ?? '');
			last = optionName;
		} else if (match) {
			// After an option, `word:` may have been meant as part of its value.
			const hint = last === undefined ? '' : ' Quote a value that holds a colon.';
			throw new TypedCommandError(`${path} has no option "${match[1]}". Options: ${describeOptions(options)}.${hint}`);
		} else if (last !== undefined) {
			texts.set(last, `${texts.get(last)} ${word}`);
		} else {
			throw new TypedCommandError(
				`${path}: "${word}" is not an option. Type option:value; options: ${describeOptions(options)}`,
			);
		}
	}

	const values: Record<string, CommandOptionValue> = {};
	for (const option of options) {
		const text = texts.get(option.name);
		if (text === undefined) {
			if ('required' in option && option.required) {
				throw new TypedCommandError(`${path} needs ${option.name}:… (options: ${describeOptions(options)})`);
			}
			continue;
		}
		values[option.name] = readValue(path, option, text, server);
	}
	return {
		name: definition.name,
		...(subcommands.length > 0 ? { subcommand: subcommands.join(' ') } : {}),
		options: values,
	};
}

/** One option's typed text as the value Discord would send, or a TypedCommandError saying what fits. */
function readValue(path: string, option: OptionDefinition, text: string, server: ServerDirectory): CommandOptionValue {
	const fail = (message: string): never => {
		throw new TypedCommandError(`${path} ${option.name}: ${message}`);
	};
	const bare = text.trim();
	if (bare === '') fail('no value given');
	switch (option.type) {
		case ApplicationCommandOptionType.String: {
			const choices = option.choices ?? [];
			if (choices.length > 0) {
				const choice = choices.find(
					(candidate) =>
						candidate.value.toLowerCase() === bare.toLowerCase() || candidate.name.toLowerCase() === bare.toLowerCase(),
				);
				if (!choice) fail(`must be one of ${choices.map((candidate) => candidate.value).join(', ')}`);
				return (choice as { value: string }).value;
			}
			if (option.min_length !== undefined && bare.length < option.min_length) {
				fail(`at least ${option.min_length} characters`);
			}
			if (option.max_length !== undefined && bare.length > option.max_length) {
				fail(`at most ${option.max_length} characters`);
			}
			return bare;
		}
		case ApplicationCommandOptionType.Integer:
		case ApplicationCommandOptionType.Number: {
			const integer = option.type === ApplicationCommandOptionType.Integer;
			const number = Number(bare);
			if (!Number.isFinite(number) || (integer && !/^-?\d+$/.test(bare))) {
				fail(`must be ${integer ? 'a whole number' : 'a number'}`);
			}
			if (option.min_value !== undefined && number < option.min_value) fail(`at least ${option.min_value}`);
			if (option.max_value !== undefined && number > option.max_value) fail(`at most ${option.max_value}`);
			return number;
		}
		case ApplicationCommandOptionType.Boolean: {
			const answer = { true: true, yes: true, false: false, no: false }[bare.toLowerCase()];
			if (answer === undefined) fail('must be true or false');
			return answer as boolean;
		}
		case ApplicationCommandOptionType.Channel: {
			const wanted = /^<#(\d+)>$/.exec(bare)?.[1] ?? bare.replace(/^#/, '');
			const channel = server.channels.find(
				(candidate) => candidate.id === wanted || candidate.name.toLowerCase() === wanted.toLowerCase(),
			);
			const names = server.channels.map((candidate) => `#${candidate.name}`).join(' ');
			if (!channel) return fail(`no channel ${bare} in this server. Channels: ${names}`);
			const types = option.channel_types;
			if (types && !types.includes(channel.type)) fail(`#${channel.name} is not a channel this option accepts`);
			return channel.id;
		}
		case ApplicationCommandOptionType.Role:
		case ApplicationCommandOptionType.User:
		case ApplicationCommandOptionType.Mentionable: {
			const wanted = /^<@[&!]?(\d+)>$/.exec(bare)?.[1] ?? bare.replace(/^@/, '');
			const same = (candidate: { id: string; name: string }) =>
				candidate.id === wanted || candidate.name.toLowerCase() === wanted.toLowerCase();
			const roles = option.type === ApplicationCommandOptionType.User ? [] : server.roles;
			const members = option.type === ApplicationCommandOptionType.Role ? [] : server.members;
			const found = roles.find(same) ?? members.find(same);
			if (!found) {
				const names = [...roles, ...members].map((candidate) => `@${candidate.name}`).join(', ');
				fail(`no ${TYPE_NAMES[option.type]} ${bare} in this server. Try: ${names}`);
			}
			return (found as { id: string }).id;
		}
		default:
			return fail(`${TYPE_NAMES[option.type] ?? 'this kind of'} options cannot be typed here`);
	}
}
