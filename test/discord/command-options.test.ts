import {
	ApplicationCommandOptionType,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { readOptions, readSubcommand } from '../../src/discord/command-options.ts';
import { fakeChatInput } from './fake-interactions.ts';

const definition = {
	name: 'things',
	description: 'Things',
	options: [
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'find',
			description: 'Find a thing',
			options: [
				{ type: ApplicationCommandOptionType.String, name: 'name', description: 'Its name', required: true },
				{ type: ApplicationCommandOptionType.Integer, name: 'count', description: 'How many' },
			],
		},
		{ type: ApplicationCommandOptionType.Subcommand, name: 'list', description: 'List them' },
	],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

describe('reading options from the definition', () => {
	it('reads required and optional values, undefined when not given', () => {
		const { interaction } = fakeChatInput({ commandName: 'things', options: { name: 'lamp' } });
		expect(readOptions(interaction, definition.options[0].options)).toEqual({ name: 'lamp', count: undefined });
	});

	it('gives the chosen subcommand with its own options', () => {
		const { interaction } = fakeChatInput({
			commandName: 'things',
			subcommand: 'find',
			options: { name: 'lamp', count: 3 },
		});
		const chosen = readSubcommand(interaction, definition);
		expect(chosen).toEqual({ name: 'find', options: { name: 'lamp', count: 3 } });
		// The name narrows the options: `name` is a string in this branch, by the definition alone.
		if (chosen.name === 'find') expect(chosen.options.name.toUpperCase()).toBe('LAMP');
	});

	it('gives a subcommand without options an empty set of values', () => {
		const { interaction } = fakeChatInput({ commandName: 'things', subcommand: 'list' });
		expect(readSubcommand(interaction, definition)).toEqual({ name: 'list', options: {} });
	});

	it('refuses a subcommand the definition does not have (commands not redeployed)', () => {
		const { interaction } = fakeChatInput({ commandName: 'things', subcommand: 'burn' });
		expect(() => readSubcommand(interaction, definition)).toThrow(/\/things has no subcommand "burn"/);
	});
});
