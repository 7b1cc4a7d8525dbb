import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { z } from 'zod';
import type { Command } from './command.ts';
import { commandSchema } from './command-schema.ts';

/** The commands/ folder at the top of the repository. */
export const COMMANDS_DIRECTORY = fileURLToPath(new URL('../../commands/', import.meta.url));

/** A command file that cannot be used; the message names the file and every problem, and start-up stops. */
export class CommandLoadError extends Error {
	override readonly name = 'CommandLoadError';
}

// Test files and helpers (leading underscore) may sit beside the commands without being loaded as one.
function isCommandFile(name: string): boolean {
	return /\.(?:ts|js|mjs)$/.test(name) && !/\.(?:d|test|spec)\.[a-z]+$/.test(name) && !/^[._]/.test(name);
}

/**
 * Imports every command file of `directory` (one command per file: its default export, or a named export
 * `command`), checks each against the Command shape and Discord's naming rules, and returns them by name.
 * Throws CommandLoadError naming the file when one is malformed, two share a name, or none is found: a bad command
 * must stop start-up (and deploy-commands, whose bulk overwrite would otherwise delete the missing ones).
 */
export async function loadCommands(directory: string = COMMANDS_DIRECTORY): Promise<Map<string, Command>> {
	const files = (await readdir(directory)).filter(isCommandFile).sort();
	const commands = new Map<string, Command>();
	const sources = new Map<string, string>();
	for (const file of files) {
		const path = join(directory, file);
		const shown = relative(process.cwd(), path) || path;
		const command = await importCommand(path, shown);
		const name = command.data.name;
		const earlier = sources.get(name);
		if (earlier) throw new CommandLoadError(`${shown} and ${earlier} both define the command /${name}.`);
		sources.set(name, shown);
		commands.set(name, command);
	}
	if (commands.size === 0) throw new CommandLoadError(`No command files found in ${directory}.`);
	return commands;
}

async function importCommand(path: string, shown: string): Promise<Command> {
	let module: Record<string, unknown>;
	try {
		module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
	} catch (error) {
		throw new CommandLoadError(`${shown} could not be loaded: ${(error as Error).message}`, { cause: error });
	}
	const exported = module.default ?? module.command;
	if (exported === undefined) {
		throw new CommandLoadError(
			`${shown} exports no command: add \`export default { data, execute } satisfies Command\`.`,
		);
	}
	const checked = commandSchema.safeParse(exported);
	if (!checked.success) {
		throw new CommandLoadError(`${shown} does not export a valid command:\n${describeIssues(checked.error)}`);
	}
	// The original object is kept (a builder stays a builder); the check only proves its shape.
	return exported as Command;
}

function describeIssues(error: z.ZodError): string {
	return error.issues
		.map((issue) => `  - ${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
		.join('\n');
}
