import { Keyv } from 'keyv';
import { createLogger, createSilentLogger, type Logger } from '../../src/logger.ts';
import { TwitchClient, type TwitchClientOptions } from '../../src/twitch/client.ts';
import type { FakeTwitch } from '../fakes/twitch/index.ts';

/** A Helix client pointed at the fake, with retries fast enough for tests. */
export function clientFor(fake: FakeTwitch, overrides: Partial<TwitchClientOptions> = {}): TwitchClient {
	return new TwitchClient({
		clientId: fake.clientId,
		clientSecret: fake.clientSecret,
		apiUrl: fake.helixUrl,
		authUrl: fake.authUrl,
		logger: createSilentLogger(),
		store: new Keyv(),
		retryBaseMs: 5,
		timeoutMs: 2_000,
		...overrides,
	});
}

/** A JSON log line as pino writes it. */
export interface LogLine {
	level: number;
	msg: string;
	[field: string]: unknown;
}

/** A real logger (redaction included) whose lines the test reads back. */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
	const lines: LogLine[] = [];
	const logger = createLogger({
		level: 'debug',
		format: 'json',
		destination: { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
	});
	return { logger, lines };
}

/** pino's number for the warn level. */
export const WARN = 40;
