/**
 * The fake Discord's sharded gateway: guilds and their events routed by Discord's formula, GET /gateway/bot's
 * recommendation, the shard close codes (4010, 4011) and the one-identify-per-5-s-per-bucket rule.
 */
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type FakeDiscord, type FakeDiscordOptions, startFakeDiscord } from './fakes/discord/index.ts';

let fake: FakeDiscord;
const clients: Client[] = [];
const rawConnections: RawGatewayConnection[] = [];

afterEach(async () => {
	for (const connection of rawConnections.splice(0)) connection.close();
	await Promise.all(clients.splice(0).map((client) => client.destroy()));
	await fake.close();
});

async function startFake(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
	fake = await startFakeDiscord(options);
	return fake;
}

/** A snowflake whose timestamp bits put it on `shardId` of `shardCount` (shard = (id >> 22) % count). */
function guildIdOnShard(shardId: number, shardCount: number, n: number): string {
	let timestamp = 300_000_000_000n + BigInt(n * shardCount);
	timestamp += BigInt(shardId) - (timestamp % BigInt(shardCount));
	return ((timestamp << 22n) | (1n << 17n)).toString();
}

interface Frame {
	op: number;
	t: string | null;
	// biome-ignore lint/suspicious/noExplicitAny: gateway JSON as the fake sent it; tests read the fields they assert on
	d: any;
}

/** A bare gateway connection: sends exactly the identify a test writes and keeps every frame it receives. */
class RawGatewayConnection {
	readonly frames: Frame[] = [];
	readonly closed: Promise<number>;
	readonly #socket: WebSocket;
	#waiters: Array<() => void> = [];

	constructor(url: string) {
		this.#socket = new WebSocket(`${url}/?v=10&encoding=json`);
		this.#socket.on('message', (data) => {
			this.frames.push(JSON.parse(data.toString()) as Frame);
			for (const wake of this.#waiters.splice(0)) wake();
		});
		this.closed = new Promise((resolve) => this.#socket.on('close', (code) => resolve(code)));
	}

	/** Waits for Hello, then identifies with `shard` (omitted: no shard field, like a client that does not shard). */
	async identify(token: string, shard?: [number, number]): Promise<void> {
		await this.waitFor((frame) => frame.op === 10);
		this.#socket.send(
			JSON.stringify({
				op: 2,
				d: {
					token,
					intents: GatewayIntentBits.Guilds,
					properties: { os: 'linux', browser: 'raw', device: 'raw' },
					shard,
				},
			}),
		);
	}

	async waitFor(predicate: (frame: Frame) => boolean): Promise<Frame> {
		await this.#until(() => this.frames.some(predicate));
		return this.frames.find(predicate) as Frame;
	}

	async waitForDispatches(event: string, count: number): Promise<void> {
		await this.#until(() => this.dispatches(event).length >= count);
	}

	async #until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!condition()) {
			if (Date.now() > deadline) throw new Error('the expected gateway frames did not come in time');
			await new Promise<void>((resolve) => {
				this.#waiters.push(resolve);
				setTimeout(resolve, 50);
			});
		}
	}

	dispatches(event: string): Frame[] {
		return this.frames.filter((frame) => frame.op === 0 && frame.t === event);
	}

	close(): void {
		this.#socket.close(1000);
	}
}

async function rawConnection(): Promise<RawGatewayConnection> {
	const connection = new RawGatewayConnection(fake.gatewayUrl);
	rawConnections.push(connection);
	return connection;
}

/** A raw session identified as `shard`, once its READY and its guilds' GUILD_CREATEs have arrived. */
async function identifiedSession(shard: [number, number] | undefined, guilds: number): Promise<RawGatewayConnection> {
	const connection = await rawConnection();
	await connection.identify(fake.botToken, shard);
	await connection.waitFor((frame) => frame.t === 'READY');
	await connection.waitForDispatches('GUILD_CREATE', guilds);
	return connection;
}

/** A discord.js client running `shards` of `shardCount`, logged in and ready. */
async function shardClient(shards: number[], shardCount: number): Promise<Client> {
	const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl }, shards, shardCount });
	clients.push(client);
	const ready = once(client, Events.ClientReady);
	await client.login(fake.botToken);
	await ready;
	return client;
}

describe('fake Discord sharded gateway', () => {
	it('sends each session only the guilds of its shard, by (guild_id >> 22) % shard_count, in READY and GUILD_CREATE', async () => {
		await startFake({ maxConcurrency: 2 });
		const onShard0 = [guildIdOnShard(0, 2, 1), guildIdOnShard(0, 2, 2)];
		const onShard1 = [guildIdOnShard(1, 2, 3), guildIdOnShard(1, 2, 4), guildIdOnShard(1, 2, 5)];
		for (const id of [...onShard0, ...onShard1]) fake.addGuild({ id, name: `guild ${id}` });

		const shard0 = await identifiedSession([0, 2], onShard0.length);
		const shard1 = await identifiedSession([1, 2], onShard1.length);

		const ready0 = shard0.dispatches('READY')[0];
		const ready1 = shard1.dispatches('READY')[0];
		expect(ready0?.d.shard).toEqual([0, 2]);
		expect(ready1?.d.shard).toEqual([1, 2]);
		expect(ready0?.d.guilds.map((guild: { id: string }) => guild.id)).toEqual(onShard0);
		expect(ready1?.d.guilds.map((guild: { id: string }) => guild.id)).toEqual(onShard1);
		expect(shard0.dispatches('GUILD_CREATE').map((frame) => frame.d.id)).toEqual(onShard0);
		expect(shard1.dispatches('GUILD_CREATE').map((frame) => frame.d.id)).toEqual(onShard1);
		expect(fake.gateway.shardOf(onShard1[0] ?? '', 2)).toBe(1);
		expect(fake.gateway.connectedShards).toEqual([
			[0, 2],
			[1, 2],
		]);
	});

	it('sends every guild to a session that names no shard, as shard [0, 1]', async () => {
		await startFake();
		const ids = [guildIdOnShard(0, 2, 1), guildIdOnShard(1, 2, 2)];
		for (const id of ids) fake.addGuild({ id, name: `guild ${id}` });

		const session = await identifiedSession(undefined, ids.length);

		expect(session.dispatches('READY')[0]?.d.shard).toEqual([0, 1]);
		expect(session.dispatches('GUILD_CREATE').map((frame) => frame.d.id)).toEqual(ids);
		expect(fake.gateway.identifies).toMatchObject([{ shard: [0, 1], bucket: 0, tooFast: false }]);
	});

	it('delivers an interaction in a guild of shard 1 to the shard-1 client only, and routes live guild events the same way', async () => {
		await startFake({ maxConcurrency: 2 });
		const guild0 = fake.addGuild({ id: guildIdOnShard(0, 2, 1), name: 'Zero' });
		const guild1 = fake.addGuild({ id: guildIdOnShard(1, 2, 2), name: 'One' });
		const general1 = fake.addChannel(guild1.id, { name: 'general' });
		const [client0, client1] = await Promise.all([shardClient([0], 2), shardClient([1], 2)]);
		const seen: Array<{ client: number; shard: number }> = [];
		for (const [index, client] of [client0, client1].entries()) {
			client.on(Events.InteractionCreate, (interaction) => {
				seen.push({ client: index, shard: interaction.guild?.shardId ?? -1 });
				if (interaction.isChatInputCommand()) void interaction.reply(`answered by shard ${interaction.guild?.shardId}`);
			});
		}

		const result = await fake.runCommand({ guildId: guild1.id, channelId: general1.id, name: 'ping' });

		expect(result.final.content).toBe('answered by shard 1');
		expect(seen).toEqual([{ client: 1, shard: 1 }]);
		const created = once(client1, Events.ChannelCreate);
		const late = fake.addChannel(guild1.id, { name: 'late' });
		await created;
		expect(client1.channels.cache.has(late.id)).toBe(true);
		expect(client0.channels.cache.has(late.id)).toBe(false);
		expect([...client0.guilds.cache.keys()]).toEqual([guild0.id]);
		expect(fake.gateway.identifyViolations).toBe(0);
	});

	it('refuses to run a command when no session carries the guild’s shard', async () => {
		await startFake();
		const guild1 = fake.addGuild({ id: guildIdOnShard(1, 2, 1), name: 'One' });
		const general = fake.addChannel(guild1.id, { name: 'general' });
		await identifiedSession([0, 2], 0);

		await expect(fake.runCommand({ guildId: guild1.id, channelId: general.id, name: 'ping' })).rejects.toThrow(
			/no bot is connected to the gateway on the shard of guild/,
		);
	});

	it('recommends its configured shard count and max_concurrency in GET /gateway/bot, and discord.js "auto" follows it', async () => {
		await startFake({ recommendedShards: 2, maxConcurrency: 2 });
		const response = await fetch(`${fake.apiUrl}/v10/gateway/bot`, {
			headers: { authorization: `Bot ${fake.botToken}` },
		});
		const body = (await response.json()) as { url: string; shards: number; session_start_limit: unknown };
		expect(body).toEqual({
			url: fake.gatewayUrl,
			shards: 2,
			session_start_limit: { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 2 },
		});

		const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl }, shards: 'auto' });
		clients.push(client);
		const ready = once(client, Events.ClientReady);
		await client.login(fake.botToken);
		await ready;

		expect(fake.gateway.connectedShards).toEqual([
			[0, 2],
			[1, 2],
		]);
		expect(fake.gateway.identifies.map((identify) => identify.bucket).sort()).toEqual([0, 1]);
		const after = (await (
			await fetch(`${fake.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${fake.botToken}` } })
		).json()) as { session_start_limit: { remaining: number } };
		expect(after.session_start_limit.remaining).toBe(998);
	});
});

describe('fake Discord identify rules', () => {
	it('answers a second identify of one bucket within 5 s with op 9 Invalid Session, and counts it', async () => {
		await startFake({ identifyRateLimit: 'refuse', maxConcurrency: 2 });
		await identifiedSession([0, 4], 0);

		const tooSoon = await rawConnection();
		await tooSoon.identify(fake.botToken, [2, 4]); // 2 % 2 = bucket 0, like shard 0
		const answer = await tooSoon.waitFor((frame) => frame.op === 9 || frame.t === 'READY');

		expect(answer).toMatchObject({ op: 9, d: false });
		expect(fake.gateway.identifyViolations).toBe(1);
		expect(fake.gateway.identifies.at(-1)).toMatchObject({ shard: [2, 4], bucket: 0, tooFast: true, refused: true });
		expect(fake.gateway.connectedShards).toEqual([[0, 4]]);
	});

	it('lets identifies of different buckets through at once', async () => {
		await startFake({ identifyRateLimit: 'refuse', maxConcurrency: 2 });
		await identifiedSession([0, 2], 0);
		await identifiedSession([1, 2], 0);

		expect(fake.gateway.identifyViolations).toBe(0);
		expect(fake.gateway.identifies.map(({ bucket, refused }) => ({ bucket, refused }))).toEqual([
			{ bucket: 0, refused: false },
			{ bucket: 1, refused: false },
		]);
	});

	it('by default serves a too-fast identify but still counts it as a violation', async () => {
		await startFake();
		await identifiedSession([0, 1], 0);
		await identifiedSession([0, 1], 0);

		expect(fake.gateway.connectedShards).toEqual([
			[0, 1],
			[0, 1],
		]);
		expect(fake.gateway.identifyViolations).toBe(1);
		expect(fake.gateway.identifies.at(-1)).toMatchObject({ tooFast: true, refused: false });
	});

	it('closes with 4010 Invalid shard for a shard id not below the shard count', async () => {
		await startFake();
		const connection = await rawConnection();
		await connection.identify(fake.botToken, [2, 2]);

		expect(await connection.closed).toBe(4010);
		expect(fake.gateway.identifies).toEqual([]);
	});

	it('closes with 4011 Sharding required when the shard count leaves a shard more guilds than allowed', async () => {
		await startFake({ maxGuildsPerShard: 2 });
		for (const [shard, n] of [
			[0, 1],
			[0, 2],
			[1, 3],
		] as const) {
			fake.addGuild({ id: guildIdOnShard(shard, 2, n), name: `guild ${n}` });
		}

		const unsharded = await rawConnection();
		await unsharded.identify(fake.botToken, [0, 1]);
		expect(await unsharded.closed).toBe(4011);

		await identifiedSession([1, 2], 1);
		expect(fake.gateway.connectedShards).toEqual([[1, 2]]);
	});
});
