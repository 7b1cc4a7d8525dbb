import { Client, Events, GatewayIntentBits, type Interaction, REST } from 'discord.js';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import type { Command } from './discord/command.ts';
import { loadCommands } from './discord/command-loader.ts';
import { handleInteraction } from './discord/interaction-boundary.ts';
import { buildInviteUrl } from './discord/invite.ts';
import type { Logger } from './logger.ts';
import { notifierRestOptions } from './notify/discord-messages.ts';
import { createNotifier, type Notifier } from './notify/notifier.ts';
import { openStore } from './store/keyv.ts';
import { openRepositories } from './store/repositories.ts';
import { TwitchClient, twitchClientOptionsFrom } from './twitch/client.ts';
import { TwitchAuthError } from './twitch/errors.ts';
import { announcementRenderer } from './views/announcement.ts';

export interface BotOptions {
	config: Config;
	logger: Logger;
	clock?: Clock;
	/** Folder of command modules (default: the project's commands/). */
	commandsDir?: string;
	/** Overrides for the Helix client (tests make retries fast). */
	twitchRetryBaseMs?: number;
	/** Run the go-live notifier in this process (default true). */
	notifier?: boolean;
	/** Notifier tuning for tests and the demo (edit throttle, nonce trust, backoff). */
	notifierTuning?: { editThrottleMs?: number; nonceTrustMs?: number; backoff?: { baseMs: number; maxMs: number } };
}

export interface RunningBot {
	readonly client: Client;
	readonly context: AppContext;
	readonly commands: ReadonlyMap<string, Command>;
	/** Stops taking work, finishes what is in flight, then closes Discord, Twitch and the store. Idempotent. */
	stop(): Promise<void>;
}

/** A start-up problem the operator must fix; its message is printed alone, without a stack trace. */
/** How long `stop()` may take in all (ms): under the 8 s that SIGTERM is given (docker stop kills after 10 s). */
export const SHUTDOWN_BUDGET_MS = 7_000;

/** Waits for `work` for at most `ms` (real time); resolves whether it finished. `work` never rejects here. */
async function finishWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<false>((resolve) => {
		timer = setTimeout(() => resolve(false), ms);
	});
	try {
		return await Promise.race([
			work.then(
				() => true,
				() => true,
			),
			timeout,
		]);
	} finally {
		clearTimeout(timer);
	}
}

export class StartupError extends Error {
	override readonly name = 'StartupError';
}

/**
 * Starts the bot: the store, the shared Helix client (token validated now and hourly), the commands, and the
 * Discord client with the one interaction boundary. Resolves once Discord says the client is ready.
 */
export async function startBot(options: BotOptions): Promise<RunningBot> {
	const { config, logger } = options;
	const clock = options.clock ?? systemClock;
	const commands = await loadCommands(options.commandsDir);
	// The store logs once when its server stops answering and once when it is back.
	const storeLogger = logger.child({ component: 'store' });
	const store = await openStore(config.storageUrl, { logger: storeLogger }).catch((error: unknown) => {
		throw new StartupError(`${(error as Error).message}. Check STORAGE_URL.`);
	});
	const twitch = new TwitchClient({
		...twitchClientOptionsFrom(config),
		store: store.keyv,
		logger: logger.child({ component: 'twitch' }),
		clock,
		...(options.twitchRetryBaseMs === undefined ? {} : { retryBaseMs: options.twitchRetryBaseMs }),
	});
	const closeBackends = async () => {
		await twitch.close();
		await store.close();
	};

	// A wrong Twitch secret is found now, at start, not when the first person types a command.
	try {
		const validation = await twitch.validateToken();
		logger.info({ status: validation.status }, 'Twitch app token checked');
	} catch (error) {
		if (error instanceof TwitchAuthError) {
			await closeBackends();
			throw new StartupError(error.message);
		}
		logger.warn({ err: error }, 'Twitch is not answering at start; commands will retry when used');
	}
	twitch.tokens.startHourlyValidation(60 * 60 * 1000);

	const repositories = await openRepositories(store, logger.child({ component: 'store' })).catch(
		async (error: unknown) => {
			await closeBackends();
			throw new StartupError(`Cannot read the stored watches: ${(error as Error).message}. Check STORAGE_URL.`);
		},
	);
	// Announcements go over REST only (no gateway needed), so the notifier could run as a process of its own.
	const rest = new REST(notifierRestOptions(config.discordApiUrl)).setToken(config.discordToken);
	const tuning = options.notifierTuning ?? {};
	const notifier: Notifier | undefined =
		options.notifier === false
			? undefined
			: createNotifier({
					twitch,
					repositories,
					rest,
					renderer: announcementRenderer,
					logger: logger.child({ component: 'notifier' }),
					clock,
					config,
					graceMs: config.streamEndGraceSeconds * 1000,
					...(config.twitchEventSub ? { eventsub: { url: config.twitchEventSubWsUrl, store, twitch } } : {}),
					...(tuning.editThrottleMs === undefined ? {} : { editThrottleMs: tuning.editThrottleMs }),
					...(tuning.nonceTrustMs === undefined ? {} : { nonceTrustMs: tuning.nonceTrustMs }),
					...(tuning.backoff === undefined ? {} : { backoff: tuning.backoff }),
				});

	const context: AppContext = { config, twitch, store, repositories, notifier, logger, clock };
	const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: config.discordApiUrl } });
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
		repositories.watches
			.setGuildPause(guild.id, { reason: 'left-guild', channelId: null, at: clock.now() })
			.catch((error: unknown) => logger.error({ err: error, guildId: guild.id }, 'could not pause the watches'));
	});
	const resumeWatches = (guildId: string, reasons: Array<'left-guild' | 'no-access'>) => {
		repositories.watches
			.setGuildPause(guildId, null, reasons)
			.then((resumed) => {
				if (resumed > 0) logger.info({ guildId, resumed }, 'resumed the watches paused while the bot was away');
			})
			.catch((error: unknown) => logger.error({ err: error, guildId }, 'could not resume the watches'));
	};

	const ready = new Promise<void>((resolve) => {
		client.once(Events.ClientReady, (readyClient) => {
			const servers = readyClient.guilds.cache.size;
			logger.info({ user: readyClient.user.tag, servers }, 'connected to Discord');
			for (const guildId of readyClient.guilds.cache.keys()) resumeWatches(guildId, ['left-guild']);
			if (servers === 0) {
				logger.info(
					{ invite: buildInviteUrl(readyClient.application.id) },
					'the bot is in no server yet: open this link to add it to one',
				);
			}
			resolve();
		});
	});

	try {
		await client.login(config.discordToken);
	} catch (error) {
		await client.destroy();
		await closeBackends();
		const code = (error as { code?: string }).code;
		if (code === 'TokenInvalid' || /401|invalid token/i.test((error as Error).message)) {
			throw new StartupError(
				'Discord rejected DISCORD_TOKEN. In the developer portal open your application → Bot → Reset Token, and put the new token in DISCORD_TOKEN.',
			);
		}
		throw new StartupError(`Could not connect to Discord at ${config.discordApiUrl}: ${(error as Error).message}`);
	}
	await ready;
	if (notifier) {
		await notifier.start();
		logger.info(
			{ watched: repositories.watches.watchedUserIds().length, intervalSeconds: config.pollIntervalSeconds },
			'go-live notifier started',
		);
	}

	let stopping: Promise<void> | undefined;
	const stop = () => {
		stopping ??= (async () => {
			accepting = false;
			logger.info({ inFlight: inFlight.size }, 'shutting down: finishing work in flight');
			// `docker stop` kills 10 s after SIGTERM: every step gets a share of SHUTDOWN_BUDGET_MS, and whatever is
			// cut short is safe to drop (announcements are crash-safe and finished at the next start).
			const started = performance.now();
			const left = () => Math.max(0, SHUTDOWN_BUDGET_MS - (performance.now() - started));
			let complete = await finishWithin(Promise.allSettled([...inFlight]), Math.min(3_000, left()));
			if (notifier) {
				const stopped = notifier
					.stop()
					.catch((error: unknown) => logger.error({ err: error }, 'notifier did not stop cleanly'));
				complete = (await finishWithin(stopped, Math.max(0, left() - 1_500))) && complete;
			}
			complete = (await finishWithin(client.destroy(), Math.min(500, left()))) && complete;
			complete = (await finishWithin(closeBackends(), left())) && complete;
			if (complete) logger.info('shut down cleanly');
			else logger.warn('shut down with work unfinished; the next start takes it up');
		})();
		return stopping;
	};
	return { client, context, commands, stop };
}
