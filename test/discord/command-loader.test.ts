import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlashCommandBuilder } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandLoadError, loadCommands } from '../../src/discord/command-loader.ts';
import { commandJson, commandSchema } from '../../src/discord/command-schema.ts';

let directory: string;
beforeEach(async () => {
	directory = await mkdtemp(join(tmpdir(), 'commands-'));
});
afterEach(async () => {
	await rm(directory, { recursive: true, force: true });
});

/** Writes a command module; option types are Discord's numbers so that the file needs no imports. */
async function writeCommand(file: string, source: string): Promise<void> {
	await writeFile(join(directory, file), source);
}

const execute = 'async execute() {}';

describe('the command loader', () => {
	it('loads every command of the project, keyed by name', async () => {
		const commands = await loadCommands();
		expect([...commands.keys()].sort()).toEqual([
			'clips',
			'help',
			'live',
			'search',
			'streams',
			'topgames',
			'user',
			'watch',
		]);
		for (const command of commands.values()) expect(commandSchema.safeParse(command).success).toBe(true);
	});

	it('rejects a malformed command export, naming the file and the problems', async () => {
		await writeCommand('good.ts', `export default { data: { name: 'good', description: 'Fine' }, ${execute} };`);
		await writeCommand('broken.ts', `export default { data: { name: 'Bad Name', description: '' }, execute: 42 };`);
		const error = await loadCommands(directory).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(CommandLoadError);
		const message = (error as Error).message;
		expect(message).toContain('broken.ts');
		expect(message).toMatch(/data\.name: .*Discord command name rules/);
		expect(message).toMatch(/data\.description: must not be empty/);
		expect(message).toMatch(/execute: must be a function/);
		expect(message).not.toContain('good.ts');
	});

	it('rejects a file that exports no command', async () => {
		await writeCommand('empty.ts', 'export const unrelated = 1;');
		await expect(loadCommands(directory)).rejects.toThrow(/empty\.ts exports no command/);
	});

	it('rejects a file that fails to import, naming it', async () => {
		await writeCommand('throws.ts', `throw new Error('kaboom at import');`);
		await expect(loadCommands(directory)).rejects.toThrow(/throws\.ts could not be loaded: kaboom at import/);
	});

	it('rejects two files that define the same command name', async () => {
		await writeCommand('a.ts', `export default { data: { name: 'same', description: 'A' }, ${execute} };`);
		await writeCommand('b.ts', `export default { data: { name: 'same', description: 'B' }, ${execute} };`);
		await expect(loadCommands(directory)).rejects.toThrow(/b\.ts and .*a\.ts both define the command \/same/);
	});

	it('rejects an autocomplete option on a command without an autocomplete handler', async () => {
		await writeCommand(
			'lookup.ts',
			`export default { data: { name: 'lookup', description: 'L', options: [
				{ type: 3, name: 'channel', description: 'C', required: true, autocomplete: true },
			] }, ${execute} };`,
		);
		await expect(loadCommands(directory)).rejects.toThrow(/autocomplete: .*must export an autocomplete handler/);
	});

	it('rejects a required option placed after an optional one (Discord refuses it)', async () => {
		await writeCommand(
			'order.ts',
			`export default { data: { name: 'order', description: 'O', options: [
				{ type: 4, name: 'count', description: 'N' },
				{ type: 3, name: 'channel', description: 'C', required: true },
			] }, ${execute} };`,
		);
		await expect(loadCommands(directory)).rejects.toThrow(/required options must come before optional ones/);
	});

	it('loads a subcommand-based command and accepts a named `command` export', async () => {
		await writeCommand(
			'watch.ts',
			`export const command = { data: { name: 'watch', description: 'Watch channels', default_member_permissions: '32',
				contexts: [0], options: [
				{ type: 1, name: 'add', description: 'Add', options: [
					{ type: 3, name: 'channel', description: 'C', required: true, autocomplete: true },
					{ type: 7, name: 'post-in', description: 'Where', channel_types: [0, 5] },
					{ type: 8, name: 'role', description: 'Who' },
				] },
				{ type: 1, name: 'list', description: 'List' },
				{ type: 2, name: 'settings', description: 'Settings', options: [
					{ type: 1, name: 'show', description: 'Show' },
				] },
			] }, ${execute}, async autocomplete() {} };`,
		);
		const commands = await loadCommands(directory);
		expect(commandJson(commands.get('watch')!).options?.map((option) => option.name)).toEqual([
			'add',
			'list',
			'settings',
		]);
	});

	it('rejects subcommands mixed with plain options at the top level', async () => {
		await writeCommand(
			'mixed.ts',
			`export default { data: { name: 'mixed', description: 'M', options: [
				{ type: 1, name: 'add', description: 'Add' },
				{ type: 3, name: 'text', description: 'T' },
			] }, ${execute} };`,
		);
		await expect(loadCommands(directory)).rejects.toThrow(/subcommands cannot be mixed/);
	});

	it('fails when the folder holds no command at all (a deploy would delete every command)', async () => {
		await writeCommand('notes.md', '# not a command');
		await expect(loadCommands(directory)).rejects.toThrow(/No command files found/);
	});

	it('accepts a discord.js SlashCommandBuilder as data', () => {
		const data = new SlashCommandBuilder()
			.setName('built')
			.setDescription('Made with the builder')
			.addStringOption((option) => option.setName('text').setDescription('Some text').setRequired(true));
		expect(commandSchema.safeParse({ data, execute: async () => {} }).success).toBe(true);
		expect(commandJson({ data }).options?.[0]).toMatchObject({ name: 'text', required: true });
	});
});
