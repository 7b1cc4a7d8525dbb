import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log object: tokens and secrets must never reach a log line,
 * even when a whole request, config or error is logged.
 */
export const REDACTED_PATHS = [
	'token',
	'accessToken',
	'access_token',
	'clientSecret',
	'client_secret',
	'discordToken',
	'twitchClientSecret',
	'authorization',
	'Authorization',
	'headers.authorization',
	'headers.Authorization',
	'*.token',
	'*.accessToken',
	'*.access_token',
	'*.clientSecret',
	'*.client_secret',
	'*.discordToken',
	'*.twitchClientSecret',
	'*.authorization',
	'*.Authorization',
	'*.headers.authorization',
	'*.headers.Authorization',
];

export interface LoggerOptions {
	level: string;
	/** LOG_FORMAT; unset: pretty when stdout is a terminal (a person reading), JSON otherwise (a log collector). */
	format?: 'json' | 'pretty' | undefined;
	/** Whether stdout is a terminal (default: process.stdout.isTTY); tests set it. */
	terminal?: boolean;
	/**
	 * Exact secret values to scrub from every log line, wherever they appear (a message, a field, an error's text,
	 * stack or cause): the bot token inside a library's error, the STORAGE_URL password inside a client's error.
	 * Values shorter than 6 characters are ignored: masking them everywhere would garble ordinary text.
	 */
	secrets?: readonly string[];
	destination?: pino.DestinationStream;
}

/**
 * Replaces every exact secret value in a text with [REDACTED], as written and as JSON escapes it (a secret holding a
 * quote or a backslash); undefined when there is nothing to scrub. Values shorter than 6 characters are ignored:
 * masking them everywhere would garble ordinary text. Log lines and the ops endpoints' answers use it.
 */
export function secretScrubber(secrets: readonly string[]): ((text: string) => string) | undefined {
	const kept = secrets.filter((secret) => secret.length >= 6);
	const forms = [...new Set(kept.flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]))];
	if (forms.length === 0) return undefined;
	return (text) => forms.reduce((out, form) => out.replaceAll(form, '[REDACTED]'), text);
}

/** The format a logger with these options writes. */
export function logFormatOf(options: Pick<LoggerOptions, 'format' | 'terminal'>): 'json' | 'pretty' {
	return options.format ?? ((options.terminal ?? process.stdout.isTTY === true) ? 'pretty' : 'json');
}

/** Creates the process logger: JSON lines for collectors, readable lines in a terminal (see logFormatOf). */
export function createLogger(options: LoggerOptions): Logger {
	const scrub = secretScrubber(options.secrets ?? []);
	const pinoOptions: pino.LoggerOptions = {
		level: options.level,
		redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
		// The whole serialized line, just before it is written: no field can carry a secret past this.
		...(scrub ? { hooks: { streamWrite: scrub } } : {}),
	};
	if (logFormatOf(options) === 'pretty') {
		// In this thread and synchronous (not pino's worker transport): a fatal line is on screen before the exit.
		const terminal = options.terminal ?? process.stdout.isTTY === true;
		return pino(
			pinoOptions,
			pinoPretty({
				colorize: terminal && !options.destination,
				translateTime: 'SYS:HH:MM:ss',
				ignore: 'pid,hostname',
				sync: true,
				...(options.destination ? { destination: writableOver(options.destination) } : {}),
			}),
		);
	}
	if (options.destination) return pino(pinoOptions, options.destination);
	return pino(pinoOptions);
}

/** pino-pretty writes to a Node stream; a bare `{ write }` destination (tests) is wrapped in one. */
function writableOver(destination: pino.DestinationStream): Writable {
	if (destination instanceof Writable) return destination;
	return new Writable({
		write(chunk, _encoding, done) {
			destination.write(String(chunk));
			done();
		},
	});
}

/** A logger that writes nothing, for tests and tools that print their own output. */
export function createSilentLogger(): Logger {
	return pino({ level: 'silent' });
}
