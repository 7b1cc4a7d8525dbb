/**
 * EventSub as the fake serves it: conduits, shards and subscriptions with Twitch's JSON field names (snake_case),
 * the messages of the EventSub WebSocket, and the test controls (`fake.eventsub`).
 */

/**
 * A shard's status (Get Conduit Shards). Only `enabled` shards receive notifications; the others say why the
 * shard's WebSocket went away.
 */
export type ShardStatus =
	| 'enabled'
	| 'websocket_disconnected'
	| 'websocket_failed_ping_pong'
	| 'websocket_received_inbound_traffic'
	| 'websocket_internal_error'
	| 'websocket_network_timeout'
	| 'websocket_network_error'
	| 'websocket_failed_to_reconnect';

/** A Get Conduits / Create Conduits item. */
export interface RawConduit {
	id: string;
	shard_count: number;
}

/** A Get Conduit Shards item (WebSocket transports only: the fake has no webhooks). */
export interface RawConduitShard {
	/** "0" … "shard_count - 1". */
	id: string;
	status: ShardStatus;
	transport: {
		method: 'websocket';
		/** '' while no session was ever attached. */
		session_id: string;
		connected_at?: string;
		disconnected_at?: string;
	};
}

/** The subscription types the fake delivers. */
export type FakeSubscriptionType = 'stream.online' | 'stream.offline';

/** Statuses a subscription can have in the fake: enabled, revoked (revocation message), or its conduit deleted. */
export type SubscriptionStatus =
	| 'enabled'
	| 'authorization_revoked'
	| 'user_removed'
	| 'version_removed'
	| 'conduit_deleted';

/** The statuses `fake.eventsub.revoke` accepts: the reasons Twitch gives in a `revocation` message. */
export type RevocationStatus = 'authorization_revoked' | 'user_removed' | 'version_removed';

/** A Create / Get EventSub Subscription item with a conduit transport. */
export interface RawEventSubSubscription {
	id: string;
	status: SubscriptionStatus;
	type: FakeSubscriptionType;
	version: '1';
	condition: { broadcaster_user_id: string };
	created_at: string;
	transport: { method: 'conduit'; conduit_id: string };
	cost: number;
}

/** `payload.session` of `session_welcome` and `session_reconnect`. */
export interface RawEventSubSession {
	id: string;
	status: 'connected' | 'reconnecting';
	connected_at: string;
	/** null in a `session_reconnect`. */
	keepalive_timeout_seconds: number | null;
	/** null in a `session_welcome`. */
	reconnect_url: string | null;
}

/** `stream.online` v1 event. */
export interface StreamOnlineEvent {
	/** The stream's id, as in Get Streams. */
	id: string;
	broadcaster_user_id: string;
	broadcaster_user_login: string;
	broadcaster_user_name: string;
	/** 'live', 'playlist', 'watch_party', 'premiere' or 'rerun'. */
	type: string;
	started_at: string;
}

/** `stream.offline` v1 event: the broadcaster only. */
export interface StreamOfflineEvent {
	broadcaster_user_id: string;
	broadcaster_user_login: string;
	broadcaster_user_name: string;
}

interface MessageMetadata<Type extends string> {
	message_id: string;
	message_type: Type;
	/** RFC 3339 with nanoseconds, as Twitch sends. */
	message_timestamp: string;
}

interface SubscriptionMetadata<Type extends string> extends MessageMetadata<Type> {
	subscription_type: FakeSubscriptionType;
	subscription_version: '1';
}

export interface WelcomeMessage {
	metadata: MessageMetadata<'session_welcome'>;
	payload: { session: RawEventSubSession };
}

export interface KeepaliveMessage {
	metadata: MessageMetadata<'session_keepalive'>;
	payload: Record<string, never>;
}

export interface ReconnectMessage {
	metadata: MessageMetadata<'session_reconnect'>;
	payload: { session: RawEventSubSession };
}

export interface NotificationMessage {
	metadata: SubscriptionMetadata<'notification'>;
	payload: { subscription: RawEventSubSubscription; event: StreamOnlineEvent | StreamOfflineEvent };
}

export interface RevocationMessage {
	metadata: SubscriptionMetadata<'revocation'>;
	payload: { subscription: RawEventSubSubscription };
}

/** Every message the fake's EventSub WebSocket sends (text frames of JSON). */
export type EventSubWsMessage =
	| WelcomeMessage
	| KeepaliveMessage
	| ReconnectMessage
	| NotificationMessage
	| RevocationMessage;

/**
 * What the welcome of a connection made through a `reconnect_url` carries: a new session id (the shard stays
 * attached to the old id until the client re-attaches it) or the old one (the session, and its shard, move to
 * the new socket).
 */
export type ReconnectSessionId = 'new' | 'same';

/** One EventSub WebSocket session as the fake saw it. */
export interface FakeEventSubSession {
	id: string;
	/** 'reconnecting' between a `session_reconnect` and the welcome on the reconnect URL. */
	status: 'connected' | 'reconnecting' | 'disconnected';
	/** RFC 3339, from the fake's clock. */
	connectedAt: string;
	disconnectedAt?: string;
	/** As announced in the welcome. */
	keepaliveTimeoutSeconds: number;
	/** The close code of its last socket: sent by the fake (4001, 4003, …), by the client, or 1006 for a drop. */
	closeCode?: number;
	/** Whether a conduit shard names this session. */
	attached: boolean;
}

/** Options of the fake's EventSub (part of `FakeTwitchOptions`). */
export interface FakeEventSubOptions {
	/** `max_total_cost` per client id. Default 10,000 (Twitch's default). */
	eventsubMaxTotalCost?: number;
	/**
	 * Milliseconds of silence before the fake sends a `session_keepalive`. Default: the announced
	 * `keepalive_timeout_seconds` × 1000. Lets a test see keepalives fast while the welcome still announces seconds.
	 */
	eventsubKeepaliveMs?: number;
	/** Milliseconds after the welcome before a session no shard names is closed with 4003. Default 10,000. */
	eventsubUnusedCloseMs?: number;
	/** Milliseconds after a `session_reconnect` before the old socket is closed with 4004 if no one used the URL. Default 30,000. */
	eventsubReconnectGraceMs?: number;
	/** Default 'new'. See `ReconnectSessionId`. */
	eventsubReconnectSessionId?: ReconnectSessionId;
}

/** The fake's EventSub: observation and the faults a test can provoke. */
export interface FakeEventSub {
	/** 'ws://127.0.0.1:PORT/ws' (also `fake.eventsubWsUrl`); `?keepalive_timeout_seconds=10..600` is honoured. */
	readonly url: string;
	/** Every session so far, oldest first. */
	readonly sessions: readonly FakeEventSubSession[];
	/** Messages sent, per session id, oldest first (at most 1000 per session). */
	readonly sentMessages: ReadonlyMap<string, readonly EventSubWsMessage[]>;
	/** Notifications (and revocations) that found no enabled shard, or whose shard's session had no open socket. */
	readonly droppedNotifications: number;
	/** Every conduit of every client. */
	readonly conduits: ReadonlyArray<RawConduit & { client_id: string }>;
	/** Every shard of every conduit, keyed by conduit id. */
	readonly shards: ReadonlyMap<string, readonly RawConduitShard[]>;
	/** Every subscription of every client, oldest first, revoked ones included. */
	readonly subscriptions: readonly RawEventSubSubscription[];
	/** Sockets open now. */
	readonly openSockets: number;
	/** Timers armed now (keepalive, unused-connection, reconnect grace): 0 after `close()`. */
	readonly pendingTimers: number;

	/**
	 * Sends `session_reconnect` to the session (default: every connected session). Its `reconnect_url` admits one
	 * connection; after that connection's welcome, the fake closes the old socket (code 1000) unless the client
	 * already did. Nobody connects within the grace → the old socket is closed with 4004.
	 */
	reconnect(sessionId?: string, opts?: { sessionId?: ReconnectSessionId }): void;
	/**
	 * Ends the session's socket (default: every open socket): without a close frame (the client sees 1006) unless
	 * `code` is given (4000 internal error or 4006 network error).
	 */
	drop(sessionId?: string, opts?: { code?: 4000 | 4006 }): void;
	/** Marks the subscription with `status` (default 'authorization_revoked') and sends a `revocation` message. */
	revoke(subscriptionId: string, status?: RevocationStatus): void;
	/** Sends each of the next `n` notifications (default 1) twice, with the same message_id. */
	duplicateNext(n?: number): void;
	/** Holds the next notification back and delivers it right after the one that follows it. */
	reorderNext(): void;
	/** Delivers a notification held by `reorderNext` now. */
	flushHeld(): void;
	/** Changes `max_total_cost` for every client. */
	setMaxTotalCost(maxTotalCost: number): void;
}
