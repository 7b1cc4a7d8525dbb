/**
 * Start-up against a Discord that accepts connections and never answers (a proxy that swallows requests, a
 * firewall that drops packets after the handshake): the bot says it is connecting, then gives up within
 * HTTP_TIMEOUT_MS with a message naming what to check, instead of a minute of silence.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StartupError } from '../../src/bot.ts';
import { createLogger } from '../../src/logger.ts';
import { createWorld, type World } from '../support/bot-world.ts';

let silent: Server;
const sockets = new Set<Socket>();
let world: World;
beforeEach(async () => {
	silent = createServer((socket) => {
		sockets.add(socket); // accepted, never answered
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
	const port = (silent.address() as { port: number }).port;
	world = await createWorld({ DISCORD_API_URL: `http://127.0.0.1:${port}/api`, HTTP_TIMEOUT_MS: '1000' });
});
afterEach(async () => {
	await world.close();
	for (const socket of sockets) socket.destroy();
	await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe('start-up against a silent Discord', () => {
	it('fails within the timeout, after saying it is connecting, with a message that names the fix', async () => {
		const lines: string[] = [];
		const logger = createLogger({
			level: 'info',
			format: 'json',
			destination: { write: (line: string) => lines.push(line) },
		});
		const started = performance.now();
		const failure = await world.startBot(logger).then(
			() => undefined,
			(error: unknown) => error,
		);
		const tookMs = performance.now() - started;

		expect(failure).toBeInstanceOf(StartupError);
		const message = (failure as Error).message;
		expect(message).toContain('did not answer within 1 s (HTTP_TIMEOUT_MS=1000)');
		expect(message).toContain('DISCORD_API_URL');
		expect(lines.some((line) => JSON.parse(line).msg === 'connecting to Discord…')).toBe(true);
		// The timeout, plus the start-up before it (store, Twitch token check): seconds, not a minute.
		expect(tookMs).toBeLessThan(8_000);
	});
});
