/**
 * Which gateway shards this process runs. Discord puts a guild on shard `(guild_id >> 22) % shard_count` and lets one
 * shard carry at most 2,500 guilds; a bot past that runs several shards, possibly spread over several processes,
 * each told the total count (SHARD_COUNT) and its own ids (SHARD_IDS).
 */
import type { ClientOptions, WebSocketOptions } from 'discord.js';
import type { Config } from '../config.ts';

/** discord.js's `ws.buildIdentifyThrottler`: given the gateway manager, the throttle every identify waits for. */
export type IdentifyThrottlerBuilder = NonNullable<WebSocketOptions['buildIdentifyThrottler']>;

/** The part of discord.js's ClientOptions that says which shards to run and how their identifies are spaced. */
export type GatewayShardOptions = Pick<ClientOptions, 'shards' | 'shardCount' | 'ws'>;

/**
 * The shard options for `new Client({...})`: SHARD_COUNT and SHARD_IDS → those shards of that count; SHARD_COUNT
 * alone → every shard of that count in this process; neither → `'auto'`, the count GET /gateway/bot recommends, all
 * in this process. With `buildIdentifyThrottler`, identifies wait for it (a store-backed one spaces them across
 * processes) instead of discord.js's throttle of this process alone.
 */
export function gatewayShardOptions(
	config: Pick<Config, 'shardCount' | 'shardIds'>,
	buildIdentifyThrottler?: IdentifyThrottlerBuilder,
): GatewayShardOptions {
	const throttle = buildIdentifyThrottler ? { ws: { buildIdentifyThrottler } } : {};
	if (config.shardCount === undefined) return { shards: 'auto', ...throttle };
	const shards = config.shardIds ? [...config.shardIds] : Array.from({ length: config.shardCount }, (_, id) => id);
	return { shards, shardCount: config.shardCount, ...throttle };
}
