/**
 * Hand-made stand-ins for discord.js interactions: they record every answer the code under test sends and keep
 * `deferred`/`replied`/`responded` as discord.js does, so that tests read what a user would have seen.
 */
import {
	ApplicationCommandOptionType,
	type AutocompleteInteraction,
	type ChatInputCommandInteraction,
} from 'discord.js';
import type { Clock } from '../../src/clock.ts';
import { parseConfig } from '../../src/config.ts';
import type { AppContext } from '../../src/context.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import type { Store } from '../../src/store/keyv.ts';
import type { Repositories } from '../../src/store/repositories.ts';
import type { TwitchClient } from '../../src/twitch/index.ts';
import { ManualClock } from '../support/clock.ts';

export type AnswerMethod = 'reply' | 'deferReply' | 'editReply' | 'followUp' | 'respond';

export interface RecordedAnswer {
	method: AnswerMethod;
	// biome-ignore lint/suspicious/noExplicitAny: the payload is inspected freely by the tests
	payload: any;
}

export interface FakeChatInputOptions {
	commandName: string;
	/** Option values as the user typed them (string, integer, boolean). */
	options?: Record<string, string | number | boolean>;
	subcommand?: string;
	/** Makes one answer method fail (e.g. an expired interaction). */
	failing?: Partial<Record<AnswerMethod, Error>>;
}

export interface FakeChatInput {
	interaction: ChatInputCommandInteraction;
	answers: RecordedAnswer[];
}

function optionType(value: string | number | boolean): ApplicationCommandOptionType {
	if (typeof value === 'boolean') return ApplicationCommandOptionType.Boolean;
	if (typeof value === 'number') return ApplicationCommandOptionType.Integer;
	return ApplicationCommandOptionType.String;
}

/** A slash-command interaction as discord.js hands it to a handler. */
export function fakeChatInput(options: FakeChatInputOptions): FakeChatInput {
	const answers: RecordedAnswer[] = [];
	const values = options.options ?? {};
	const state = { deferred: false, replied: false };
	const answer = (method: AnswerMethod) => async (payload: unknown) => {
		const failure = options.failing?.[method];
		if (failure) throw failure;
		answers.push({ method, payload });
		if (method === 'deferReply') state.deferred = true;
		else if (method === 'reply' || method === 'editReply') state.replied = true;
		return {};
	};
	const interaction = {
		id: '1300000000000000001',
		commandName: options.commandName,
		guildId: '1200000000000000001',
		user: { id: '1100000000000000001' },
		get deferred() {
			return state.deferred;
		},
		get replied() {
			return state.replied;
		},
		isChatInputCommand: () => true,
		isAutocomplete: () => false,
		options: {
			get(name: string, required = false) {
				const value = values[name];
				if (value === undefined) {
					// discord.js throws the same way when a required option is missing.
					if (required) throw new TypeError(`Required option "${name}" not found.`);
					return null;
				}
				return { name, type: optionType(value), value };
			},
			getSubcommand(required = true) {
				if (!options.subcommand && required) throw new TypeError('A subcommand was not selected.');
				return options.subcommand ?? null;
			},
		},
		reply: answer('reply'),
		deferReply: answer('deferReply'),
		editReply: answer('editReply'),
		followUp: answer('followUp'),
	};
	return { interaction: interaction as unknown as ChatInputCommandInteraction, answers };
}

export interface FakeAutocomplete {
	interaction: AutocompleteInteraction;
	answers: RecordedAnswer[];
}

/** An autocomplete request for the option `focused` with what the user has typed so far. */
export function fakeAutocomplete(options: {
	commandName: string;
	focused: string;
	value: string;
	failing?: Error;
}): FakeAutocomplete {
	const answers: RecordedAnswer[] = [];
	const state = { responded: false };
	const interaction = {
		id: '1300000000000000002',
		commandName: options.commandName,
		guildId: '1200000000000000001',
		user: { id: '1100000000000000001' },
		get responded() {
			return state.responded;
		},
		isChatInputCommand: () => false,
		isAutocomplete: () => true,
		options: {
			getFocused: () => ({ name: options.focused, type: ApplicationCommandOptionType.String, value: options.value }),
		},
		async respond(choices: unknown) {
			if (options.failing) throw options.failing;
			answers.push({ method: 'respond', payload: choices });
			state.responded = true;
		},
	};
	return { interaction: interaction as unknown as AutocompleteInteraction, answers };
}

/** The start time of the interaction tests' clocks. */
export const INTERACTION_TEST_START = Date.parse('2025-06-01T12:00:00Z');

export interface LogRecord {
	level: number;
	msg: string;
	[key: string]: unknown;
}

/** A real pino logger whose JSON lines are kept for the test to read. */
export function recordingLogger(): { logger: Logger; records: LogRecord[] } {
	const records: LogRecord[] = [];
	const logger = createLogger({
		level: 'debug',
		format: 'json',
		destination: { write: (line: string) => records.push(JSON.parse(line) as LogRecord) },
	});
	return { logger, records };
}

/** An AppContext of fakes: a Twitch client (real against the fake server, or a hand-made object), a logger, a clock. */
export function testContext(parts: {
	twitch?: Partial<TwitchClient>;
	logger?: Logger;
	clock?: Clock;
	repositories?: Repositories;
}): AppContext {
	const config = parseConfig({
		DISCORD_TOKEN: 'MTAwMDAwMDAwMDAwMDAwMDAw.GfakeX.fakefakefakefakefakefakefake',
		TWITCH_CLIENT_ID: 'fakeclientid00',
		TWITCH_CLIENT_SECRET: 'fakeclientsecret00',
	});
	return {
		config,
		twitch: (parts.twitch ?? {}) as TwitchClient,
		store: {} as Store,
		// Commands of issue 2 never touch the repositories; /watch tests pass real ones.
		repositories: parts.repositories ?? ({} as Repositories),
		logger: parts.logger ?? recordingLogger().logger,
		clock: parts.clock ?? new ManualClock(INTERACTION_TEST_START),
	};
}
