/**
 * The fake Twitch's EventSub over conduits: the Helix routes (conduits, shards, subscriptions) over real HTTP and the
 * WebSocket with Node's own WebSocket client, on 127.0.0.1. Timings are shortened through the fake's options so that
 * every test ends within a second or two.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
	type EventSubWsMessage,
	type FakeTwitch,
	type FakeTwitchOptions,
	type RawConduitShard,
	type RawEventSubSubscription,
	startFakeTwitch,
} from './fakes/twitch/index.ts';

type MessageType = EventSubWsMessage['metadata']['message_type'];
type MessageOf<T extends MessageType> = Extract<EventSubWsMessage, { metadata: { message_type: T } }>;

/** How long a test waits for something the fake should do at once. */
const WAIT_MS = 1000;
/** Timings that stay out of the way unless a test shortens them. */
const QUIET: FakeTwitchOptions = {
	eventsubKeepaliveMs: 5000,
	eventsubUnusedCloseMs: 5000,
	eventsubReconnectGraceMs: 5000,
};

let fake: FakeTwitch;
let nowMs: number;
let token: string;
const clients: EventSubClient[] = [];

async function start(options: FakeTwitchOptions = {}): Promise<void> {
	await fake?.close();
	fake = await startFakeTwitch({ now: () => nowMs, ...QUIET, ...options });
	token = fake.issueToken();
}

beforeEach(async () => {
	nowMs = Date.parse('2025-03-01T12:00:00Z');
	await start();
});

afterEach(async () => {
	for (const client of clients.splice(0)) client.socket.close();
	await fake.close();
});

/** A test's end of an EventSub WebSocket: every message kept, read in order with `next`. */
class EventSubClient {
	readonly socket: WebSocket;
	readonly messages: EventSubWsMessage[] = [];
	readonly closed: Promise<{ code: number; reason: string }>;
	#cursor = 0;

	constructor(url: string) {
		this.socket = new WebSocket(url);
		this.socket.addEventListener('message', (event) => {
			this.messages.push(JSON.parse(String(event.data)) as EventSubWsMessage);
		});
		this.closed = new Promise((resolve) => {
			this.socket.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason }));
		});
		clients.push(this);
	}

	/** The next message of that type after the last one read (others in between are skipped). */
	async next<T extends MessageType>(type: T, ms = WAIT_MS): Promise<MessageOf<T>> {
		const deadline = performance.now() + ms;
		for (;;) {
			const index = this.messages.findIndex(
				(message, at) => at >= this.#cursor && message.metadata.message_type === type,
			);
			if (index >= 0) {
				this.#cursor = index + 1;
				return this.messages[index] as MessageOf<T>;
			}
			if (performance.now() > deadline) throw new Error(`no ${type} within ${ms} ms`);
			await sleep(5);
		}
	}

	/** The close, or an error if the socket is still open after `ms`. */
	closedWithin(ms = WAIT_MS): Promise<{ code: number; reason: string }> {
		return Promise.race([
			this.closed,
			sleep(ms).then(() => Promise.reject(new Error(`socket still open after ${ms} ms`))),
		]);
	}

	notifications(): Array<MessageOf<'notification'>> {
		return this.messages.filter((message): message is MessageOf<'notification'> => {
			return message.metadata.message_type === 'notification';
		});
	}
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Connects and returns the client with its session id (from the welcome). */
async function connect(url = fake.eventsubWsUrl): Promise<{ client: EventSubClient; sessionId: string }> {
	const client = new EventSubClient(url);
	const welcome = await client.next('session_welcome');
	return { client, sessionId: welcome.payload.session.id };
}

/** A Helix call with the fake's client id and the test's app token. */
async function api(
	method: string,
	path: string,
	body?: unknown,
	auth: { token?: string } = {},
): Promise<{ status: number; json: unknown }> {
	const headers: Record<string, string> = {
		Authorization: `Bearer ${auth.token ?? token}`,
		'Client-Id': fake.clientId,
	};
	const init: RequestInit = { method, headers };
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	const res = await fetch(`${fake.helixUrl}${path}`, init);
	const text = await res.text();
	return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

async function createConduit(shardCount = 1): Promise<string> {
	const { status, json } = await api('POST', '/eventsub/conduits', { shard_count: shardCount });
	expect(status).toBe(200);
	return (json as { data: Array<{ id: string }> }).data[0]?.id ?? '';
}

async function attach(conduitId: string, sessionId: string, shardId = '0') {
	const { status, json } = await api('PATCH', '/eventsub/conduits/shards', {
		conduit_id: conduitId,
		shards: [{ id: shardId, transport: { method: 'websocket', session_id: sessionId } }],
	});
	expect(status).toBe(202);
	return json as { data: RawConduitShard[]; errors: Array<{ id: string; message: string; code: string }> };
}

async function subscribe(conduitId: string, broadcasterId: string, type = 'stream.online') {
	return api('POST', '/eventsub/subscriptions', {
		type,
		version: '1',
		condition: { broadcaster_user_id: broadcasterId },
		transport: { method: 'conduit', conduit_id: conduitId },
	});
}

async function subscribed(conduitId: string, broadcasterId: string, type = 'stream.online') {
	const { status, json } = await subscribe(conduitId, broadcasterId, type);
	expect(status).toBe(202);
	return (json as { data: RawEventSubSubscription[] }).data[0] as RawEventSubSubscription;
}

function shardOf(conduitId: string, shardId = '0'): RawConduitShard | undefined {
	return fake.eventsub.shards.get(conduitId)?.find((shard) => shard.id === shardId);
}

/** A connected session attached to shard 0 of a new conduit, with online and offline subscriptions for a user. */
async function watchedUser(login = 'streamer') {
	const user = fake.addUser({ login, display_name: login.toUpperCase() });
	const conduitId = await createConduit();
	const { client, sessionId } = await connect();
	await attach(conduitId, sessionId);
	const online = await subscribed(conduitId, user.id, 'stream.online');
	const offline = await subscribed(conduitId, user.id, 'stream.offline');
	return { user, conduitId, client, sessionId, online, offline };
}

describe('EventSub WebSocket sessions', () => {
	it('welcomes a session with its id and keepalive window, then sends a keepalive after silence', async () => {
		await start({ eventsubKeepaliveMs: 100 });
		// Timed from before the connection: the window starts when the fake sends the welcome, which a loaded machine
		// may deliver tens of milliseconds later, so the time since the welcome arrived can be under the window.
		const connectingAt = performance.now();
		const client = new EventSubClient(`${fake.eventsubWsUrl}?keepalive_timeout_seconds=30`);
		const welcome = await client.next('session_welcome');
		expect(welcome.metadata).toEqual({
			message_id: expect.any(String),
			message_type: 'session_welcome',
			message_timestamp: '2025-03-01T12:00:00.000000000Z',
		});
		expect(welcome.payload.session).toEqual({
			id: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
			status: 'connected',
			connected_at: '2025-03-01T12:00:00.000000000Z',
			keepalive_timeout_seconds: 30,
			reconnect_url: null,
		});

		const keepalive = await client.next('session_keepalive');
		expect(performance.now() - connectingAt).toBeGreaterThanOrEqual(95);
		expect(keepalive.payload).toEqual({});
		expect(keepalive.metadata.message_id).not.toBe(welcome.metadata.message_id);
		expect(fake.eventsub.sessions).toEqual([
			expect.objectContaining({ id: welcome.payload.session.id, status: 'connected', keepaliveTimeoutSeconds: 30 }),
		]);
	});

	it('answers keepalive_timeout_seconds outside 10–600 with the nearest value, and refuses a non-number', async () => {
		const short = new EventSubClient(`${fake.eventsubWsUrl}?keepalive_timeout_seconds=3`);
		expect((await short.next('session_welcome')).payload.session.keepalive_timeout_seconds).toBe(10);
		const long = new EventSubClient(`${fake.eventsubWsUrl}?keepalive_timeout_seconds=9000`);
		expect((await long.next('session_welcome')).payload.session.keepalive_timeout_seconds).toBe(600);
		const plain = new EventSubClient(fake.eventsubWsUrl);
		expect((await plain.next('session_welcome')).payload.session.keepalive_timeout_seconds).toBe(10);

		const bad = new EventSubClient(`${fake.eventsubWsUrl}?keepalive_timeout_seconds=soon`);
		expect((await bad.closedWithin()).code).toBe(1006);
		expect(bad.messages).toEqual([]);
	});

	it('closes with 4003 a session that no shard names within the unused window, and spares an attached one', async () => {
		await start({ eventsubUnusedCloseMs: 150 });
		const conduitId = await createConduit();
		const unused = await connect();
		const used = await connect();
		await attach(conduitId, used.sessionId);

		expect((await unused.client.closedWithin()).code).toBe(4003);
		await sleep(100);
		expect(used.client.socket.readyState).toBe(WebSocket.OPEN);
		const sessions = fake.eventsub.sessions;
		expect(sessions.find((session) => session.id === unused.sessionId)).toMatchObject({
			status: 'disconnected',
			closeCode: 4003,
			attached: false,
		});
		expect(sessions.find((session) => session.id === used.sessionId)).toMatchObject({
			status: 'connected',
			attached: true,
		});
	});

	it('closes with 4001 on any message from the client and disables its shard', async () => {
		const conduitId = await createConduit();
		const { client } = await connect().then(async (connected) => {
			await attach(conduitId, connected.sessionId);
			return connected;
		});
		client.socket.send('{"type":"PING"}');
		expect((await client.closedWithin()).code).toBe(4001);
		await sleep(20);
		expect(shardOf(conduitId)).toMatchObject({
			status: 'websocket_received_inbound_traffic',
			transport: { disconnected_at: expect.any(String) },
		});
	});

	it('ends a socket without a close frame on drop, or with 4000 / 4006, and disables the shard', async () => {
		const conduitId = await createConduit(3);
		const first = await connect();
		const second = await connect();
		const third = await connect();
		await attach(conduitId, first.sessionId, '0');
		await attach(conduitId, second.sessionId, '1');
		await attach(conduitId, third.sessionId, '2');

		fake.eventsub.drop(first.sessionId);
		fake.eventsub.drop(second.sessionId, { code: 4000 });
		fake.eventsub.drop(third.sessionId, { code: 4006 });
		expect((await first.client.closedWithin()).code).toBe(1006);
		expect((await second.client.closedWithin()).code).toBe(4000);
		expect((await third.client.closedWithin()).code).toBe(4006);
		await sleep(20);
		expect(fake.eventsub.shards.get(conduitId)?.map((shard) => shard.status)).toEqual([
			'websocket_network_error',
			'websocket_internal_error',
			'websocket_network_error',
		]);
		expect(fake.eventsub.openSockets).toBe(0);
	});
});

describe('conduits and shards', () => {
	it('limits a client to 5 conduits with a 429, and lists, resizes and deletes them', async () => {
		const ids: string[] = [];
		for (let n = 0; n < 5; n++) ids.push(await createConduit(n + 1));
		const sixth = await api('POST', '/eventsub/conduits', { shard_count: 1 });
		expect(sixth.status).toBe(429);
		expect(sixth.json).toEqual({ error: 'Too Many Requests', status: 429, message: 'Conduit limit reached' });

		const listed = await api('GET', '/eventsub/conduits');
		expect(listed.json).toEqual({ data: ids.map((id, n) => ({ id, shard_count: n + 1 })) });

		const resized = await api('PATCH', '/eventsub/conduits', { id: ids[0], shard_count: 4 });
		expect(resized).toEqual({ status: 200, json: { data: [{ id: ids[0], shard_count: 4 }] } });
		expect((await api('PATCH', '/eventsub/conduits', { id: 'nope', shard_count: 4 })).status).toBe(404);
		expect((await api('POST', '/eventsub/conduits', { shard_count: 0 })).status).toBe(400);

		expect(await api('DELETE', `/eventsub/conduits?id=${ids[1]}`)).toEqual({ status: 204, json: undefined });
		expect((await api('DELETE', `/eventsub/conduits?id=${ids[1]}`)).status).toBe(404);
		expect((await api('POST', '/eventsub/conduits', { shard_count: 1 })).status).toBe(200);

		// Another application has its own five.
		const other = fake.addClient();
		const otherToken = fake.issueToken({ clientId: other.clientId });
		const res = await fetch(`${fake.helixUrl}/eventsub/conduits`, {
			headers: { Authorization: `Bearer ${otherToken}`, 'Client-Id': other.clientId },
		});
		expect(await res.json()).toEqual({ data: [] });
	});

	it('needs the app token and Client-Id like every Helix route', async () => {
		expect((await api('GET', '/eventsub/conduits', undefined, { token: 'not-a-token' })).status).toBe(401);
		const res = await fetch(`${fake.helixUrl}/eventsub/conduits`, { headers: { Authorization: `Bearer ${token}` } });
		expect(res.status).toBe(401);
		expect(res.headers.get('ratelimit-limit')).toBe('800');
	});

	it('attaches a session to a shard with 202, and reports an unknown session and an out-of-range shard as errors', async () => {
		const conduitId = await createConduit(2);
		const { sessionId } = await connect();
		const { status, json } = await api('PATCH', '/eventsub/conduits/shards', {
			conduit_id: conduitId,
			shards: [
				{ id: '1', transport: { method: 'websocket', session_id: sessionId } },
				{ id: '0', transport: { method: 'websocket', session_id: 'no-such-session' } },
				{ id: '2', transport: { method: 'websocket', session_id: sessionId } },
			],
		});
		expect(status).toBe(202);
		expect(json).toEqual({
			data: [
				{
					id: '1',
					status: 'enabled',
					transport: { method: 'websocket', session_id: sessionId, connected_at: '2025-03-01T12:00:00.000000000Z' },
				},
			],
			errors: [
				{ id: '0', message: 'The websocket session is not connected.', code: expect.any(String) },
				{ id: '2', message: "The shard id is outside the conduit's range", code: 'invalid_parameter' },
			],
		});
		const missing = await api('PATCH', '/eventsub/conduits/shards', { conduit_id: 'nope', shards: [{ id: '0' }] });
		expect(missing.status).toBe(404);
	});

	it('lists shards with their status and transport, filtered by status and paged', async () => {
		const conduitId = await createConduit(5);
		const { sessionId } = await connect();
		await attach(conduitId, sessionId, '3');

		const first = await api('GET', `/eventsub/conduits/shards?conduit_id=${conduitId}&first=2`);
		const page = first.json as { data: RawConduitShard[]; pagination: { cursor?: string } };
		expect(page.data).toEqual([
			{ id: '0', status: 'websocket_disconnected', transport: { method: 'websocket', session_id: '' } },
			{ id: '1', status: 'websocket_disconnected', transport: { method: 'websocket', session_id: '' } },
		]);
		const rest = await api(
			'GET',
			`/eventsub/conduits/shards?conduit_id=${conduitId}&after=${page.pagination.cursor ?? ''}`,
		);
		expect((rest.json as { data: RawConduitShard[] }).data.map((shard) => shard.id)).toEqual(['2', '3', '4']);
		expect((rest.json as { pagination: object }).pagination).toEqual({});

		const enabled = await api('GET', `/eventsub/conduits/shards?conduit_id=${conduitId}&status=enabled`);
		expect((enabled.json as { data: RawConduitShard[] }).data).toEqual([
			{ id: '3', status: 'enabled', transport: expect.objectContaining({ session_id: sessionId }) },
		]);
		expect((await api('GET', '/eventsub/conduits/shards')).status).toBe(400);
	});

	it('marks the subscriptions of a deleted conduit conduit_deleted, which no longer cost', async () => {
		const user = fake.addUser({ login: 'someone' });
		const conduitId = await createConduit();
		await subscribed(conduitId, user.id);
		expect((await api('DELETE', `/eventsub/conduits?id=${conduitId}`)).status).toBe(204);
		const list = await api('GET', '/eventsub/subscriptions');
		expect(list.json).toMatchObject({
			data: [expect.objectContaining({ status: 'conduit_deleted' })],
			total: 1,
			total_cost: 0,
		});
	});
});

describe('subscriptions', () => {
	it('creates a stream.online subscription on a conduit with 202, its cost and the totals', async () => {
		const user = fake.addUser({ login: 'creator' });
		const conduitId = await createConduit();
		const { status, json } = await subscribe(conduitId, user.id);
		expect(status).toBe(202);
		expect(json).toEqual({
			data: [
				{
					id: expect.stringMatching(/^[0-9a-f-]{36}$/),
					status: 'enabled',
					type: 'stream.online',
					version: '1',
					condition: { broadcaster_user_id: user.id },
					created_at: '2025-03-01T12:00:00.000000000Z',
					transport: { method: 'conduit', conduit_id: conduitId },
					cost: 1,
				},
			],
			total: 1,
			total_cost: 1,
			max_total_cost: 10_000,
		});
	});

	it('answers 409 for a second subscription with the same type and condition', async () => {
		const user = fake.addUser({ login: 'twice' });
		const conduitId = await createConduit();
		await subscribed(conduitId, user.id, 'stream.online');
		const again = await subscribe(conduitId, user.id, 'stream.online');
		expect(again.status).toBe(409);
		expect(again.json).toMatchObject({ error: 'Conflict', status: 409 });
		expect((await subscribe(conduitId, user.id, 'stream.offline')).status).toBe(202);
	});

	it('answers 400 for an unknown type, a missing condition, an unknown user and a non-conduit transport', async () => {
		const user = fake.addUser({ login: 'valid' });
		const conduitId = await createConduit();
		const base = {
			type: 'stream.online',
			version: '1',
			condition: { broadcaster_user_id: user.id },
			transport: { method: 'conduit', conduit_id: conduitId },
		};
		const bad = [
			{ ...base, type: 'channel.follow' },
			{ ...base, version: '2' },
			{ ...base, condition: undefined },
			{ ...base, condition: { broadcaster_user_id: '424242' } },
			{ ...base, transport: { method: 'websocket', session_id: 'x' } },
			{ ...base, transport: { method: 'conduit' } },
		];
		for (const body of bad) expect((await api('POST', '/eventsub/subscriptions', body)).status).toBe(400);
		expect(fake.eventsub.subscriptions).toEqual([]);
	});

	it('answers 429 past max_total_cost, counting enabled subscriptions only', async () => {
		await start({ eventsubMaxTotalCost: 3 });
		const conduitId = await createConduit();
		const users = ['a_user', 'b_user', 'c_user', 'd_user'].map((login) => fake.addUser({ login }));
		const created: RawEventSubSubscription[] = [];
		for (const user of users.slice(0, 3)) created.push(await subscribed(conduitId, user.id));
		const over = await subscribe(conduitId, users[3]?.id ?? '');
		expect(over.status).toBe(429);
		expect(over.json).toMatchObject({ error: 'Too Many Requests', status: 429 });

		fake.eventsub.revoke(created[0]?.id ?? '', 'user_removed');
		const after = await subscribe(conduitId, users[3]?.id ?? '');
		expect(after.status).toBe(202);
		expect(after.json).toMatchObject({ total: 4, total_cost: 3, max_total_cost: 3 });

		fake.eventsub.setMaxTotalCost(10);
		expect((await api('GET', '/eventsub/subscriptions')).json).toMatchObject({ total_cost: 3, max_total_cost: 10 });
	});

	it('takes at most one filter (two → 400) and filters by status, type, user_id and subscription_id', async () => {
		const [a, b] = [fake.addUser({ login: 'alpha' }), fake.addUser({ login: 'beta' })];
		const conduitId = await createConduit();
		const aOnline = await subscribed(conduitId, a.id, 'stream.online');
		const aOffline = await subscribed(conduitId, a.id, 'stream.offline');
		const bOnline = await subscribed(conduitId, b.id, 'stream.online');
		fake.eventsub.revoke(bOnline.id, 'authorization_revoked');

		const two = await api('GET', `/eventsub/subscriptions?type=stream.online&user_id=${a.id}`);
		expect(two.status).toBe(400);
		expect(two.json).toMatchObject({ error: 'Bad Request', status: 400 });

		const ids = async (query: string) =>
			((await api('GET', `/eventsub/subscriptions?${query}`)).json as { data: RawEventSubSubscription[] }).data.map(
				(subscription) => subscription.id,
			);
		expect(await ids('type=stream.online')).toEqual([aOnline.id, bOnline.id]);
		expect(await ids(`user_id=${a.id}`)).toEqual([aOnline.id, aOffline.id]);
		expect(await ids('status=enabled')).toEqual([aOnline.id, aOffline.id]);
		expect(await ids('status=authorization_revoked')).toEqual([bOnline.id]);
		expect(await ids(`subscription_id=${aOffline.id}`)).toEqual([aOffline.id]);
		expect(await ids('subscription_id=unknown')).toEqual([]);
	});

	it('pages subscriptions oldest first with a cursor, every page carrying the totals', async () => {
		const conduitId = await createConduit();
		const created: string[] = [];
		for (let n = 0; n < 5; n++) {
			created.push((await subscribed(conduitId, fake.addUser({ login: `paged${n}` }).id)).id);
		}
		const seen: string[] = [];
		let cursor: string | undefined;
		let pages = 0;
		do {
			const after = cursor ? `&after=${encodeURIComponent(cursor)}` : '';
			const { json } = await api('GET', `/eventsub/subscriptions?first=2${after}`);
			const page = json as {
				data: RawEventSubSubscription[];
				total: number;
				total_cost: number;
				pagination: { cursor?: string };
			};
			expect(page).toMatchObject({ total: 5, total_cost: 5, max_total_cost: 10_000 });
			seen.push(...page.data.map((subscription) => subscription.id));
			cursor = page.pagination.cursor;
			pages += 1;
		} while (cursor);
		expect(pages).toBe(3);
		expect(seen).toEqual(created);
		expect((await api('GET', '/eventsub/subscriptions?after=garbage')).status).toBe(400);
	});

	it('deletes a subscription with 204 and answers 404 for an unknown one', async () => {
		const { online } = await watchedUser();
		expect(await api('DELETE', `/eventsub/subscriptions?id=${online.id}`)).toEqual({ status: 204, json: undefined });
		expect((await api('DELETE', `/eventsub/subscriptions?id=${online.id}`)).status).toBe(404);
		expect((await api('DELETE', '/eventsub/subscriptions')).status).toBe(400);
		expect(fake.eventsub.subscriptions.map((subscription) => subscription.type)).toEqual(['stream.offline']);
	});
});

describe('notifications', () => {
	it('delivers stream.online to the session attached to the shard when a watched user goes live', async () => {
		const { user, client, online } = await watchedUser('golive');
		const stream = fake.goLive(user.id, { title: 'Hello' });
		const notification = await client.next('notification');
		expect(notification.metadata).toEqual({
			message_id: expect.any(String),
			message_type: 'notification',
			message_timestamp: expect.stringMatching(/^2025-03-01T12:00:00\.\d{9}Z$/),
			subscription_type: 'stream.online',
			subscription_version: '1',
		});
		expect(notification.payload).toEqual({
			subscription: online,
			event: {
				id: stream.id,
				broadcaster_user_id: user.id,
				broadcaster_user_login: 'golive',
				broadcaster_user_name: 'GOLIVE',
				type: 'live',
				started_at: stream.started_at,
			},
		});
		expect(fake.eventsub.droppedNotifications).toBe(0);
	});

	it('delivers stream.offline with the broadcaster only when the stream ends', async () => {
		const { user, client, offline } = await watchedUser('ender');
		fake.goLive(user.id);
		await client.next('notification');
		fake.endStream(user.id);
		const notification = await client.next('notification');
		expect(notification.metadata.subscription_type).toBe('stream.offline');
		expect(notification.payload).toEqual({
			subscription: offline,
			event: { broadcaster_user_id: user.id, broadcaster_user_login: 'ender', broadcaster_user_name: 'ENDER' },
		});
	});

	it('sends nothing for users nobody subscribed to, and drops (counts) what finds no enabled shard', async () => {
		const { user, client } = await watchedUser('dropped');
		fake.goLive(fake.addUser({ login: 'unwatched' }).id);
		fake.eventsub.drop();
		await client.closedWithin();
		await sleep(20);
		fake.goLive(user.id);
		expect(fake.eventsub.droppedNotifications).toBe(1);
		expect(client.notifications()).toEqual([]);
	});

	it('routes to an enabled shard of a conduit with several shards', async () => {
		const user = fake.addUser({ login: 'sharded' });
		const conduitId = await createConduit(4);
		const { client, sessionId } = await connect();
		await attach(conduitId, sessionId, '2');
		await subscribed(conduitId, user.id);
		fake.goLive(user.id);
		expect((await client.next('notification')).payload.subscription.condition.broadcaster_user_id).toBe(user.id);
	});

	it('sends a revocation with the new status and nothing more for that subscription', async () => {
		const { user, client, sessionId, online } = await watchedUser('revoked');
		fake.eventsub.revoke(online.id, 'user_removed');
		const revocation = await client.next('revocation');
		expect(revocation.metadata).toMatchObject({
			message_type: 'revocation',
			subscription_type: 'stream.online',
			subscription_version: '1',
		});
		expect(revocation.payload.subscription).toEqual({ ...online, status: 'user_removed' });
		fake.goLive(user.id);
		const sent = fake.eventsub.sentMessages.get(sessionId) ?? [];
		expect(sent.map((message) => message.metadata.message_type)).toEqual(['session_welcome', 'revocation']);
		// A revoked subscription no longer blocks a new one.
		expect((await subscribe(online.transport.conduit_id, user.id)).status).toBe(202);
	});

	it('re-sends the next notification with the same message_id when asked for a duplicate', async () => {
		const { user, client } = await watchedUser('duplicated');
		fake.eventsub.duplicateNext(1);
		fake.goLive(user.id);
		const first = await client.next('notification');
		const second = await client.next('notification');
		expect(second).toEqual(first);
		fake.endStream(user.id);
		const third = await client.next('notification');
		expect(third.metadata.message_id).not.toBe(first.metadata.message_id);
		await sleep(20);
		expect(client.notifications()).toHaveLength(3);
	});

	it('delivers a held notification after the next one: the offline of an old stream after the online of a new one', async () => {
		const { user, client } = await watchedUser('flapper');
		const old = fake.goLive(user.id);
		await client.next('notification');
		fake.eventsub.reorderNext();
		fake.endStream(user.id);
		expect(client.notifications()).toHaveLength(1);
		const fresh = fake.goLive(user.id);
		const online = await client.next('notification');
		const offline = await client.next('notification');
		expect(online.payload.event).toMatchObject({ id: fresh.id });
		expect(fresh.id).not.toBe(old.id);
		expect(offline.metadata.subscription_type).toBe('stream.offline');
	});

	it('sends stream.offline then stream.online when a live user restarts with a new stream', async () => {
		const { user, client } = await watchedUser('restarter');
		fake.goLive(user.id);
		await client.next('notification');
		const second = fake.goLive(user.id);
		expect((await client.next('notification')).metadata.subscription_type).toBe('stream.offline');
		expect((await client.next('notification')).payload.event).toMatchObject({ id: second.id });
	});
});

describe('session_reconnect', () => {
	it('hands a new session to the reconnect URL, closes the old socket, and drops events until the shard is re-attached', async () => {
		const { user, client, sessionId, conduitId } = await watchedUser('mover');
		fake.eventsub.reconnect(sessionId);
		const reconnect = await client.next('session_reconnect');
		expect(reconnect.payload.session).toEqual({
			id: sessionId,
			status: 'reconnecting',
			connected_at: '2025-03-01T12:00:00.000000000Z',
			keepalive_timeout_seconds: null,
			reconnect_url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/ws\?/),
		});

		// Until the new welcome, the old socket still gets the events.
		fake.goLive(user.id);
		expect((await client.next('notification')).metadata.subscription_type).toBe('stream.online');

		const next = await connect(reconnect.payload.session.reconnect_url ?? '');
		expect(next.sessionId).not.toBe(sessionId);
		expect((await client.closedWithin()).code).toBe(1000);
		await sleep(20);
		expect(shardOf(conduitId)).toMatchObject({
			status: 'websocket_disconnected',
			transport: { session_id: sessionId },
		});
		fake.endStream(user.id);
		expect(fake.eventsub.droppedNotifications).toBe(1);

		await attach(conduitId, next.sessionId);
		fake.goLive(user.id);
		expect((await next.client.next('notification')).metadata.subscription_type).toBe('stream.online');
	});

	it('keeps the session id when told to: the shard follows the session to the new socket', async () => {
		const { user, client, sessionId, conduitId } = await watchedUser('keeper');
		fake.eventsub.reconnect(sessionId, { sessionId: 'same' });
		const reconnect = await client.next('session_reconnect');
		const next = await connect(reconnect.payload.session.reconnect_url ?? '');
		expect(next.sessionId).toBe(sessionId);
		expect((await client.closedWithin()).code).toBe(1000);
		await sleep(20);
		expect(shardOf(conduitId)?.status).toBe('enabled');
		fake.goLive(user.id);
		expect((await next.client.next('notification')).metadata.subscription_type).toBe('stream.online');
		expect(client.notifications()).toEqual([]);
	});

	it('closes the old socket with 4004 when nobody uses the reconnect URL in time, then refuses the URL with 4007', async () => {
		await start({ eventsubReconnectGraceMs: 150 });
		const { client, sessionId, conduitId } = await watchedUser('slowpoke');
		fake.eventsub.reconnect();
		const reconnect = await client.next('session_reconnect');
		expect((await client.closedWithin()).code).toBe(4004);
		await sleep(20);
		expect(shardOf(conduitId)).toMatchObject({ status: 'websocket_failed_to_reconnect' });
		expect(fake.eventsub.sessions.find((session) => session.id === sessionId)?.closeCode).toBe(4004);

		const late = new EventSubClient(reconnect.payload.session.reconnect_url ?? '');
		expect((await late.closedWithin()).code).toBe(4007);
		expect(late.messages).toEqual([]);
	});
});

describe('Get Streams lag and closing', () => {
	it('leaves a new stream out of Get Streams for streamsLagMs while Get Channel Information is current', async () => {
		await start({ streamsLagMs: 60_000 });
		const game = fake.addGame({ name: 'Chess' });
		const user = fake.addUser({ login: 'laggy' });
		fake.goLive(user.id, { title: 'Opening prep', game_id: game.id });
		expect((await api('GET', `/streams?user_id=${user.id}`)).json).toMatchObject({ data: [] });
		expect((await api('GET', `/channels?broadcaster_id=${user.id}`)).json).toMatchObject({
			data: [{ title: 'Opening prep', game_id: game.id, game_name: 'Chess' }],
		});
		nowMs += 59_999;
		expect((await api('GET', '/streams')).json).toMatchObject({ data: [] });
		nowMs += 1;
		expect((await api('GET', `/streams?user_id=${user.id}`)).json).toMatchObject({
			data: [{ user_id: user.id, title: 'Opening prep' }],
		});
		fake.setStreamsLag(0);
		const other = fake.addUser({ login: 'prompt' });
		fake.goLive(other.id);
		expect((await api('GET', `/streams?user_id=${other.id}`)).json).toMatchObject({ data: [{ user_id: other.id }] });
	});

	it('leaves nothing running after close(): sockets ended, timers cleared, no new connections', async () => {
		const { sessionId } = await watchedUser('closer');
		const idle = await connect();
		fake.eventsub.reconnect(sessionId);
		expect(fake.eventsub.openSockets).toBe(2);
		expect(fake.eventsub.pendingTimers).toBeGreaterThan(0);

		await fake.close();
		expect(fake.eventsub.openSockets).toBe(0);
		expect(fake.eventsub.pendingTimers).toBe(0);
		expect((await idle.client.closedWithin()).code).toBe(1006);
		const after = new WebSocket(fake.eventsubWsUrl);
		const outcome = await new Promise<string>((resolve) => {
			after.addEventListener('open', () => resolve('open'));
			after.addEventListener('error', () => resolve('error'));
		});
		expect(outcome).toBe('error');
	});
});
