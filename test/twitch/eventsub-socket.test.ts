/**
 * The EventSub WebSocket's own rules, against a bare WebSocket server on 127.0.0.1 that does exactly what a test
 * needs (the fake Twitch's full EventSub is exercised in test/notify/eventsub.test.ts).
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import { createSilentLogger } from '../../src/logger.ts';
import { EventSubSocket } from '../../src/twitch/eventsub-socket.ts';

let server: WebSocketServer | undefined;
let socket: EventSubSocket | undefined;

afterEach(async () => {
	socket?.stop();
	await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
	server = undefined;
	socket = undefined;
});

function welcome(sessionId: string, keepaliveSeconds: number): string {
	return JSON.stringify({
		metadata: {
			message_id: `w-${sessionId}`,
			message_type: 'session_welcome',
			message_timestamp: new Date().toISOString(),
		},
		payload: {
			session: {
				id: sessionId,
				status: 'connected',
				connected_at: new Date().toISOString(),
				keepalive_timeout_seconds: keepaliveSeconds,
				reconnect_url: null,
			},
		},
	});
}

async function startServer(onConnection: (client: ServerSocket, index: number) => void): Promise<string> {
	let connections = 0;
	server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
	server.on('connection', (client) => onConnection(client, connections++));
	await new Promise<void>((resolve) => server?.once('listening', () => resolve()));
	return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
}

async function waitFor(check: () => boolean, timeoutMs = 3_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('condition not reached in time');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

describe('EventSub WebSocket', () => {
	it('treats silence past the keepalive window as a lost connection, reconnects and attaches the new session', async () => {
		const sessions: string[] = [];
		const inbound: string[] = [];
		const url = await startServer((client, index) => {
			client.on('message', (data) => inbound.push(String(data)));
			client.send(welcome(`session-${index}`, 1)); // then nothing at all: no keepalive
		});
		socket = new EventSubSocket({
			url,
			logger: createSilentLogger(),
			keepaliveMarginMs: 100,
			backoff: { baseMs: 10, maxMs: 50 },
			onSession: async (sessionId) => {
				sessions.push(sessionId);
			},
			onNotification: () => {},
			onSessionLost: () => sessions.push('lost'),
		});
		socket.start();

		await waitFor(() => sessions.length >= 3);
		expect(sessions.slice(0, 3)).toEqual(['session-0', 'lost', 'session-1']);
		expect(inbound).toEqual([]); // never a message to the server (Twitch closes with 4001)
	});

	it('hands a notification on once however often it is delivered, and skips one of an unexpected shape', async () => {
		const notification = JSON.stringify({
			metadata: {
				message_id: 'n-1',
				message_type: 'notification',
				message_timestamp: new Date().toISOString(),
				subscription_type: 'stream.online',
			},
			payload: {
				subscription: { id: 'sub-1', type: 'stream.online' },
				event: { id: '40000000001', broadcaster_user_id: '1001' },
			},
		});
		const url = await startServer((client) => {
			client.send(welcome('session-0', 10));
			client.send('not json');
			client.send(notification);
			client.send(notification);
		});
		const received: string[] = [];
		let duplicates = 0;
		socket = new EventSubSocket({
			url,
			logger: createSilentLogger(),
			onSession: async () => {},
			onNotification: (n) => received.push(n.messageId),
			onDuplicate: () => duplicates++,
		});
		socket.start();

		await waitFor(() => received.length === 1);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(received).toEqual(['n-1']);
		expect(duplicates).toBe(1); // told, for the metrics
		expect(socket.sessionId).toBe('session-0');
	});

	it('reconnects when the attach fails, and attaches the next session', async () => {
		const attempts: string[] = [];
		const url = await startServer((client, index) => client.send(welcome(`session-${index}`, 10)));
		socket = new EventSubSocket({
			url,
			logger: createSilentLogger(),
			backoff: { baseMs: 10, maxMs: 50 },
			onSession: async (sessionId) => {
				attempts.push(sessionId);
				if (attempts.length === 1) throw new Error('The websocket session is not connected.');
			},
			onNotification: () => {},
		});
		socket.start();

		await waitFor(() => attempts.length >= 2);
		expect(attempts.slice(0, 2)).toEqual(['session-0', 'session-1']);
		await waitFor(() => socket?.sessionId === 'session-1');
	});
});
