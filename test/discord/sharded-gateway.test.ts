/**
 * Two bot processes, each running one shard of two (SHARD_COUNT=2, SHARD_IDS=0 and 1), log in to the fake Discord
 * with the store-backed identify throttle over one shared store: each gets exactly its shard's guilds, and no
 * identify comes sooner than Discord allows.
 */
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { storeIdentifyThrottler } from '../../src/discord/identify-throttle.ts';
import { gatewayShardOptions } from '../../src/discord/sharding.ts';
import { createSilentLogger } from '../../src/logger.ts';
import { type FakeDiscord, shardOfGuild, startFakeDiscord } from '../fakes/discord/index.ts';
import { FAKE_BOT_TOKEN } from '../support/bot-world.ts';
import { MemoryLeases } from './memory-leases.ts';

let fake: FakeDiscord;
const clients: Client[] = [];

afterEach(async () => {
	await Promise.all(clients.splice(0).map((client) => client.destroy()));
	await fake.close();
});

/** A fake recommending 2 shards, refusing too-fast identifies like Discord, with guilds on both shards. */
async function startShardedDiscord(maxConcurrency: number): Promise<{ onShard: [string[], string[]] }> {
	fake = await startFakeDiscord({
		botToken: FAKE_BOT_TOKEN,
		recommendedShards: 2,
		maxConcurrency,
		identifyRateLimit: 'refuse',
	});
	const onShard: [string[], string[]] = [[], []];
	// Guild ids one millisecond apart alternate between the two shards (shard = (id >> 22) % 2).
	for (let n = 0; n < 6; n++) {
		const id = (((400_000_000_000n + BigInt(n)) << 22n) | 1n).toString();
		fake.addGuild({ id, name: `Server ${n}` });
		onShard[shardOfGuild(id, 2) as 0 | 1].push(id);
	}
	return { onShard };
}

/** One bot process running shard `shardId` of 2, its identifies spaced through `leases`, logged in and ready. */
async function startShardProcess(shardId: number, leases: MemoryLeases): Promise<Client> {
	const throttle = storeIdentifyThrottler({ leases, clock: systemClock, logger: createSilentLogger() });
	const client = new Client({
		intents: [GatewayIntentBits.Guilds],
		rest: { api: fake.apiUrl },
		...gatewayShardOptions({ shardCount: 2, shardIds: [shardId] }, throttle),
	});
	clients.push(client);
	const ready = once(client, Events.ClientReady);
	await client.login(fake.botToken);
	await ready;
	return client;
}

function cachedGuildIds(client: Client): string[] {
	return [...client.guilds.cache.keys()].sort();
}

describe('two processes, one shard each, over one store', () => {
	it('each caches exactly its shard’s guilds, and both identify at once in separate buckets (max_concurrency 2)', async () => {
		const { onShard } = await startShardedDiscord(2);
		const leases = new MemoryLeases(systemClock);

		const [process0, process1] = await Promise.all([startShardProcess(0, leases), startShardProcess(1, leases)]);

		expect(cachedGuildIds(process0)).toEqual(onShard[0].sort());
		expect(cachedGuildIds(process1)).toEqual(onShard[1].sort());
		expect(fake.gateway.connectedShards).toEqual([
			[0, 2],
			[1, 2],
		]);
		expect(fake.gateway.identifyViolations).toBe(0);
		expect(leases.asked.sort()).toEqual(['identify:0', 'identify:1']);
	});

	it('spaces the two processes’ identifies 5 s apart when they share the one bucket (max_concurrency 1)', async () => {
		const { onShard } = await startShardedDiscord(1);
		const leases = new MemoryLeases(systemClock);

		const [process0, process1] = await Promise.all([startShardProcess(0, leases), startShardProcess(1, leases)]);

		expect(cachedGuildIds(process0)).toEqual(onShard[0].sort());
		expect(cachedGuildIds(process1)).toEqual(onShard[1].sort());
		expect(fake.gateway.identifyViolations).toBe(0);
		const [first, second] = fake.gateway.identifies;
		expect(first?.bucket).toBe(0);
		expect(second?.bucket).toBe(0);
		expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(5_000);
	}, 15_000);
});
