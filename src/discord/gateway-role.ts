/**
 * The gateway role of a process: the discord.js client on the shards this process runs (sharding.ts), with
 * identifies spaced through the shared store (identify-throttle.ts), slash commands through the one interaction
 * boundary, and the server events that pause and resume watches.
 */
import { Client, Events, GatewayIntentBits, type Interaction, Routes } from 'discord.js';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { AppContext } from '../context.ts';
import type { Logger } from '../logger.ts';
import type { Coordination } from '../store/coordination.ts';
import type { Command } from './command.ts';
import { storeIdentifyThrottler } from './identify-throttle.ts';
import { handleInteraction } from './interaction-boundary.ts';
import { buildInviteUrl } from './invite.ts';
import { gatewayShardOptions } from './sharding.ts';

export interface GatewayRoleOptions {
	config: Config;
	logger: Logger;
	context: AppContext;
	commands: ReadonlyMap<string, Command>;
	coordination: Pick<Coordination, 'acquire'>;
	clock: Clock;
}

export interface GatewayRole {
	readonly client: Client;
	/** Stops taking interactions and resolves once those in flight are answered. */
	finishInteractions(): Promise<void>;
	/** This process's shards: discord.js's status (0 ready) and heartbeat ping (ms, -1 before the first). */
	shards(): Array<{ id: number; status: number; pingMs: number }>;
}

/** Discord refused the bot's login, or could not be reached: the message says what to fix. */
export class GatewayLoginError extends Error {
	override readonly name = 'GatewayLoginError';
}

/** Connects to Discord on this process's shards; resolves once every one of them is ready. */
export async function startGateway(options: GatewayRoleOptions): Promise<GatewayRole> {
	const { config, logger, context, commands, clock } = options;
	const repositories = context.repositories;
	const client = new Client({
		intents: [GatewayIntentBits.Guilds],
		// HTTP_TIMEOUT_MS for every REST call, as for Twitch (discord.js's own default is 15 s, tried 4 times).
		rest: { api: config.discordApiUrl, timeout: config.httpTimeoutMs },
		...gatewayShardOptions(
			config,
			storeIdentifyThrottler({ leases: options.coordination, clock, logger: logger.child({ component: 'gateway' }) }),
		),
	});
	const inFlight = new Set<Promise<void>>();
	let accepting = true;

	client.on(Events.InteractionCreate, (interaction: Interaction) => {
		if (!accepting) return;
		const work = handleInteraction(interaction, context, commands).catch((error: unknown) => {
			logger.error({ err: error }, 'interaction handling failed outside the boundary');
		});
		inFlight.add(work);
		void work.finally(() => inFlight.delete(work));
	});
	client.on(Events.Error, (error) => logger.error({ err: error }, 'Discord client error'));
	client.on(Events.Warn, (message) => logger.warn({ discord: message }, 'Discord client warning'));
	client.on(Events.GuildCreate, (guild) => {
		logger.info({ guildId: guild.id, name: guild.name }, 'joined a server');
		// Back in a server it had left: its watches post again.
		resumeWatches(guild.id, ['left-guild', 'no-access']);
	});
	// Removed from a server (an outage is GuildUnavailable, not this): its watches are kept, paused, not polled.
	client.on(Events.GuildDelete, (guild) => {
		logger.info({ guildId: guild.id }, 'removed from a server; its watches are paused');
		const pause = { reason: 'left-guild', channelId: null, at: clock.now() } as const;
		repositories.watches
			.setGuildPause(guild.id, pause)
			.catch((error: unknown) => logger.error({ err: error, guildId: guild.id }, 'could not pause the watches'));
		repositories.categoryWatches
			.setPaused(guild.id, pause)
			.catch((error: unknown) =>
				logger.error({ err: error, guildId: guild.id }, 'could not pause the category watches'),
			);
	});
	const resumeWatches = (guildId: string, reasons: Array<'left-guild' | 'no-access'>) => {
		repositories.watches
			.setGuildPause(guildId, null, reasons)
			.then((resumed) => {
				if (resumed > 0) logger.info({ guildId, resumed }, 'resumed the watches paused while the bot was away');
			})
			.catch((error: unknown) => logger.error({ err: error, guildId }, 'could not resume the watches'));
		repositories.categoryWatches
			.setPaused(guildId, null, reasons)
			.then((resumed) => {
				if (resumed > 0) {
					logger.info({ guildId, resumed }, 'resumed the category watches paused while the bot was away');
				}
			})
			.catch((error: unknown) => logger.error({ err: error, guildId }, 'could not resume the category watches'));
	};

	const ready = new Promise<void>((resolve) => {
		client.once(Events.ClientReady, (readyClient) => {
			const servers = readyClient.guilds.cache.size;
			const shards = [...readyClient.ws.shards.keys()];
			logger.info(
				{ user: readyClient.user.tag, servers, shards, shardCount: client.options.shardCount },
				'connected to Discord',
			);
			for (const guildId of readyClient.guilds.cache.keys()) resumeWatches(guildId, ['left-guild']);
			if (servers === 0 && client.options.shardCount === 1) {
				logger.info(
					{ invite: buildInviteUrl(readyClient.application.id) },
					'the bot is in no server yet: open this link to add it to one',
				);
			}
			resolve();
		});
	});

	logger.info({ api: config.discordApiUrl }, 'connecting to Discord…');
	try {
		await probeDiscord(client, config);
		await client.login(config.discordToken);
	} catch (error) {
		if (error instanceof GatewayLoginError) {
			await client.destroy();
			throw error;
		}
		await client.destroy();
		const code = (error as { code?: string }).code;
		if (code === 'TokenInvalid' || /401|invalid token/i.test((error as Error).message)) {
			throw new GatewayLoginError(
				'Discord rejected DISCORD_TOKEN. In the developer portal open your application → Bot → Reset Token, and put the new token in DISCORD_TOKEN.',
			);
		}
		throw new GatewayLoginError(`Could not connect to Discord at ${config.discordApiUrl}: ${(error as Error).message}`);
	}
	await ready;
	return {
		client,
		shards: () =>
			[...client.ws.shards.values()].map((shard) => ({ id: shard.id, status: shard.status, pingMs: shard.ping })),
		finishInteractions: async () => {
			accepting = false;
			await Promise.allSettled([...inFlight]);
		},
	};
}

/**
 * Asks Discord for the gateway's address once, within HTTP_TIMEOUT_MS, before discord.js logs in: a Discord that
 * accepts connections and never answers would otherwise keep the start silent for a minute (discord.js retries each
 * request up to four times). A 401 is the token's fault; that is left to the login, which says so.
 */
async function probeDiscord(client: Client, config: Pick<Config, 'discordApiUrl' | 'httpTimeoutMs' | 'discordToken'>) {
	client.rest.setToken(config.discordToken);
	const deadline = AbortSignal.timeout(config.httpTimeoutMs);
	try {
		await client.rest.get(Routes.gatewayBot(), { signal: deadline });
	} catch (error) {
		const status = (error as { status?: unknown }).status;
		if (typeof status === 'number' && status < 500) return;
		const seconds = config.httpTimeoutMs / 1000;
		// discord.js's own timeout (the same HTTP_TIMEOUT_MS) may fire first: an AbortError is the deadline too.
		const timedOut = deadline.aborted || (error as Error).name === 'AbortError';
		const what = timedOut
			? `did not answer within ${seconds} s (HTTP_TIMEOUT_MS=${config.httpTimeoutMs})`
			: typeof status === 'number'
				? `answered with an error (HTTP ${status}); Discord may be having an outage (discordstatus.com)`
				: `could not be reached (${(error as Error).message})`;
		throw new GatewayLoginError(
			`Discord at ${config.discordApiUrl} ${what}. Check this machine's network, firewall or proxy, and DISCORD_API_URL if you set it; on a slow link raise HTTP_TIMEOUT_MS.`,
		);
	}
}
