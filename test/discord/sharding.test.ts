import { Client } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { gatewayShardOptions, type IdentifyThrottlerBuilder } from '../../src/discord/sharding.ts';
import { FAKE_BOT_TOKEN, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET } from '../support/bot-world.ts';

const baseEnv = {
	DISCORD_TOKEN: FAKE_BOT_TOKEN,
	TWITCH_CLIENT_ID: FAKE_CLIENT_ID,
	TWITCH_CLIENT_SECRET: FAKE_CLIENT_SECRET,
};
const clients: Client[] = [];

afterEach(async () => {
	await Promise.all(clients.splice(0).map((client) => client.destroy()));
});

/** What discord.js makes of the options (it also reads SHARDS/SHARD_COUNT from the environment in some cases). */
function clientFor(options: ReturnType<typeof gatewayShardOptions>): Client {
	const client = new Client({ intents: [], ...options });
	clients.push(client);
	return client;
}

describe('gatewayShardOptions', () => {
	it('runs only SHARD_IDS out of SHARD_COUNT shards', () => {
		const config = parseConfig({ ...baseEnv, SHARD_COUNT: '10', SHARD_IDS: '4-7,9' });

		const options = gatewayShardOptions(config);

		expect(options).toEqual({ shards: [4, 5, 6, 7, 9], shardCount: 10 });
		expect(clientFor(options).options).toMatchObject({ shards: [4, 5, 6, 7, 9], shardCount: 10 });
	});

	it('runs every shard of SHARD_COUNT in this process when SHARD_IDS is not set', () => {
		const options = gatewayShardOptions(parseConfig({ ...baseEnv, SHARD_COUNT: '4' }));

		expect(options).toEqual({ shards: [0, 1, 2, 3], shardCount: 4 });
		expect(clientFor(options).options).toMatchObject({ shards: [0, 1, 2, 3], shardCount: 4 });
	});

	it("leaves the shard count to Discord's recommendation ('auto') when neither is set", () => {
		const options = gatewayShardOptions(parseConfig(baseEnv));

		expect(options).toEqual({ shards: 'auto' });
		expect(clientFor(options).options.shards).toBe('auto');
	});

	it('hands discord.js the identify throttler builder when one is given, and keeps its other ws defaults', () => {
		const build: IdentifyThrottlerBuilder = () => ({ waitForIdentify: async () => {} });

		const options = gatewayShardOptions({ shardCount: 2, shardIds: [1] }, build);

		expect(options).toEqual({ shards: [1], shardCount: 2, ws: { buildIdentifyThrottler: build } });
		expect(clientFor(options).options.ws).toMatchObject({ buildIdentifyThrottler: build, version: 10 });
		expect(gatewayShardOptions({ shardCount: undefined, shardIds: undefined }, build)).toEqual({
			shards: 'auto',
			ws: { buildIdentifyThrottler: build },
		});
	});
});
