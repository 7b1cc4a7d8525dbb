import { randomUUID } from 'node:crypto';
import type {
	FakeSubscriptionType,
	RawConduit,
	RawConduitShard,
	RawEventSubSubscription,
	ShardStatus,
	SubscriptionStatus,
} from './eventsub-types.ts';
import { badRequest, TwitchHttpError } from './responses.ts';

/** Twitch: at most 5 conduits per client id (Create Conduits answers 429 past it). */
export const MAX_CONDUITS_PER_CLIENT = 5;
/** Twitch: up to 20,000 shards per conduit. */
export const MAX_SHARDS_PER_CONDUIT = 20_000;
/** Twitch's default `max_total_cost` per client id. */
export const DEFAULT_MAX_TOTAL_COST = 10_000;
/**
 * A subscription naming a broadcaster who has not authorized the app costs 1; the fake's tokens are app tokens with
 * no user authorizations, so every subscription costs 1 (`stream.online` is documented as 1; `stream.offline` too
 * in practice).
 */
const SUBSCRIPTION_COST = 1;

/** EventSub timestamps are RFC 3339 with nanoseconds (e.g. created_at, connected_at, message_timestamp). */
export function eventsubTimestamp(ms: number): string {
	return new Date(ms).toISOString().replace(/Z$/, '000000Z');
}

interface Shard {
	id: string;
	status: ShardStatus;
	/** '' until a session is attached. */
	sessionId: string;
	connectedAt?: string;
	disconnectedAt?: string;
}

interface Conduit {
	id: string;
	clientId: string;
	shards: Shard[];
}

interface Subscription {
	clientId: string;
	raw: RawEventSubSubscription;
}

/** A session as the registry needs it to attach a shard. */
export interface AttachableSession {
	id: string;
	connectedAt: string;
}

/** Per client: subscriptions listed and the cost of the enabled ones (kept as counts: lists reach 10,000). */
interface ClientTotals {
	total: number;
	totalCost: number;
}

/**
 * Conduits, their shards and the subscriptions of every client id. Indexed so that creating the 10,000th
 * subscription and finding the subscriptions of a go-live are Map accesses.
 */
export class EventSubRegistry {
	maxTotalCost: number;
	readonly #conduits = new Map<string, Conduit>();
	/** Insertion order is creation order: Get EventSub Subscriptions lists the oldest first. */
	readonly #subscriptions = new Map<string, Subscription>();
	/** Enabled subscriptions by client|type|broadcaster: the 409 check. */
	readonly #enabledByKey = new Map<string, Subscription>();
	/** Enabled subscriptions by type|broadcaster, across clients: who to notify. */
	readonly #enabledByEvent = new Map<string, Set<Subscription>>();
	readonly #totals = new Map<string, ClientTotals>();

	constructor(maxTotalCost: number) {
		this.maxTotalCost = maxTotalCost;
	}

	// ---- conduits and shards ----

	get allConduits(): Array<RawConduit & { client_id: string }> {
		return [...this.#conduits.values()].map((conduit) => ({ ...conduitJson(conduit), client_id: conduit.clientId }));
	}

	get allShards(): Map<string, RawConduitShard[]> {
		return new Map([...this.#conduits.values()].map((conduit) => [conduit.id, conduit.shards.map(shardJson)]));
	}

	conduitsOf(clientId: string): RawConduit[] {
		return [...this.#conduits.values()].filter((conduit) => conduit.clientId === clientId).map(conduitJson);
	}

	createConduit(clientId: string, shardCount: number): RawConduit {
		if (this.conduitsOf(clientId).length >= MAX_CONDUITS_PER_CLIENT) {
			throw new TwitchHttpError(429, 'Conduit limit reached');
		}
		const conduit: Conduit = { id: randomUUID(), clientId, shards: [] };
		resize(conduit, shardCount);
		this.#conduits.set(conduit.id, conduit);
		return conduitJson(conduit);
	}

	/** Lowering the count removes the shards above it; raising it adds shards with no session. */
	resizeConduit(clientId: string, conduitId: string, shardCount: number): RawConduit {
		const conduit = this.#requireConduit(clientId, conduitId);
		resize(conduit, shardCount);
		return conduitJson(conduit);
	}

	/** Its subscriptions stay listed with status conduit_deleted and stop counting toward the cost. */
	deleteConduit(clientId: string, conduitId: string): void {
		this.#requireConduit(clientId, conduitId);
		this.#conduits.delete(conduitId);
		for (const subscription of this.#subscriptions.values()) {
			if (subscription.raw.transport.conduit_id === conduitId) this.setStatus(subscription.raw.id, 'conduit_deleted');
		}
	}

	shardsOf(clientId: string, conduitId: string): RawConduitShard[] {
		return this.#requireConduit(clientId, conduitId).shards.map(shardJson);
	}

	/** Throws 404 for a conduit that is not the client's (Twitch: "Conduit not found"). */
	requireConduitExists(clientId: string, conduitId: string): void {
		this.#requireConduit(clientId, conduitId);
	}

	/** Whether `shardId` names a shard of the conduit ("0" … "shard_count - 1"). */
	hasShard(clientId: string, conduitId: string, shardId: string): boolean {
		const shards = this.#requireConduit(clientId, conduitId).shards;
		return /^(0|[1-9][0-9]*)$/.test(shardId) && Number(shardId) < shards.length;
	}

	attachShard(clientId: string, conduitId: string, shardId: string, session: AttachableSession): RawConduitShard {
		const shard = this.#requireConduit(clientId, conduitId).shards[Number(shardId)];
		if (!shard) throw new Error(`fake twitch: no shard ${shardId}`);
		shard.status = 'enabled';
		shard.sessionId = session.id;
		shard.connectedAt = session.connectedAt;
		delete shard.disconnectedAt;
		return shardJson(shard);
	}

	/** Whether a shard of any conduit names the session. */
	isAttached(sessionId: string): boolean {
		for (const conduit of this.#conduits.values()) {
			if (conduit.shards.some((shard) => shard.sessionId === sessionId)) return true;
		}
		return false;
	}

	/** The session's socket went away: the shards naming it are disabled with the reason. */
	sessionLost(sessionId: string, status: ShardStatus, at: string): void {
		for (const shard of this.#shardsNaming(sessionId)) {
			if (shard.status !== 'enabled') continue;
			shard.status = status;
			shard.disconnectedAt = at;
		}
	}

	/** The session is back on a new socket (a reconnect that kept its id): its shards are enabled again. */
	sessionRestored(sessionId: string): void {
		for (const shard of this.#shardsNaming(sessionId)) {
			shard.status = 'enabled';
			delete shard.disconnectedAt;
		}
	}

	/**
	 * The session a notification of the subscription goes to: the shard that `routingKey` hashes to when it is
	 * enabled, or else one other enabled shard (Twitch retries a notification on one other shard, then drops it).
	 */
	routeToSession(subscription: RawEventSubSubscription, routingKey: string): string | undefined {
		const conduit = this.#conduits.get(subscription.transport.conduit_id);
		if (!conduit || conduit.shards.length === 0) return undefined;
		const count = conduit.shards.length;
		const first = hashOf(routingKey) % count;
		for (let step = 0; step < count; step++) {
			const shard = conduit.shards[(first + step) % count];
			if (shard?.status === 'enabled') return shard.sessionId;
		}
		return undefined;
	}

	#requireConduit(clientId: string, conduitId: string): Conduit {
		const conduit = this.#conduits.get(conduitId);
		if (!conduit || conduit.clientId !== clientId) throw new TwitchHttpError(404, 'Conduit not found');
		return conduit;
	}

	*#shardsNaming(sessionId: string): Generator<Shard> {
		for (const conduit of this.#conduits.values()) {
			for (const shard of conduit.shards) if (shard.sessionId === sessionId) yield shard;
		}
	}

	// ---- subscriptions ----

	createSubscription(
		clientId: string,
		type: FakeSubscriptionType,
		broadcasterUserId: string,
		conduitId: string,
		createdAt: string,
	): RawEventSubSubscription {
		const conduit = this.#conduits.get(conduitId);
		// Not in Twitch's list of 400 reasons, but a conduit of another client or a deleted one cannot be used.
		if (!conduit || conduit.clientId !== clientId) {
			throw badRequest('The conduit_id in the transport object does not name one of your conduits.');
		}
		const key = `${clientId}|${type}|${broadcasterUserId}`;
		if (this.#enabledByKey.has(key)) throw new TwitchHttpError(409, 'subscription already exists');
		const totals = this.totalsOf(clientId);
		// Twitch documents no status for a request past max_total_cost; libraries (twurple, twitch4j) report 429.
		if (totals.total_cost + SUBSCRIPTION_COST > totals.max_total_cost) {
			throw new TwitchHttpError(429, 'The request exceeds the maximum total cost of your subscriptions.');
		}
		const subscription: Subscription = {
			clientId,
			raw: {
				id: randomUUID(),
				status: 'enabled',
				type,
				version: '1',
				condition: { broadcaster_user_id: broadcasterUserId },
				created_at: createdAt,
				transport: { method: 'conduit', conduit_id: conduitId },
				cost: SUBSCRIPTION_COST,
			},
		};
		this.#subscriptions.set(subscription.raw.id, subscription);
		this.#clientTotals(clientId).total += 1;
		this.#enable(subscription);
		return { ...subscription.raw };
	}

	/** `total` counts every subscription listed; `total_cost` the enabled ones (a revoked one no longer costs). */
	totalsOf(clientId: string): { total: number; total_cost: number; max_total_cost: number } {
		const totals = this.#clientTotals(clientId);
		return { total: totals.total, total_cost: totals.totalCost, max_total_cost: this.maxTotalCost };
	}

	subscriptionsOf(clientId: string): RawEventSubSubscription[] {
		const list: RawEventSubSubscription[] = [];
		for (const subscription of this.#subscriptions.values()) {
			if (subscription.clientId === clientId) list.push(subscription.raw);
		}
		return list;
	}

	get allSubscriptions(): RawEventSubSubscription[] {
		return [...this.#subscriptions.values()].map((subscription) => ({ ...subscription.raw }));
	}

	getSubscription(subscriptionId: string): RawEventSubSubscription | undefined {
		return this.#subscriptions.get(subscriptionId)?.raw;
	}

	deleteSubscription(clientId: string, subscriptionId: string): void {
		const subscription = this.#subscriptions.get(subscriptionId);
		if (!subscription || subscription.clientId !== clientId) {
			throw new TwitchHttpError(404, 'subscription not found');
		}
		this.#disable(subscription);
		this.#subscriptions.delete(subscriptionId);
		this.#clientTotals(clientId).total -= 1;
	}

	/** Enabled subscriptions of one type for one broadcaster, across clients. */
	enabledFor(type: FakeSubscriptionType, broadcasterUserId: string): RawEventSubSubscription[] {
		const found = this.#enabledByEvent.get(`${type}|${broadcasterUserId}`);
		return found ? [...found].map((subscription) => subscription.raw) : [];
	}

	setStatus(subscriptionId: string, status: SubscriptionStatus): RawEventSubSubscription {
		const subscription = this.#subscriptions.get(subscriptionId);
		if (!subscription) throw new Error(`fake twitch: no subscription ${subscriptionId}`);
		if (status === 'enabled') throw new Error('fake twitch: a subscription cannot be enabled again; create a new one');
		this.#disable(subscription);
		subscription.raw.status = status;
		return { ...subscription.raw };
	}

	#enable(subscription: Subscription): void {
		const { raw, clientId } = subscription;
		const broadcaster = raw.condition.broadcaster_user_id;
		this.#enabledByKey.set(`${clientId}|${raw.type}|${broadcaster}`, subscription);
		const eventKey = `${raw.type}|${broadcaster}`;
		const set = this.#enabledByEvent.get(eventKey);
		if (set) set.add(subscription);
		else this.#enabledByEvent.set(eventKey, new Set([subscription]));
		this.#clientTotals(clientId).totalCost += raw.cost;
	}

	#disable(subscription: Subscription): void {
		const { raw, clientId } = subscription;
		if (raw.status !== 'enabled') return;
		const broadcaster = raw.condition.broadcaster_user_id;
		this.#enabledByKey.delete(`${clientId}|${raw.type}|${broadcaster}`);
		const eventKey = `${raw.type}|${broadcaster}`;
		const set = this.#enabledByEvent.get(eventKey);
		set?.delete(subscription);
		if (set?.size === 0) this.#enabledByEvent.delete(eventKey);
		this.#clientTotals(clientId).totalCost -= raw.cost;
	}

	#clientTotals(clientId: string): ClientTotals {
		let totals = this.#totals.get(clientId);
		if (!totals) {
			totals = { total: 0, totalCost: 0 };
			this.#totals.set(clientId, totals);
		}
		return totals;
	}
}

function resize(conduit: Conduit, shardCount: number): void {
	conduit.shards.length = Math.min(conduit.shards.length, shardCount);
	for (let id = conduit.shards.length; id < shardCount; id++) {
		// A shard no session was ever attached to: disabled, with an empty session id.
		conduit.shards.push({ id: String(id), status: 'websocket_disconnected', sessionId: '' });
	}
}

function conduitJson(conduit: Conduit): RawConduit {
	return { id: conduit.id, shard_count: conduit.shards.length };
}

function shardJson(shard: Shard): RawConduitShard {
	const transport: RawConduitShard['transport'] = { method: 'websocket', session_id: shard.sessionId };
	if (shard.connectedAt !== undefined) transport.connected_at = shard.connectedAt;
	if (shard.disconnectedAt !== undefined) transport.disconnected_at = shard.disconnectedAt;
	return { id: shard.id, status: shard.status, transport };
}

/** A stable spread of broadcasters over shards (FNV-1a). */
function hashOf(text: string): number {
	let hash = 0x811c9dc5;
	for (let index = 0; index < text.length; index++) {
		hash ^= text.charCodeAt(index);
		hash = Math.imul(hash, 0x01000193);
	}
	return hash >>> 0;
}
