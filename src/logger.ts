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
	/** Exact secret values to scrub from any message text (for example the bot token inside a library's error). */
	secrets?: readonly string[];
	destination?: pino.DestinationStream;
}

/** Creates the process logger: JSON lines by default, human-readable with format 'pretty'. */
export function createLogger(options: LoggerOptions): Logger {
	const secrets = (options.secrets ?? []).filter((secret) => secret.length >= 6);
	const scrub = (text: string): string => secrets.reduce((out, secret) => out.replaceAll(secret, '[REDACTED]'), text);
	const pinoOptions: pino.LoggerOptions = {
		level: options.level,
		redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
		hooks: {
			logMethod(args, method) {
				method.apply(
					this,
					args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as Parameters<typeof method>,
				);
			},
		},
		serializers: {
			err: (error: unknown) => {
				const serialized = pino.stdSerializers.err(error as Error);
				if (serialized.message) serialized.message = scrub(serialized.message);
				if (serialized.stack) serialized.stack = scrub(serialized.stack);
				return serialized;
			},
		},
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
