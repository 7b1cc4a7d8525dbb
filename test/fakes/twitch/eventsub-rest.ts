/**
 * Helix's EventSub routes: conduits, conduit shards and subscriptions, with Twitch's JSON shapes and statuses. The
 * server authenticates (app token + Client-Id) and takes the rate-limit point before a request gets here.
 */
import {
	type AttachableSession,
	type EventSubRegistry,
	eventsubTimestamp,
	MAX_SHARDS_PER_CONDUIT,
} from './eventsub-state.ts';
import type { FakeSubscriptionType, RawConduitShard, RawEventSubSubscription } from './eventsub-types.ts';
import { MAX_LIST_VALUES, paginate, requiredParam, singleParam } from './params.ts';
import { badRequest, TwitchHttpError } from './responses.ts';

export interface EventSubRequest {
	method: string;
	route: string;
	query: URLSearchParams;
	body: string;
	/** The client id of the request's token. */
	clientId: string;
}

/** The answer: a status, and a JSON body unless 204. */
export interface EventSubAnswer {
	status: number;
	body?: unknown;
}

/** What the routes need beyond the registry: the sessions of the WebSocket server, and the clock. */
export interface EventSubRestContext {
	registry: EventSubRegistry;
	/** The session if its socket is open now. */
	connectedSession(sessionId: string): AttachableSession | undefined;
	/** A shard now names the session: it is no longer unused (no 4003). */
	onAttached(sessionId: string): void;
	/** Whether the fake's world has a user with this id. */
	userExists(userId: string): boolean;
	now(): number;
}

/** The fake serves the two types the bot uses, each in version 1. */
const SUPPORTED_TYPES: ReadonlySet<string> = new Set<FakeSubscriptionType>(['stream.online', 'stream.offline']);
/** Get EventSub Subscriptions' filters: Twitch takes at most one of them. */
const SUBSCRIPTION_FILTERS = ['status', 'type', 'user_id', 'subscription_id'] as const;
/**
 * Page size where Twitch documents none (Get Conduit Shards, Get EventSub Subscriptions: "undetermined"): 100,
 * unless the request's `first` (1–100, a fake extension that lets tests page small lists) says otherwise.
 */
const EVENTSUB_PAGE_SIZE = String(MAX_LIST_VALUES);

/** Serves one request under /helix/eventsub/, or throws a `TwitchHttpError`. */
export function serveEventSubRequest(request: EventSubRequest, context: EventSubRestContext): EventSubAnswer {
	const key = `${request.method} ${request.route}`;
	switch (key) {
		case 'GET /helix/eventsub/conduits':
			return { status: 200, body: { data: context.registry.conduitsOf(request.clientId) } };
		case 'POST /helix/eventsub/conduits':
			return createConduit(request, context);
		case 'PATCH /helix/eventsub/conduits':
			return updateConduit(request, context);
		case 'DELETE /helix/eventsub/conduits':
			context.registry.deleteConduit(request.clientId, requiredParam(request.query, 'id'));
			return { status: 204 };
		case 'GET /helix/eventsub/conduits/shards':
			return getShards(request, context);
		case 'PATCH /helix/eventsub/conduits/shards':
			return updateShards(request, context);
		case 'POST /helix/eventsub/subscriptions':
			return createSubscription(request, context);
		case 'GET /helix/eventsub/subscriptions':
			return getSubscriptions(request, context);
		case 'DELETE /helix/eventsub/subscriptions':
			context.registry.deleteSubscription(request.clientId, requiredParam(request.query, 'id'));
			return { status: 204 };
		default:
			throw new TwitchHttpError(404, '');
	}
}

/** POST /helix/eventsub/conduits {shard_count} → 200 {data:[conduit]}; the sixth conduit → 429. */
function createConduit(request: EventSubRequest, context: EventSubRestContext): EventSubAnswer {
	const shardCount = shardCountOf(jsonBody(request.body));
	return { status: 200, body: { data: [context.registry.createConduit(request.clientId, shardCount)] } };
}

/** PATCH /helix/eventsub/conduits {id, shard_count} → 200 {data:[conduit]}. */
function updateConduit(request: EventSubRequest, context: EventSubRestContext): EventSubAnswer {
	const body = jsonBody(request.body);
	if (typeof body.id !== 'string' || body.id === '') throw badRequest('The id field is required.');
	const conduit = context.registry.resizeConduit(request.clientId, body.id, shardCountOf(body));
	return { status: 200, body: { data: [conduit] } };
}

/** GET /helix/eventsub/conduits/shards?conduit_id=…[&status=…][&after=…] → 200, paginated. */
function getShards(request: EventSubRequest, context: EventSubRestContext): EventSubAnswer {
	const conduitId = requiredParam(request.query, 'conduit_id');
	const status = singleParam(request.query, 'status');
	let shards = context.registry.shardsOf(request.clientId, conduitId);
	if (status !== undefined) shards = shards.filter((shard) => shard.status === status);
	return { status: 200, body: paginate(shards, withPageSize(request.query)) };
}

/**
 * PATCH /helix/eventsub/conduits/shards {conduit_id, shards:[{id, transport}]} → 202 {data, errors}: each shard is
 * attached or gets an error of its own; the request as a whole fails only for a missing or unknown conduit.
 */
function updateShards(request: EventSubRequest, context: EventSubRestContext): EventSubAnswer {
	const body = jsonBody(request.body);
	if (typeof body.conduit_id !== 'string' || body.conduit_id === '') {
		throw badRequest('The conduit_id field is required.');
	}
	if (!Array.isArray(body.shards) || body.shards.length === 0) throw badRequest('The shards field is required.');
	const conduitId = body.conduit_id;
	const { registry } = context;
	registry.requireConduitExists(request.clientId, conduitId);

	const data: RawConduitShard[] = [];
	const errors: Array<{ id: string; message: string; code: string }> = [];
	for (const item of body.shards as unknown[]) {
		const update = (item ?? {}) as { id?: unknown; transport?: { method?: unknown; session_id?: unknown } };
		const id = typeof update.id === 'string' ? update.id : String(update.id);
		// Twitch documents the messages; of the codes only 'invalid_parameter' (for the range) appears in its example.
		if (!registry.hasShard(request.clientId, conduitId, id)) {
			errors.push({ id, message: "The shard id is outside the conduit's range", code: 'invalid_parameter' });
			continue;
		}
		const transport = update.transport ?? {};
		if (transport.method !== 'websocket') {
			// Webhook shards exist on Twitch; the fake delivers over WebSockets only.
			errors.push({ id, message: 'The value specified in the method field is not valid.', code: 'invalid_parameter' });
			continue;
		}
		if (typeof transport.session_id !== 'string' || transport.session_id === '') {
			errors.push({
				id,
				message: 'The session_id field is required if you specify the WebSocket transport method.',
				code: 'missing_parameter',
			});
			continue;
		}
		const session = context.connectedSession(transport.session_id);
		if (!session) {
			errors.push({ id, message: 'The websocket session is not connected.', code: 'websocket_session_not_connected' });
			continue;
		}
		data.push(registry.attachShard(request.clientId, conduitId, id, session));
		context.onAttached(session.id);
	}
	return { status: 202, body: { data, errors } };
}

/** POST /helix/eventsub/subscriptions → 202 {data:[sub], total, total_cost, max_total_cost}; 409 duplicate; 429 over budget. */
function createSubscription(request: EventSubRequest, context: EventSubRestContext): EventSubAnswer {
	const body = jsonBody(request.body);
	if (
		typeof body.type !== 'string' ||
		typeof body.version !== 'string' ||
		!SUPPORTED_TYPES.has(body.type) ||
		body.version !== '1'
	) {
		throw badRequest('The combination of values in the version and type fields is not valid.');
	}
	const condition = body.condition;
	if (typeof condition !== 'object' || condition === null) throw badRequest('The condition field is required.');
	const broadcaster = (condition as { broadcaster_user_id?: unknown }).broadcaster_user_id;
	if (typeof broadcaster !== 'string' || broadcaster === '') {
		throw badRequest('The condition object is missing one or more required fields.');
	}
	const transport = (body.transport ?? {}) as { method?: unknown; conduit_id?: unknown };
	// Webhook and WebSocket transports exist on Twitch; with an app token and no webhooks, conduit is the only one.
	if (transport.method !== 'conduit') throw badRequest('The value specified in the method field is not valid.');
	if (typeof transport.conduit_id !== 'string' || transport.conduit_id === '') {
		throw badRequest('The conduit_id field is required if you specify the Conduit transport method.');
	}
	if (!context.userExists(broadcaster)) {
		throw badRequest('The user specified in the condition object does not exist.');
	}
	const { registry } = context;
	const subscription = registry.createSubscription(
		request.clientId,
		body.type as FakeSubscriptionType,
		broadcaster,
		transport.conduit_id,
		eventsubTimestamp(context.now()),
	);
	return { status: 202, body: { data: [subscription], ...registry.totalsOf(request.clientId) } };
}

/**
 * GET /helix/eventsub/subscriptions: at most one of status, type, user_id and subscription_id (two → 400), oldest
 * first, with total, total_cost, max_total_cost and pagination.
 */
function getSubscriptions(request: EventSubRequest, context: EventSubRestContext): EventSubAnswer {
	const { query } = request;
	const filters = SUBSCRIPTION_FILTERS.filter((name) => query.has(name));
	if (filters.length > 1) {
		throw badRequest(
			'The request may specify only one filter query parameter. For example, either type or status or user_id.',
		);
	}
	const filter = filters[0];
	const value = filter === undefined ? undefined : singleParam(query, filter);
	let list: RawEventSubSubscription[] = context.registry.subscriptionsOf(request.clientId);
	if (filter === 'type' && value !== undefined && !SUPPORTED_TYPES.has(value)) {
		throw badRequest('The value in the type query parameter is not valid.');
	}
	if (filter !== undefined) list = list.filter((subscription) => matchesFilter(subscription, filter, value ?? ''));
	const page = paginate(list, withPageSize(query));
	return {
		status: 200,
		body: {
			data: page.data.map((subscription) => ({ ...subscription })),
			...context.registry.totalsOf(request.clientId),
			pagination: page.pagination,
		},
	};
}

function matchesFilter(
	subscription: RawEventSubSubscription,
	filter: (typeof SUBSCRIPTION_FILTERS)[number],
	value: string,
): boolean {
	switch (filter) {
		case 'status':
			return subscription.status === value;
		case 'type':
			return subscription.type === value;
		case 'user_id':
			return subscription.condition.broadcaster_user_id === value;
		case 'subscription_id':
			return subscription.id === value;
	}
}

function shardCountOf(body: Record<string, unknown>): number {
	const count = body.shard_count;
	if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_SHARDS_PER_CONDUIT) {
		throw badRequest('Invalid shard count');
	}
	return count;
}

/** The query with `first` defaulting to 100 instead of Helix's usual 20. */
function withPageSize(query: URLSearchParams): URLSearchParams {
	if (query.has('first')) return query;
	const copy = new URLSearchParams(query);
	copy.set('first', EVENTSUB_PAGE_SIZE);
	return copy;
}

function jsonBody(body: string): Record<string, unknown> {
	let parsed: unknown;
	try {
		parsed = JSON.parse(body);
	} catch {
		throw badRequest('The request body is not valid JSON.');
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw badRequest('The request body must be a JSON object.');
	}
	return parsed as Record<string, unknown>;
}
