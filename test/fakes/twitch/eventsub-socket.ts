/**
 * The EventSub WebSocket (wss://eventsub.wss.twitch.tv/ws): welcome, keepalives after silence, the close codes of
 * Twitch's table (4001 inbound traffic, 4003 unused, 4004 reconnect grace expired, 4007 invalid reconnect), and
 * `session_reconnect` with a reconnect URL. Which session a notification goes to is the conduit registry's business;
 * this module owns sockets, sessions and timers.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AttachableSession } from './eventsub-state.ts';
import { eventsubTimestamp } from './eventsub-state.ts';
import type {
	EventSubWsMessage,
	FakeEventSubSession,
	RawEventSubSession,
	ReconnectSessionId,
	ShardStatus,
} from './eventsub-types.ts';

/** EventSub WebSocket close codes (Twitch, "Close message"). 4002 and 4005 are not produced by the fake. */
export const EventSubClose = {
	InternalServerError: 4000,
	ClientSentInboundTraffic: 4001,
	ConnectionUnused: 4003,
	ReconnectGraceTimeExpired: 4004,
	NetworkError: 4006,
	InvalidReconnect: 4007,
} as const;

/** Twitch's default keepalive window and the range `?keepalive_timeout_seconds=` may ask for. */
const DEFAULT_KEEPALIVE_SECONDS = 10;
const MIN_KEEPALIVE_SECONDS = 10;
const MAX_KEEPALIVE_SECONDS = 600;
/** Messages kept per session for tests to read. */
const SENT_LOG_LIMIT = 1000;
/** The WebSocket path, as on Twitch. */
export const EVENTSUB_WS_PATH = '/ws';
/** The query parameter of a reconnect URL that names the pending reconnect. */
const RECONNECT_PARAM = 'reconnect_token';

interface Session {
	id: string;
	status: FakeEventSubSession['status'];
	connectedAt: string;
	disconnectedAt?: string;
	keepaliveSeconds: number;
	closeCode?: number;
	/** The socket the session's messages go to; null once it is gone. */
	connection: Connection | null;
	sent: EventSubWsMessage[];
}

interface Connection {
	socket: WebSocket;
	session: Session | null;
	keepaliveTimer: NodeJS.Timeout | undefined;
	unusedTimer: NodeJS.Timeout | undefined;
	/** Set when the fake ends the socket: the code it sent (1006 for a drop) and what a shard's status becomes. */
	endedByServer?: { code: number; shardStatus: ShardStatus };
}

interface PendingReconnect {
	session: Session;
	/** The socket that got the `session_reconnect`. */
	connection: Connection;
	mode: ReconnectSessionId;
	graceTimer: NodeJS.Timeout;
}

export interface EventSubSocketOptions {
	now(): number;
	/** 'ws://127.0.0.1:PORT/ws', once the server listens. */
	url(): string;
	/** Silence before a keepalive, overriding the announced seconds. */
	keepaliveMs: number | undefined;
	unusedCloseMs: number;
	reconnectGraceMs: number;
	reconnectSessionId: ReconnectSessionId;
	/** Whether a conduit shard names the session. */
	isAttached(sessionId: string): boolean;
	/** The session's socket is gone: its shards become disabled with `status`. */
	onSessionLost(sessionId: string, status: ShardStatus, at: string): void;
	/** A reconnect that kept the session id brought the session back: its shards are enabled again. */
	onSessionRestored(sessionId: string): void;
}

export class EventSubSocketServer {
	readonly #server = new WebSocketServer({ noServer: true });
	readonly #options: EventSubSocketOptions;
	readonly #sessions = new Map<string, Session>();
	readonly #connections = new Set<Connection>();
	readonly #pending = new Map<string, PendingReconnect>();
	readonly #timers = new Set<NodeJS.Timeout>();
	#closed = false;

	constructor(options: EventSubSocketOptions) {
		this.#options = options;
	}

	/** Takes over an HTTP upgrade to the EventSub path (Helix and the WebSocket share one port). */
	handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
		const url = new URL(request.url ?? '/', 'ws://127.0.0.1');
		if (this.#closed || url.pathname !== EVENTSUB_WS_PATH) {
			refuseUpgrade(socket, '404 Not Found');
			return;
		}
		const raw = url.searchParams.get('keepalive_timeout_seconds');
		let keepaliveSeconds = DEFAULT_KEEPALIVE_SECONDS;
		if (raw !== null) {
			const asked = Number(raw);
			if (raw.trim() === '' || !Number.isFinite(asked)) {
				refuseUpgrade(socket, '400 Bad Request');
				return;
			}
			// Twitch: "Specifying an invalid, but numeric value will return the nearest acceptable value."
			keepaliveSeconds = Math.min(MAX_KEEPALIVE_SECONDS, Math.max(MIN_KEEPALIVE_SECONDS, Math.round(asked)));
		}
		const token = url.searchParams.get(RECONNECT_PARAM);
		this.#server.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, keepaliveSeconds, token));
	}

	/** The session if its socket is open now (it may be `reconnecting`). */
	connectedSession(sessionId: string): AttachableSession | undefined {
		const session = this.#sessions.get(sessionId);
		if (!session?.connection || session.connection.socket.readyState !== session.connection.socket.OPEN) {
			return undefined;
		}
		return { id: session.id, connectedAt: session.connectedAt };
	}

	/** A shard now names the session: it will not be closed as unused. */
	markAttached(sessionId: string): void {
		const connection = this.#sessions.get(sessionId)?.connection;
		if (connection?.unusedTimer) this.#clearTimer(connection.unusedTimer);
		if (connection) connection.unusedTimer = undefined;
	}

	/** Sends a message to the session's socket; false when it has none open. */
	send(sessionId: string, message: EventSubWsMessage): boolean {
		const connection = this.#sessions.get(sessionId)?.connection;
		return connection ? this.#sendOn(connection, message) : false;
	}

	reconnect(sessionId: string | undefined, mode: ReconnectSessionId = this.#options.reconnectSessionId): void {
		for (const session of this.#targets(sessionId)) {
			const connection = session.connection;
			if (!connection || session.status !== 'connected') continue;
			const token = randomBytes(16).toString('hex');
			const reconnectUrl = `${this.#options.url()}?${RECONNECT_PARAM}=${token}`;
			const graceTimer = this.#setTimer(() => {
				this.#pending.delete(token);
				// Nobody came to the reconnect URL in time: Twitch closes the old socket with 4004.
				this.#end(connection, EventSubClose.ReconnectGraceTimeExpired, 'websocket_failed_to_reconnect');
			}, this.#options.reconnectGraceMs);
			this.#pending.set(token, { session, connection, mode, graceTimer });
			this.#sendOn(connection, {
				metadata: this.#metadata('session_reconnect'),
				payload: {
					session: {
						id: session.id,
						status: 'reconnecting',
						connected_at: session.connectedAt,
						keepalive_timeout_seconds: null,
						reconnect_url: reconnectUrl,
					},
				},
			});
			session.status = 'reconnecting';
		}
	}

	/** Ends sockets without a close frame (the client sees 1006), or with 4000/4006 when `code` is given. */
	drop(sessionId: string | undefined, code?: 4000 | 4006): void {
		const connections =
			sessionId === undefined
				? [...this.#connections]
				: this.#targets(sessionId).flatMap((session) => (session.connection ? [session.connection] : []));
		for (const connection of connections) {
			if (code === EventSubClose.InternalServerError) this.#end(connection, code, 'websocket_internal_error');
			else if (code === EventSubClose.NetworkError) this.#end(connection, code, 'websocket_network_error');
			else {
				connection.endedByServer = { code: 1006, shardStatus: 'websocket_network_error' };
				connection.socket.terminate();
			}
		}
	}

	get sessions(): FakeEventSubSession[] {
		return [...this.#sessions.values()].map((session) => {
			const view: FakeEventSubSession = {
				id: session.id,
				status: session.status,
				connectedAt: session.connectedAt,
				keepaliveTimeoutSeconds: session.keepaliveSeconds,
				attached: this.#options.isAttached(session.id),
			};
			if (session.disconnectedAt !== undefined) view.disconnectedAt = session.disconnectedAt;
			if (session.closeCode !== undefined) view.closeCode = session.closeCode;
			return view;
		});
	}

	get sentMessages(): Map<string, readonly EventSubWsMessage[]> {
		return new Map([...this.#sessions.values()].map((session) => [session.id, [...session.sent]]));
	}

	get openSockets(): number {
		return this.#connections.size;
	}

	get pendingTimers(): number {
		return this.#timers.size;
	}

	async close(): Promise<void> {
		this.#closed = true;
		for (const timer of this.#timers) clearTimeout(timer);
		this.#timers.clear();
		this.#pending.clear();
		for (const connection of this.#connections) {
			connection.session = null;
			connection.socket.terminate();
		}
		this.#connections.clear();
		await new Promise<void>((resolve) => this.#server.close(() => resolve()));
	}

	#accept(socket: WebSocket, keepaliveSeconds: number, token: string | null): void {
		const connection: Connection = { socket, session: null, keepaliveTimer: undefined, unusedTimer: undefined };
		this.#connections.add(connection);
		socket.on('close', (code) => this.#onClose(connection, code));
		socket.on('error', () => {
			/* a client vanishing mid-frame: the close handler cleans up */
		});
		// Clients may only answer pings with pongs (the ws library does not report those as messages); anything
		// else is inbound traffic, which Twitch answers with 4001.
		socket.on('message', () => {
			this.#end(connection, EventSubClose.ClientSentInboundTraffic, 'websocket_received_inbound_traffic');
		});

		if (token === null) {
			this.#welcome(connection, this.#newSession(keepaliveSeconds));
			return;
		}
		const pending = this.#pending.get(token);
		if (!pending) {
			// A used, expired or made-up reconnect URL.
			this.#end(connection, EventSubClose.InvalidReconnect, 'websocket_disconnected');
			return;
		}
		this.#pending.delete(token);
		this.#clearTimer(pending.graceTimer);
		let session: Session;
		if (pending.mode === 'same') {
			session = pending.session;
			const wasLost = session.connection === null;
			session.connection = null;
			if (wasLost) {
				delete session.disconnectedAt;
				this.#options.onSessionRestored(session.id);
			}
		} else {
			session = this.#newSession(pending.session.keepaliveSeconds);
		}
		this.#welcome(connection, session);
		// Twitch's docs have the client close the old socket after this welcome (4004 if it never does); the fake
		// closes it for the client, so that a client that does close it and one that waits both see it end.
		const old = pending.connection;
		if (old.socket.readyState === old.socket.OPEN) {
			old.endedByServer = { code: 1000, shardStatus: 'websocket_disconnected' };
			old.socket.close(1000, 'reconnected');
		}
	}

	#newSession(keepaliveSeconds: number): Session {
		let id = randomBytes(21).toString('base64url');
		while (this.#sessions.has(id)) id = randomBytes(21).toString('base64url');
		const session: Session = {
			id,
			status: 'connected',
			connectedAt: eventsubTimestamp(this.#options.now()),
			keepaliveSeconds,
			connection: null,
			sent: [],
		};
		this.#sessions.set(id, session);
		return session;
	}

	#welcome(connection: Connection, session: Session): void {
		connection.session = session;
		session.connection = connection;
		session.status = 'connected';
		const welcome: RawEventSubSession = {
			id: session.id,
			status: 'connected',
			connected_at: session.connectedAt,
			keepalive_timeout_seconds: session.keepaliveSeconds,
			reconnect_url: null,
		};
		this.#sendOn(connection, { metadata: this.#metadata('session_welcome'), payload: { session: welcome } });
		if (this.#options.isAttached(session.id)) return;
		// Twitch: a session no conduit shard (or subscription) uses within 10 s of its welcome is closed with 4003.
		connection.unusedTimer = this.#setTimer(() => {
			connection.unusedTimer = undefined;
			if (!this.#options.isAttached(session.id)) {
				this.#end(connection, EventSubClose.ConnectionUnused, 'websocket_disconnected');
			}
		}, this.#options.unusedCloseMs);
	}

	#sendOn(connection: Connection, message: EventSubWsMessage): boolean {
		const { socket, session } = connection;
		if (socket.readyState !== socket.OPEN) return false;
		socket.send(JSON.stringify(message));
		if (session) {
			session.sent.push(message);
			if (session.sent.length > SENT_LOG_LIMIT) session.sent.shift();
		}
		this.#armKeepalive(connection);
		return true;
	}

	/** A keepalive goes out once nothing else was sent for the keepalive window. */
	#armKeepalive(connection: Connection): void {
		if (connection.keepaliveTimer) this.#clearTimer(connection.keepaliveTimer);
		const seconds = connection.session?.keepaliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS;
		connection.keepaliveTimer = this.#setTimer(
			() => {
				connection.keepaliveTimer = undefined;
				this.#sendOn(connection, { metadata: this.#metadata('session_keepalive'), payload: {} });
			},
			this.#options.keepaliveMs ?? seconds * 1000,
		);
	}

	#end(connection: Connection, code: number, shardStatus: ShardStatus): void {
		if (connection.socket.readyState !== connection.socket.OPEN) return;
		connection.endedByServer = { code, shardStatus };
		connection.socket.close(code, reasonOf(code));
	}

	#onClose(connection: Connection, code: number): void {
		this.#connections.delete(connection);
		if (connection.keepaliveTimer) this.#clearTimer(connection.keepaliveTimer);
		if (connection.unusedTimer) this.#clearTimer(connection.unusedTimer);
		const session = connection.session;
		// A socket superseded by a reconnect that kept the session id no longer speaks for the session.
		if (!session || session.connection !== connection) return;
		const at = eventsubTimestamp(this.#options.now());
		session.connection = null;
		session.status = 'disconnected';
		session.disconnectedAt = at;
		session.closeCode = connection.endedByServer?.code ?? code;
		this.#options.onSessionLost(session.id, connection.endedByServer?.shardStatus ?? 'websocket_disconnected', at);
	}

	#targets(sessionId: string | undefined): Session[] {
		if (sessionId === undefined) return [...this.#sessions.values()];
		const session = this.#sessions.get(sessionId);
		if (!session) throw new Error(`fake twitch: no EventSub session ${sessionId}`);
		return [session];
	}

	#metadata<Type extends string>(type: Type): { message_id: string; message_type: Type; message_timestamp: string } {
		return { message_id: randomUUID(), message_type: type, message_timestamp: eventsubTimestamp(this.#options.now()) };
	}

	#setTimer(callback: () => void, ms: number): NodeJS.Timeout {
		const timer = setTimeout(() => {
			this.#timers.delete(timer);
			callback();
		}, ms);
		this.#timers.add(timer);
		return timer;
	}

	#clearTimer(timer: NodeJS.Timeout): void {
		clearTimeout(timer);
		this.#timers.delete(timer);
	}
}

/** Close reasons in Twitch's words. */
function reasonOf(code: number): string {
	switch (code) {
		case EventSubClose.InternalServerError:
			return 'internal server error';
		case EventSubClose.ClientSentInboundTraffic:
			return 'client sent inbound traffic';
		case EventSubClose.ConnectionUnused:
			return 'connection unused';
		case EventSubClose.ReconnectGraceTimeExpired:
			return 'reconnect grace time expired';
		case EventSubClose.NetworkError:
			return 'network error';
		case EventSubClose.InvalidReconnect:
			return 'invalid reconnect';
		default:
			return '';
	}
}

function refuseUpgrade(socket: Duplex, status: string): void {
	socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
