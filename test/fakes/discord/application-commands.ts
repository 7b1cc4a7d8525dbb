/**
 * Application commands registered by the bot (PUT bulk overwrite, POST, GET, DELETE), global and per guild.
 * Discord keeps a command's id when a bulk overwrite contains a command of the same name and type.
 */
import { apiError, invalidFormBody } from './api-error.ts';

export interface CommandOptionDefinition {
	type: number;
	name: string;
	required?: boolean;
	options?: CommandOptionDefinition[];
}

export interface StoredCommand extends Record<string, unknown> {
	id: string;
	name: string;
	type: number;
	options?: CommandOptionDefinition[];
	default_member_permissions: string | null;
}

/** Chat input command and option names: 1–32 lowercase letters, digits, '-' or '_' (Discord's naming rule). */
const CHAT_INPUT_NAME = /^[-_\p{Ll}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
/** Discord's cap on commands per scope and type. */
const MAX_CHAT_INPUT_COMMANDS = 100;

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validateOptions(options: unknown, at: string): void {
	if (options === undefined) return;
	if (!Array.isArray(options))
		throw invalidFormBody(at, 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
	if (options.length > 25) throw invalidFormBody(at, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
	let optionalSeen = false;
	const names = new Set<string>();
	for (const [index, option] of options.entries()) {
		const optionAt = `${at}.${index}`;
		if (!isRecord(option) || typeof option.name !== 'string' || !CHAT_INPUT_NAME.test(option.name)) {
			throw invalidFormBody(`${optionAt}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
		}
		if (typeof option.description !== 'string' || option.description.length < 1 || option.description.length > 100) {
			throw invalidFormBody(`${optionAt}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
		}
		if (names.has(option.name)) {
			throw invalidFormBody(
				`${optionAt}.name`,
				'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS',
				'Option name already exists',
			);
		}
		names.add(option.name);
		// Discord refuses a required option after an optional one.
		if (option.required === true && optionalSeen) {
			throw invalidFormBody(
				`${optionAt}.required`,
				'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
				'Required options must be placed before non-required options',
			);
		}
		if (option.type !== 1 && option.type !== 2 && option.required !== true) optionalSeen = true;
		validateOptions(option.options, `${optionAt}.options`);
	}
}

export class ApplicationCommandRegistry {
	readonly global: StoredCommand[] = [];
	readonly guild = new Map<string, StoredCommand[]>();
	readonly #applicationId: string;
	readonly #nextId: () => string;

	constructor(applicationId: string, nextId: () => string) {
		this.#applicationId = applicationId;
		this.#nextId = nextId;
	}

	list(guildId: string | null): StoredCommand[] {
		return guildId === null ? this.global : (this.guild.get(guildId) ?? []);
	}

	/** PUT: replaces the scope's commands, keeping ids of commands whose name and type are unchanged. */
	overwrite(guildId: string | null, body: unknown): StoredCommand[] {
		if (!Array.isArray(body))
			throw invalidFormBody('_root', 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
		const previous = this.list(guildId);
		const seen = new Set<string>();
		const next = body.map((definition, index) => {
			const command = this.#build(guildId, definition, `${index}`, previous);
			const key = `${command.type}:${command.name}`;
			if (seen.has(key)) {
				throw invalidFormBody(
					`${index}.name`,
					'APPLICATION_COMMAND_ALREADY_EXISTS',
					'Application command with that name already exists',
				);
			}
			seen.add(key);
			return command;
		});
		if (next.filter((command) => command.type === 1).length > MAX_CHAT_INPUT_COMMANDS) {
			throw invalidFormBody('_root', 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_CHAT_INPUT_COMMANDS} or fewer in length.`);
		}
		this.#replace(guildId, next);
		return next;
	}

	/** POST: creates or updates one command (by name and type). */
	upsert(guildId: string | null, body: unknown): { command: StoredCommand; created: boolean } {
		const current = this.list(guildId);
		const command = this.#build(guildId, body, '_root', current);
		const index = current.findIndex((existing) => existing.id === command.id);
		const next = [...current];
		if (index === -1) next.push(command);
		else next[index] = command;
		this.#replace(guildId, next);
		return { command, created: index === -1 };
	}

	get(guildId: string | null, commandId: string): StoredCommand {
		const command = this.list(guildId).find((existing) => existing.id === commandId);
		if (!command) throw apiError(404, 10063);
		return command;
	}

	remove(guildId: string | null, commandId: string): void {
		this.get(guildId, commandId);
		this.#replace(
			guildId,
			this.list(guildId).filter((command) => command.id !== commandId),
		);
	}

	/** The definition a user in `guildId` would run: guild commands shadow nothing, both scopes are offered. */
	find(guildId: string, name: string): StoredCommand | undefined {
		return (
			this.list(guildId).find((command) => command.type === 1 && command.name === name) ??
			this.global.find((command) => command.type === 1 && command.name === name)
		);
	}

	hasAny(guildId: string): boolean {
		return this.global.length > 0 || this.list(guildId).length > 0;
	}

	#replace(guildId: string | null, commands: StoredCommand[]): void {
		if (guildId === null) this.global.splice(0, this.global.length, ...commands);
		else this.guild.set(guildId, commands);
	}

	#build(guildId: string | null, definition: unknown, at: string, previous: StoredCommand[]): StoredCommand {
		if (!isRecord(definition))
			throw invalidFormBody(at, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
		const type = typeof definition.type === 'number' ? definition.type : 1;
		const name = definition.name;
		if (typeof name !== 'string' || (type === 1 ? !CHAT_INPUT_NAME.test(name) : name.length < 1 || name.length > 32)) {
			throw invalidFormBody(`${at}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
		}
		if (type === 1) {
			const description = definition.description;
			if (typeof description !== 'string' || description.length < 1 || description.length > 100) {
				throw invalidFormBody(`${at}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
			}
			validateOptions(definition.options, `${at}.options`);
		}
		const existing = previous.find((command) => command.name === name && command.type === type);
		const permissions = definition.default_member_permissions;
		const command: StoredCommand = {
			description: '',
			...definition,
			id: existing?.id ?? this.#nextId(),
			application_id: this.#applicationId,
			version: this.#nextId(),
			name,
			type,
			default_member_permissions: permissions === undefined || permissions === null ? null : String(permissions),
			nsfw: definition.nsfw === true,
			integration_types: definition.integration_types ?? [0],
			contexts: definition.contexts ?? null,
		};
		if (guildId !== null) command.guild_id = guildId;
		return command;
	}
}
