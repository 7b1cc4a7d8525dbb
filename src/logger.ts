import { type Logger, pino } from 'pino';

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
	format: 'json' | 'pretty';
	/**
	 * Exact secret values to scrub from every log line, wherever they appear (a message, a field, an error's text,
	 * stack or cause): the bot token inside a library's error, the STORAGE_URL password inside a client's error.
	 * Values shorter than 6 characters are ignored: masking them everywhere would garble ordinary text.
	 */
	secrets?: readonly string[];
	destination?: pino.DestinationStream;
}

/** Creates the process logger: JSON lines by default, human-readable with format 'pretty'. */
export function createLogger(options: LoggerOptions): Logger {
	const secrets = (options.secrets ?? []).filter((secret) => secret.length >= 6);
	// A line is JSON: a secret holding a quote or a backslash appears there escaped.
	const forms = [...new Set(secrets.flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]))];
	const scrub = (line: string): string => forms.reduce((out, form) => out.replaceAll(form, '[REDACTED]'), line);
	const pinoOptions: pino.LoggerOptions = {
		level: options.level,
		redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
		// The whole serialized line, just before it is written: no field can carry a secret past this.
		...(forms.length > 0 ? { hooks: { streamWrite: scrub } } : {}),
	};
	if (options.destination) return pino(pinoOptions, options.destination);
	if (options.format === 'pretty') {
		return pino({
			...pinoOptions,
			transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } },
		});
	}
	return pino(pinoOptions);
}

/** A logger that writes nothing, for tests and tools that print their own output. */
export function createSilentLogger(): Logger {
	return pino({ level: 'silent' });
}
