/**
 * The fake gateway: Discord's WebSocket protocol with JSON encoding and no compression. Hello (op 10), identify
 * (op 2) → READY then one GUILD_CREATE per guild of the session's shard, heartbeats (op 1 → op 11 ack), resume
 * (op 6) replaying missed dispatches then RESUMED, invalid session (op 9) for an unknown session or an identify too
 * soon in its bucket, and dispatches (op 0) with per-session sequence numbers, each sent only to the sessions of the
 * shard that carries its guild. Close codes follow Discord's table so that discord.js reacts as it does in production.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { FakeIdentify, FakeShard } from './types.ts';

/** Gateway opcodes (Discord "Opcodes and Status Codes"). */
const Op = {
	Dispatch: 0,
	Heartbeat: 1,
	Identify: 2,
	PresenceUpdate: 3,
	VoiceStateUpdate: 4,
	Resume: 6,
	Reconnect: 7,
	RequestGuildMembers: 8,
	InvalidSession: 9,
	Hello: 10,
	HeartbeatAck: 11,
	RequestSoundboardSounds: 31,
} as const;

/** Gateway close codes the fake uses. */
const Close = {
	UnknownError: 4000,
	UnknownOpcode: 4001,
	DecodeError: 4002,
	NotAuthenticated: 4003,
	AuthenticationFailed: 4004,
	AlreadyAuthenticated: 4005,
	InvalidShard: 4010,
	ShardingRequired: 4011,
	InvalidApiVersion: 4012,
	InvalidIntents: 4013,
} as const;

/** Intent bits that gate the dispatches the fake sends. */
export const Intent = {
	Guilds: 1 << 0,
	GuildMessages: 1 << 9,
} as const;

/** Dispatches kept per session for a resume to replay. */
const RESUME_BACKLOG = 1000;

/** Discord lets one identify per rate-limit bucket through every 5 seconds (gateway "Sharding", max_concurrency). */
export const IDENTIFY_INTERVAL_MS = 5000;

/** Discord's cap on the guilds one session may carry before it asks the bot to shard (close 4011). */
export const MAX_GUILDS_PER_SHARD = 2500;

/** Which shard of `shardCount` carries the guild: `(guild_id >> 22) % shard_count` (Discord's formula). */
export function shardOfGuild(guildId: string, shardCount: number): number {
	return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

interface GatewaySession {
	id: string;
	intents: number;
	shard: FakeShard;
	seq: number;
	socket: WebSocket | null;
	backlog: Array<{ s: number; frame: string }>;
}

interface Connection {
	socket: WebSocket;
	session: GatewaySession | null;
}

export interface GatewayWorldView {
	readyUser(): Record<string, unknown>;
	applicationId: string;
	/** Ids of the guilds the bot is in (READY lists those of the session's shard as unavailable). */
	guildIds(): string[];
	/** GUILD_CREATE payload of a guild the bot is in. */
	guildCreate(guildId: string): Record<string, unknown>;
	/** Members known for op 8 requests: the bot member of the guild. */
	guildMembers(guildId: string): Array<Record<string, unknown>>;
}

export interface FakeGatewayOptions {
	botToken: string;
	heartbeatIntervalMs: number;
	world: GatewayWorldView;
	/** The URL to hand out as `resume_gateway_url` (filled in once the server listens). */
	url(): string;
	/** `session_start_limit.max_concurrency`: the number of identify buckets. */
	maxConcurrency: number;
	/** More guilds than this on any shard of the identified shard count → close 4011. */
	maxGuildsPerShard: number;
	/** 'refuse': an identify within 5 s of its bucket's last gets op 9 (Discord); 'record': it is served, and counted. */
	identifyRateLimit: 'refuse' | 'record';
}

/** Where a dispatch goes: the sessions of the shard carrying `guildId` (null: a DM, which shard 0 carries). */
export interface DispatchRoute {
	guildId: string | null;
	/** The intent that carries the event (0 or absent: none needed, like interactions). */
	intent?: number;
}

export class FakeGateway {
	readonly #server: WebSocketServer;
	readonly #options: FakeGatewayOptions;
	readonly #connections = new Set<Connection>();
	readonly #sessions = new Map<string, GatewaySession>();
	readonly #identifies: FakeIdentify[] = [];
	/** Per bucket, when the gateway last served an identify (READY). */
	readonly #lastServedIdentify = new Map<number, number>();

	constructor(options: FakeGatewayOptions) {
		this.#options = options;
		this.#server = new WebSocketServer({ noServer: true });
	}

	/** Takes over an HTTP upgrade request (the REST server and the gateway share one port). */
	handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
		this.#server.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, request));
	}

	/** Sessions whose socket is open and identified (or resumed). */
	get connectedSessions(): number {
		let count = 0;
		for (const session of this.#sessions.values()) if (session.socket) count++;
		return count;
	}

	/** The shards of the sessions whose socket is open and identified (or resumed), by shard count then id. */
	get connectedShards(): FakeShard[] {
		return [...this.#sessions.values()]
			.filter((session) => session.socket)
			.map((session) => session.shard)
			.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
	}

	/** Every well-formed identify, in order (refused ones included). */
	get identifies(): readonly FakeIdentify[] {
		return this.#identifies;
	}

	/** Identifies that came within 5 s of the previous one served in their bucket. */
	get identifyViolations(): number {
		return this.#identifies.filter((identify) => identify.tooFast).length;
	}

	/** Identifies served (READY sent), for `session_start_limit.remaining`. */
	get servedIdentifies(): number {
		return this.#identifies.filter((identify) => !identify.refused).length;
	}

	/** Whether a session (connected or resumable) of the shard carrying the guild would receive its dispatches. */
	hasSessionFor(guildId: string | null): boolean {
		for (const session of this.#sessions.values()) if (this.#carries(session, guildId)) return true;
		return false;
	}

	/**
	 * Sends a dispatch to the sessions of the shard that carries the guild (a disconnected but resumable session
	 * keeps it for the resume), provided the session identified with the intent that carries the event.
	 */
	dispatch(event: string, data: unknown, route: DispatchRoute): void {
		const intent = route.intent ?? 0;
		for (const session of this.#sessions.values()) {
			if (intent !== 0 && (session.intents & intent) === 0) continue;
			if (!this.#carries(session, route.guildId)) continue;
			this.#dispatchTo(session, event, data);
		}
	}

	#carries(session: GatewaySession, guildId: string | null): boolean {
		const [shardId, shardCount] = session.shard;
		// Direct messages come on shard 0 (Discord's sharding rules).
		return guildId === null ? shardId === 0 : shardOfGuild(guildId, shardCount) === shardId;
	}

	/** Closes every socket with `code`; sessions stay resumable unless the code ends them (1000/1001). */
	disconnectAll(code: number): void {
		for (const connection of this.#connections) connection.socket.close(code, 'fake Discord: simulated disconnect');
	}

	async close(): Promise<void> {
		for (const connection of this.#connections) connection.socket.terminate();
		this.#connections.clear();
		this.#sessions.clear();
		await new Promise<void>((resolve) => this.#server.close(() => resolve()));
	}

	#accept(socket: WebSocket, request: IncomingMessage): void {
		const connection: Connection = { socket, session: null };
		this.#connections.add(connection);
		socket.on('close', (code) => this.#onClose(connection, code));
		socket.on('error', () => {
			/* a client vanishing mid-frame: the close handler cleans up */
		});

		const query = new URL(request.url ?? '/', 'ws://fake').searchParams;
		const version = query.get('v');
		if (version !== null && version !== '10' && version !== '9') {
			socket.close(Close.InvalidApiVersion, 'Invalid API version');
			return;
		}
		if (query.get('encoding') !== null && query.get('encoding') !== 'json') {
			socket.close(Close.DecodeError, 'fake Discord only speaks encoding=json');
			return;
		}
		// Compression is not offered: text frames are plain JSON, which discord.js parses even when it asked for
		// zlib-stream (it only inflates binary frames).
		this.#send(socket, {
			op: Op.Hello,
			d: { heartbeat_interval: this.#options.heartbeatIntervalMs },
			s: null,
			t: null,
		});
		socket.on('message', (data, isBinary) => this.#onMessage(connection, data, isBinary));
	}

	#onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
		let payload: { op?: unknown; d?: unknown };
		try {
			if (isBinary) throw new Error('binary frames need etf/compression');
			payload = JSON.parse(data.toString()) as { op?: unknown; d?: unknown };
		} catch {
			connection.socket.close(Close.DecodeError, 'Error while decoding payload.');
			return;
		}
		switch (payload.op) {
			case Op.Heartbeat:
				this.#send(connection.socket, { op: Op.HeartbeatAck, d: null, s: null, t: null });
				return;
			case Op.Identify:
				this.#identify(connection, payload.d);
				return;
			case Op.Resume:
				this.#resume(connection, payload.d);
				return;
			case Op.PresenceUpdate:
			case Op.VoiceStateUpdate:
			case Op.RequestSoundboardSounds:
				if (!connection.session) connection.socket.close(Close.NotAuthenticated, 'Not authenticated.');
				return;
			case Op.RequestGuildMembers:
				this.#requestGuildMembers(connection, payload.d);
				return;
			default:
				connection.socket.close(Close.UnknownOpcode, 'Unknown opcode.');
		}
	}

	#identify(connection: Connection, data: unknown): void {
		if (connection.session) {
			connection.socket.close(Close.AlreadyAuthenticated, 'Already authenticated.');
			return;
		}
		const identify = (data ?? {}) as { token?: unknown; intents?: unknown; shard?: unknown };
		if (identify.token !== this.#options.botToken) {
			connection.socket.close(Close.AuthenticationFailed, 'Authentication failed.');
			return;
		}
		if (typeof identify.intents !== 'number' || !Number.isInteger(identify.intents) || identify.intents < 0) {
			connection.socket.close(Close.InvalidIntents, 'Invalid intent(s).');
			return;
		}
		const shard = identify.shard === undefined ? ([0, 1] as const) : parseShard(identify.shard);
		if (!shard) {
			connection.socket.close(Close.InvalidShard, 'Invalid shard.');
			return;
		}
		const { world } = this.#options;
		const guildIds = world.guildIds();
		if (busiestShard(guildIds, shard[1]) > this.#options.maxGuildsPerShard) {
			connection.socket.close(Close.ShardingRequired, 'Sharding required.');
			return;
		}
		if (!this.#admitIdentify(shard)) {
			// d: false: the client may not resume; it waits and identifies anew (Discord's answer to a too-fast identify).
			this.#send(connection.socket, { op: Op.InvalidSession, d: false, s: null, t: null });
			return;
		}

		const session: GatewaySession = {
			id: randomBytes(16).toString('hex'),
			intents: identify.intents,
			shard,
			seq: 0,
			socket: connection.socket,
			backlog: [],
		};
		this.#sessions.set(session.id, session);
		connection.session = session;

		const ownGuildIds = guildIds.filter((guildId) => this.#carries(session, guildId));
		this.#dispatchTo(session, 'READY', {
			v: 10,
			user: world.readyUser(),
			user_settings: {},
			guilds: ownGuildIds.map((id) => ({ id, unavailable: true })),
			guild_join_requests: [],
			relationships: [],
			private_channels: [],
			presences: [],
			session_id: session.id,
			session_type: 'normal',
			resume_gateway_url: this.#options.url(),
			shard: [...shard],
			application: { id: world.applicationId, flags: 0 },
			geo_ordered_rtc_regions: [],
			auth: {},
			_trace: ['["fake-discord-gateway",{"micros":0}]'],
		});
		// Discord follows READY with the full guilds; discord.js waits for them before emitting clientReady.
		if ((session.intents & Intent.Guilds) === 0) return;
		for (const guildId of ownGuildIds) this.#dispatchTo(session, 'GUILD_CREATE', world.guildCreate(guildId));
	}

	/**
	 * Records the identify and says whether to serve it: one identify per bucket (`shard_id % max_concurrency`)
	 * every 5 s, counted across every connection of the token, as Discord does.
	 */
	#admitIdentify(shard: FakeShard): boolean {
		// Real time, not the fake's `now`: discord.js spaces its identifies by the real clock.
		const at = performance.now();
		const bucket = shard[0] % this.#options.maxConcurrency;
		const last = this.#lastServedIdentify.get(bucket);
		const tooFast = last !== undefined && at - last < IDENTIFY_INTERVAL_MS;
		const refused = tooFast && this.#options.identifyRateLimit === 'refuse';
		this.#identifies.push({ shard, bucket, at, tooFast, refused });
		if (!refused) this.#lastServedIdentify.set(bucket, at);
		return !refused;
	}

	#resume(connection: Connection, data: unknown): void {
		if (connection.session) {
			connection.socket.close(Close.AlreadyAuthenticated, 'Already authenticated.');
			return;
		}
		const resume = (data ?? {}) as { token?: unknown; session_id?: unknown; seq?: unknown };
		const session = typeof resume.session_id === 'string' ? this.#sessions.get(resume.session_id) : undefined;
		if (resume.token !== this.#options.botToken) {
			connection.socket.close(Close.AuthenticationFailed, 'Authentication failed.');
			return;
		}
		const seq = typeof resume.seq === 'number' ? resume.seq : 0;
		const oldest = session?.backlog[0]?.s ?? 1;
		if (!session || seq < oldest - 1) {
			// d: false tells the client the session cannot be resumed: it identifies anew.
			this.#send(connection.socket, { op: Op.InvalidSession, d: false, s: null, t: null });
			return;
		}
		if (session.socket && session.socket !== connection.socket) {
			this.#detach(session.socket);
			session.socket.terminate();
		}
		session.socket = connection.socket;
		connection.session = session;
		for (const entry of session.backlog) {
			if (entry.s > seq) connection.socket.send(entry.frame);
		}
		this.#dispatchTo(session, 'RESUMED', { _trace: ['["fake-discord-gateway",{"micros":0}]'] });
	}

	#requestGuildMembers(connection: Connection, data: unknown): void {
		if (!connection.session) {
			connection.socket.close(Close.NotAuthenticated, 'Not authenticated.');
			return;
		}
		const request = (data ?? {}) as { guild_id?: unknown; user_ids?: unknown; nonce?: unknown };
		const guildIds = Array.isArray(request.guild_id) ? request.guild_id : [request.guild_id];
		for (const guildId of guildIds) {
			if (typeof guildId !== 'string') continue;
			let members = this.#options.world.guildMembers(guildId);
			const wanted = Array.isArray(request.user_ids)
				? request.user_ids.map(String)
				: typeof request.user_ids === 'string'
					? [request.user_ids]
					: null;
			if (wanted) members = members.filter((member) => wanted.includes((member.user as { id: string }).id));
			const found = new Set(members.map((member) => (member.user as { id: string }).id));
			const chunk: Record<string, unknown> = {
				guild_id: guildId,
				members,
				chunk_index: 0,
				chunk_count: 1,
				not_found: wanted ? wanted.filter((id) => !found.has(id)) : [],
			};
			if (request.nonce !== undefined) chunk.nonce = request.nonce;
			this.#dispatchTo(connection.session, 'GUILD_MEMBERS_CHUNK', chunk);
		}
	}

	#dispatchTo(session: GatewaySession, event: string, data: unknown): void {
		session.seq += 1;
		const frame = JSON.stringify({ op: Op.Dispatch, t: event, s: session.seq, d: data });
		session.backlog.push({ s: session.seq, frame });
		if (session.backlog.length > RESUME_BACKLOG) session.backlog.shift();
		if (session.socket && session.socket.readyState === session.socket.OPEN) session.socket.send(frame);
	}

	#send(socket: WebSocket, payload: unknown): void {
		if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(payload));
	}

	#detach(socket: WebSocket): void {
		for (const connection of this.#connections) {
			if (connection.socket === socket) connection.session = null;
		}
	}

	#onClose(connection: Connection, code: number): void {
		this.#connections.delete(connection);
		const session = connection.session;
		if (!session || session.socket !== connection.socket) return;
		session.socket = null;
		// A client closing with 1000/1001 ends its session (Discord's rule); any other close keeps it resumable.
		if (code === 1000 || code === 1001) this.#sessions.delete(session.id);
	}
}

/** `[shard_id, shard_count]` with 0 ≤ shard_id < shard_count; null for anything else (Discord closes with 4010). */
function parseShard(value: unknown): FakeShard | null {
	if (!Array.isArray(value) || value.length !== 2) return null;
	const [id, count] = value as unknown[];
	if (!Number.isSafeInteger(id) || !Number.isSafeInteger(count)) return null;
	const shardId = id as number;
	const shardCount = count as number;
	if (shardCount < 1 || shardId < 0 || shardId >= shardCount) return null;
	return [shardId, shardCount];
}

/** The most guilds any one shard would carry with `shardCount` shards. */
function busiestShard(guildIds: readonly string[], shardCount: number): number {
	const perShard = new Map<number, number>();
	let most = 0;
	for (const guildId of guildIds) {
		const shard = shardOfGuild(guildId, shardCount);
		const count = (perShard.get(shard) ?? 0) + 1;
		perShard.set(shard, count);
		if (count > most) most = count;
	}
	return most;
}
