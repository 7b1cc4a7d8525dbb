/**
 * The fake's EventSub over conduits: the Helix routes (eventsub-rest.ts) and the WebSocket (eventsub-socket.ts) on
 * one registry of conduits, shards and subscriptions (eventsub-state.ts), fed by the world's go-lives and stream
 * ends, with the delivery faults a test asks for (duplicates, a reordered pair, drops, reconnects, revocations).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TwitchWorld } from './data.ts';
import { type EventSubAnswer, type EventSubRequest, serveEventSubRequest } from './eventsub-rest.ts';
import { EventSubSocketServer } from './eventsub-socket.ts';
import { DEFAULT_MAX_TOTAL_COST, EventSubRegistry, eventsubTimestamp } from './eventsub-state.ts';
import type {
	EventSubWsMessage,
	FakeEventSub,
	FakeEventSubOptions,
	FakeEventSubSession,
	FakeSubscriptionType,
	NotificationMessage,
	RawConduit,
	RawConduitShard,
	RawEventSubSubscription,
	ReconnectSessionId,
	RevocationStatus,
	StreamOfflineEvent,
	StreamOnlineEvent,
} from './eventsub-types.ts';
import type { RawStream, RawUser } from './types.ts';

/** Twitch closes a session that no shard uses within 10 s of its welcome. */
const DEFAULT_UNUSED_CLOSE_MS = 10_000;
/** Twitch's reconnect message: the client has 30 s to connect to the reconnect URL. */
const DEFAULT_RECONNECT_GRACE_MS = 30_000;

interface Delivery {
	message: NotificationMessage;
	/** Spreads the broadcasters of a conduit over its shards. */
	routingKey: string;
}

export interface FakeEventSubServiceOptions extends FakeEventSubOptions {
	now(): number;
	world: TwitchWorld;
	/** 'ws://127.0.0.1:PORT/ws', once the server listens. */
	url(): string;
}

export class FakeEventSubService implements FakeEventSub {
	readonly #registry: EventSubRegistry;
	readonly #sockets: EventSubSocketServer;
	readonly #options: FakeEventSubServiceOptions;
	#dropped = 0;
	#duplicatesLeft = 0;
	#reorderArmed = false;
	#held: Delivery | undefined;

	constructor(options: FakeEventSubServiceOptions) {
		this.#options = options;
		const registry = new EventSubRegistry(options.eventsubMaxTotalCost ?? DEFAULT_MAX_TOTAL_COST);
		this.#registry = registry;
		this.#sockets = new EventSubSocketServer({
			now: options.now,
			url: options.url,
			keepaliveMs: options.eventsubKeepaliveMs,
			unusedCloseMs: options.eventsubUnusedCloseMs ?? DEFAULT_UNUSED_CLOSE_MS,
			reconnectGraceMs: options.eventsubReconnectGraceMs ?? DEFAULT_RECONNECT_GRACE_MS,
			reconnectSessionId: options.eventsubReconnectSessionId ?? 'new',
			isAttached: (sessionId) => registry.isAttached(sessionId),
			onSessionLost: (sessionId, status, at) => registry.sessionLost(sessionId, status, at),
			onSessionRestored: (sessionId) => registry.sessionRestored(sessionId),
		});
	}

	get url(): string {
		return this.#options.url();
	}

	handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
		this.#sockets.handleUpgrade(request, socket, head);
	}

	/** Serves a request under /helix/eventsub/ (already authenticated), or throws a `TwitchHttpError`. */
	serveRest(request: EventSubRequest): EventSubAnswer {
		const sockets = this.#sockets;
		return serveEventSubRequest(request, {
			registry: this.#registry,
			connectedSession: (sessionId) => sockets.connectedSession(sessionId),
			onAttached: (sessionId) => sockets.markAttached(sessionId),
			userExists: (userId) => this.#options.world.usersById.has(userId),
			now: this.#options.now,
		});
	}

	// ---- events of the world ----

	/** A stream began: `stream.online` to every enabled subscription for the broadcaster. */
	streamOnline(stream: RawStream): void {
		const event: StreamOnlineEvent = {
			id: stream.id,
			broadcaster_user_id: stream.user_id,
			broadcaster_user_login: stream.user_login,
			broadcaster_user_name: stream.user_name,
			type: stream.type === '' ? 'live' : stream.type,
			started_at: stream.started_at,
		};
		this.#notifyAll('stream.online', stream.user_id, event);
	}

	/** A stream ended: `stream.offline` (the broadcaster only) to every enabled subscription for the broadcaster. */
	streamOffline(user: RawUser): void {
		const event: StreamOfflineEvent = {
			broadcaster_user_id: user.id,
			broadcaster_user_login: user.login,
			broadcaster_user_name: user.display_name,
		};
		this.#notifyAll('stream.offline', user.id, event);
	}

	// ---- controls and observation (FakeEventSub) ----

	get sessions(): readonly FakeEventSubSession[] {
		return this.#sockets.sessions;
	}
	get sentMessages(): ReadonlyMap<string, readonly EventSubWsMessage[]> {
		return this.#sockets.sentMessages;
	}
	get droppedNotifications(): number {
		return this.#dropped;
	}
	get conduits(): ReadonlyArray<RawConduit & { client_id: string }> {
		return this.#registry.allConduits;
	}
	get shards(): ReadonlyMap<string, readonly RawConduitShard[]> {
		return this.#registry.allShards;
	}
	get subscriptions(): readonly RawEventSubSubscription[] {
		return this.#registry.allSubscriptions;
	}
	get openSockets(): number {
		return this.#sockets.openSockets;
	}
	get pendingTimers(): number {
		return this.#sockets.pendingTimers;
	}

	reconnect(sessionId?: string, opts: { sessionId?: ReconnectSessionId } = {}): void {
		this.#sockets.reconnect(sessionId, opts.sessionId);
	}

	drop(sessionId?: string, opts: { code?: 4000 | 4006 } = {}): void {
		this.#sockets.drop(sessionId, opts.code);
	}

	revoke(subscriptionId: string, status: RevocationStatus = 'authorization_revoked'): void {
		const subscription = this.#registry.setStatus(subscriptionId, status);
		const message: EventSubWsMessage = {
			metadata: {
				...this.#metadata('revocation'),
				subscription_type: subscription.type,
				subscription_version: subscription.version,
			},
			payload: { subscription },
		};
		const sessionId = this.#registry.routeToSession(subscription, subscription.condition.broadcaster_user_id);
		if (sessionId === undefined || !this.#sockets.send(sessionId, message)) this.#dropped += 1;
	}

	duplicateNext(n = 1): void {
		this.#duplicatesLeft += n;
	}

	reorderNext(): void {
		this.#reorderArmed = true;
	}

	flushHeld(): void {
		const held = this.#held;
		this.#held = undefined;
		if (held) this.#deliver(held);
	}

	setMaxTotalCost(maxTotalCost: number): void {
		this.#registry.maxTotalCost = maxTotalCost;
	}

	async close(): Promise<void> {
		this.#held = undefined;
		await this.#sockets.close();
	}

	// ---- delivery ----

	#notifyAll(
		type: FakeSubscriptionType,
		broadcasterUserId: string,
		event: StreamOnlineEvent | StreamOfflineEvent,
	): void {
		for (const subscription of this.#registry.enabledFor(type, broadcasterUserId)) {
			this.#notify({
				message: {
					metadata: { ...this.#metadata('notification'), subscription_type: type, subscription_version: '1' },
					payload: { subscription: { ...subscription }, event },
				},
				routingKey: broadcasterUserId,
			});
		}
	}

	/** One notification, through the reorder fault: a held notification goes out right after the next one. */
	#notify(delivery: Delivery): void {
		if (this.#reorderArmed && !this.#held) {
			this.#reorderArmed = false;
			this.#held = delivery;
			return;
		}
		this.#deliver(delivery);
		this.flushHeld();
	}

	/**
	 * Sends to the session of the shard the conduit routes to, at the time of sending (a held notification follows
	 * a re-attached shard). No enabled shard, or no open socket for its session → dropped and counted.
	 */
	#deliver({ message, routingKey }: Delivery): void {
		const sessionId = this.#registry.routeToSession(message.payload.subscription, routingKey);
		if (sessionId === undefined || !this.#sockets.send(sessionId, message)) {
			this.#dropped += 1;
			return;
		}
		if (this.#duplicatesLeft > 0) {
			this.#duplicatesLeft -= 1;
			// At-least-once delivery: a resend keeps its message_id.
			this.#sockets.send(sessionId, message);
		}
	}

	#metadata<Type extends string>(type: Type): { message_id: string; message_type: Type; message_timestamp: string } {
		return { message_id: randomUUID(), message_type: type, message_timestamp: eventsubTimestamp(this.#options.now()) };
	}
}
