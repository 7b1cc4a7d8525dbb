/**
 * One conduit shard's WebSocket to EventSub, kept alive.
 *
 * Twitch's rules it follows (see shared EVENTSUB-FACTS.md):
 * - the first message is `session_welcome`; the session must be attached to the conduit's shard within 10 s, or
 *   Twitch closes with 4003 — `onSession` is called at once with every new session id;
 * - silence longer than `keepalive_timeout_seconds` (plus a margin) means the connection is dead;
 * - `session_reconnect`: connect to `reconnect_url` unchanged and keep the old socket until the new one's welcome;
 *   the shard is attached again only when the new session id differs;
 * - never send anything (any message from the client closes the socket with 4001); pings are answered by the
 *   WebSocket implementation itself;
 * - any close, or silence, is a lost connection: reconnect with a jittered, doubling backoff, and attach anew;
 * - delivery is at least once: a notification whose `message_id` was seen (bounded memory, kept across reconnects)
 *   is dropped here; duplicates with new ids are for the go-live state machine to absorb (same stream id).
 */
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { Logger } from '../logger.ts';

/** What Twitch's close codes mean, for the log. */
const CLOSE_REASONS: Readonly<Record<number, string>> = {
	4000: 'Twitch internal server error',
	4001: 'the client sent inbound traffic',
	4002: 'the client failed a ping-pong',
	4003: 'the connection was unused (no shard attached within 10 s)',
	4004: 'the reconnect grace time expired',
	4005: 'network timeout',
	4006: 'network error',
	4007: 'invalid reconnect',
};

const metadataSchema = z
	.object({
		message_id: z.string(),
		message_type: z.string(),
		message_timestamp: z.string(),
		subscription_type: z.string().optional(),
	})
	.loose();
const sessionSchema = z
	.object({
		id: z.string(),
		keepalive_timeout_seconds: z.number().nullish(),
		reconnect_url: z.string().nullish(),
	})
	.loose();
const messageSchema = z.object({ metadata: metadataSchema, payload: z.unknown() });
const sessionPayloadSchema = z.object({ session: sessionSchema });
const notificationPayloadSchema = z.object({
	subscription: z.object({ id: z.string(), type: z.string() }).loose(),
	event: z.record(z.string(), z.unknown()),
});
const revocationPayloadSchema = z.object({
	subscription: z
		.object({
			id: z.string(),
			status: z.string(),
			type: z.string(),
			condition: z.record(z.string(), z.unknown()),
		})
		.loose(),
});

/** A notification as the socket hands it on. */
export interface EventSubNotification {
	messageId: string;
	/** When Twitch sent it (ms): an offline older than the live stream's start is stale. */
	sentAt: number;
	subscriptionId: string;
	type: string;
	event: Record<string, unknown>;
}

export interface EventSubRevocation {
	subscriptionId: string;
	/** user_removed, authorization_revoked, version_removed, … */
	status: string;
	type: string;
	condition: Record<string, unknown>;
}

/** The WebSocket constructor (Node's global one by default; tests may hand in another). */
export type WebSocketConstructor = new (url: string) => WebSocket;

export interface EventSubSocketOptions {
	/** wss://eventsub.wss.twitch.tv/ws (TWITCH_EVENTSUB_WS_URL). */
	url: string;
	logger: Logger;
	/** A new session to attach to the shard (first welcome, a new session after a loss or a reconnect). */
	onSession: (sessionId: string) => Promise<void>;
	onNotification: (notification: EventSubNotification) => void;
	onRevocation?: (revocation: EventSubRevocation) => void;
	/** Added to keepalive_timeout_seconds before a silent connection counts as lost (default 5 s). */
	keepaliveMarginMs?: number;
	/** Reconnect backoff: first wait and longest wait (ms; default 1 s → 60 s, with jitter). */
	backoff?: { baseMs: number; maxMs: number };
	/** Message ids remembered for deduplication (default 10,000). */
	dedupeSize?: number;
	/** Told when a message is dropped because its id was seen before (metrics). */
	onDuplicate?: () => void;
	/** Told when the attached session is lost (closed, silent, or refused by the conduit); a reconnect follows. */
	onSessionLost?: () => void;
	WebSocket?: WebSocketConstructor;
}

interface Connection {
	socket: WebSocket;
	sessionId: string | null;
	silence: NodeJS.Timeout | undefined;
	keepaliveMs: number;
}

export class EventSubSocket {
	private readonly o: EventSubSocketOptions;
	private readonly seen: LRUCache<string, true>;
	private readonly WebSocketImpl: WebSocketConstructor;
	private current: Connection | undefined;
	/** A connection to a reconnect_url, waiting for its welcome before it replaces `current`. */
	private replacement: Connection | undefined;
	private failures = 0;
	private retryTimer: NodeJS.Timeout | undefined;
	private stopped = true;
	private lastSessionId: string | null = null;

	constructor(options: EventSubSocketOptions) {
		this.o = options;
		this.seen = new LRUCache({ max: options.dedupeSize ?? 10_000 });
		this.WebSocketImpl = options.WebSocket ?? globalThis.WebSocket;
	}

	/** The attached session's id, or null while (re)connecting. */
	get sessionId(): string | null {
		return this.current?.sessionId ?? null;
	}

	start(): void {
		if (!this.stopped) return;
		this.stopped = false;
		this.open(this.o.url, false);
	}

	/** Closes the connection and stops reconnecting. */
	stop(): void {
		this.stopped = true;
		clearTimeout(this.retryTimer);
		for (const connection of [this.current, this.replacement]) if (connection) this.discard(connection);
		this.current = undefined;
		this.replacement = undefined;
	}

	private open(url: string, asReplacement: boolean): void {
		let socket: WebSocket;
		try {
			socket = new this.WebSocketImpl(url);
		} catch (error) {
			this.o.logger.warn({ err: error }, 'could not open the EventSub WebSocket');
			this.scheduleReconnect();
			return;
		}
		const connection: Connection = { socket, sessionId: null, silence: undefined, keepaliveMs: 10_000 };
		if (asReplacement) this.replacement = connection;
		else this.current = connection;
		this.armSilence(connection, 15_000); // until the welcome says the real window
		socket.addEventListener('message', (message) => this.receive(connection, message.data));
		socket.addEventListener('close', (event) => this.closed(connection, event.code, event.reason));
		socket.addEventListener('error', () => {
			// The close event follows and says what happened.
		});
	}

	private receive(connection: Connection, data: unknown): void {
		if (this.stopped) return;
		this.armSilence(connection, connection.keepaliveMs);
		const parsed = messageSchema.safeParse(typeof data === 'string' ? safeJson(data) : undefined);
		if (!parsed.success) {
			this.o.logger.warn('EventSub sent a message of an unexpected shape; ignored');
			return;
		}
		const { metadata, payload } = parsed.data;
		switch (metadata.message_type) {
			case 'session_welcome':
				this.welcomed(connection, payload);
				return;
			case 'session_keepalive':
				return;
			case 'session_reconnect': {
				const session = sessionPayloadSchema.safeParse(payload).data?.session;
				if (!session?.reconnect_url) return;
				this.o.logger.info('EventSub asked to reconnect; opening the new connection before closing the old');
				if (this.replacement) this.discard(this.replacement);
				this.open(session.reconnect_url, true);
				return;
			}
			case 'notification': {
				if (this.seen.has(metadata.message_id)) {
					this.o.onDuplicate?.(); // a resend: at least once delivery
					return;
				}
				this.seen.set(metadata.message_id, true);
				const notification = notificationPayloadSchema.safeParse(payload);
				if (!notification.success) return;
				this.o.onNotification({
					messageId: metadata.message_id,
					sentAt: Date.parse(metadata.message_timestamp),
					subscriptionId: notification.data.subscription.id,
					type: notification.data.subscription.type,
					event: notification.data.event,
				});
				return;
			}
			case 'revocation': {
				const revoked = revocationPayloadSchema.safeParse(payload);
				if (!revoked.success) return;
				const { subscription } = revoked.data;
				this.o.logger.warn(
					{ subscriptionId: subscription.id, type: subscription.type, status: subscription.status },
					'Twitch revoked an EventSub subscription',
				);
				this.o.onRevocation?.({
					subscriptionId: subscription.id,
					status: subscription.status,
					type: subscription.type,
					condition: subscription.condition,
				});
				return;
			}
			default:
				this.o.logger.debug({ type: metadata.message_type }, 'EventSub sent a message type this bot does not use');
		}
	}

	private welcomed(connection: Connection, payload: unknown): void {
		const session = sessionPayloadSchema.safeParse(payload).data?.session;
		if (!session) return;
		connection.sessionId = session.id;
		connection.keepaliveMs = (session.keepalive_timeout_seconds ?? 10) * 1000;
		this.armSilence(connection, connection.keepaliveMs);
		if (connection === this.replacement) {
			const old = this.current;
			this.current = connection;
			this.replacement = undefined;
			if (old) this.discard(old);
		}
		if (connection !== this.current) return;
		this.failures = 0;
		if (session.id === this.lastSessionId) return; // a reconnect that kept the session: still attached
		this.lastSessionId = session.id;
		this.o.logger.info({ sessionId: session.id }, 'EventSub session opened; attaching it to the conduit shard');
		this.o.onSession(session.id).catch((error: unknown) => {
			this.o.logger.warn({ err: error }, 'could not attach the EventSub session to the conduit shard; reconnecting');
			if (this.current === connection) this.lose(connection);
		});
	}

	private closed(connection: Connection, code: number, reason: string): void {
		clearTimeout(connection.silence);
		if (this.stopped) return;
		if (connection === this.replacement) {
			this.replacement = undefined;
			return; // the current connection carries on
		}
		if (connection !== this.current) return; // an old connection, replaced
		this.o.logger.warn(
			{ code, reason: reason || CLOSE_REASONS[code] || 'no reason given' },
			'the EventSub connection closed; reconnecting',
		);
		this.current = undefined;
		this.lastSessionId = null;
		this.o.onSessionLost?.();
		this.scheduleReconnect();
	}

	/** Treats the connection as dead (silence, a failed attach): drop it and reconnect. */
	private lose(connection: Connection): void {
		if (this.stopped) return;
		const wasCurrent = connection === this.current;
		this.discard(connection);
		if (wasCurrent) {
			this.lastSessionId = null;
			this.o.onSessionLost?.();
			this.scheduleReconnect();
		}
	}

	private armSilence(connection: Connection, windowMs: number): void {
		clearTimeout(connection.silence);
		connection.silence = setTimeout(
			() => {
				this.o.logger.warn({ windowMs }, 'EventSub has been silent longer than its keepalive window; reconnecting');
				this.lose(connection);
			},
			windowMs + (this.o.keepaliveMarginMs ?? 5_000),
		);
		connection.silence.unref?.();
	}

	private scheduleReconnect(): void {
		if (this.stopped) return;
		const { baseMs, maxMs } = this.o.backoff ?? { baseMs: 1_000, maxMs: 60_000 };
		const ceiling = Math.min(maxMs, baseMs * 2 ** this.failures);
		this.failures++;
		const wait = ceiling / 2 + (Math.random() * ceiling) / 2;
		clearTimeout(this.retryTimer);
		this.retryTimer = setTimeout(() => this.open(this.o.url, false), wait);
	}

	/** Closes a connection without letting its close event count as a loss. */
	private discard(connection: Connection): void {
		clearTimeout(connection.silence);
		const socket = connection.socket;
		socket.addEventListener('close', () => {}, { once: true });
		if (this.current === connection) this.current = undefined;
		if (this.replacement === connection) this.replacement = undefined;
		try {
			socket.close(1000);
		} catch {
			// already closing
		}
	}
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
