import { type Client, REST } from 'discord.js';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import type { Command } from './discord/command.ts';
import { loadCommands } from './discord/command-loader.ts';
import { GatewayLoginError, type GatewayRole, startGateway } from './discord/gateway-role.ts';
import type { Logger } from './logger.ts';
import { notifierRestOptions } from './notify/discord-messages.ts';
import { LeasedNotifier } from './notify/leased-notifier.ts';
import { createNotifier } from './notify/notifier.ts';
import { createOps, type Ops } from './observe/ops.ts';
import { credentialsOf, openStore } from './store/keyv.ts';
import { openCoordination } from './store/open-coordination.ts';
import { fencedRepositories, openRepositories } from './store/repositories.ts';
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
	/** The Discord gateway client (absent when this process runs the notifier role alone). */
	readonly client: Client | undefined;
	/** The notifier role (absent when this process runs the gateway role alone): active or standby. */
	readonly notifierRole: LeasedNotifier | undefined;
	readonly context: AppContext;
	readonly commands: ReadonlyMap<string, Command>;
	/** Metrics and the health/metrics endpoints (their URL when HTTP_PORT is set). */
	readonly ops: Ops;
	readonly opsUrl: string | undefined;
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
	const ops = createOps({
		config,
		logger: logger.child({ component: 'ops' }),
		clock,
		store,
		secrets: [config.discordToken, config.twitchClientSecret, ...credentialsOf(config.storageUrl)],
	});
	const twitch = new TwitchClient({
		...twitchClientOptionsFrom(config),
		observer: ops.metrics.helix,
		store: store.keyv,
		logger: logger.child({ component: 'twitch' }),
		clock,
		...(options.twitchRetryBaseMs === undefined ? {} : { retryBaseMs: options.twitchRetryBaseMs }),
	});
	// Coordination between processes through the store: the notifier lease, the watch change feed, identify slots.
	const coordination = openCoordination(store);
	const closeBackends = async () => {
		await ops.close();
		await twitch.close();
		await coordination.close();
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

	const repositories = await openRepositories(store, logger.child({ component: 'store' }), coordination).catch(
		async (error: unknown) => {
			await closeBackends();
			throw new StartupError(`Cannot read the stored watches: ${(error as Error).message}. Check STORAGE_URL.`);
		},
	);
	// Watches changed by another process (a command on another shard, the notifier pausing one) reach this one.
	let syncFailing = false;
	await repositories.watches.startSync({
		onError: (error) => {
			if (syncFailing) return;
			syncFailing = true;
			logger.warn({ err: error }, 'could not catch up with watch changes made by other processes; trying again');
			setTimeout(() => (syncFailing = false), 60_000).unref();
		},
	});
	// Announcements go over REST only (no gateway needed): the notifier can run as a process of its own.
	const rest = new REST(notifierRestOptions(config.discordApiUrl)).setToken(config.discordToken);
	const tuning = options.notifierTuning ?? {};
	const runsNotifier = options.notifier !== false && config.roles.includes('notifier');
	const runsGateway = config.roles.includes('gateway');
	const notifierLogger = logger.child({ component: 'notifier' });
	// One active notifier per store, chosen by a lease; in other processes (or later in this one) it stands by.
	const notifierRole = runsNotifier
		? new LeasedNotifier({
				coordination,
				ttlMs: config.notifierLeaseSeconds * 1000,
				logger: notifierLogger,
				build: (term) =>
					createNotifier({
						twitch,
						repositories: fencedRepositories(repositories, store, coordination, term.holding, storeLogger),
						rest,
						renderer: announcementRenderer,
						logger: notifierLogger.child({ fence: term.fence }),
						clock,
						config,
						graceMs: config.streamEndGraceSeconds * 1000,
						writeWindowMs: term.writeWindowMs,
						fence: () => term.fence,
						observer: ops.notifierHealth,
						...(config.twitchEventSub ? { eventsub: { url: config.twitchEventSubWsUrl, store, twitch } } : {}),
						...(tuning.editThrottleMs === undefined ? {} : { editThrottleMs: tuning.editThrottleMs }),
						...(tuning.nonceTrustMs === undefined ? {} : { nonceTrustMs: tuning.nonceTrustMs }),
						...(tuning.backoff === undefined ? {} : { backoff: tuning.backoff }),
					}),
			})
		: undefined;

	const context: AppContext = {
		config,
		twitch,
		store,
		repositories,
		// The notifier of this process while it is the active one (its memory backs /watch list).
		get notifier() {
			return notifierRole?.notifier;
		},
		logger,
		clock,
		commandObserver: ops.metrics.commands,
	};
	let gateway: GatewayRole | undefined;
	// Up before Discord is: /healthz answers and /readyz says what start-up still waits for.
	const opsUrl = await ops
		.serve({
			...(runsGateway
				? { gateway: () => (gateway ? { ready: gateway.client.isReady(), shards: gateway.shards() } : undefined) }
				: {}),
			...(notifierRole ? { notifier: () => ({ active: notifierRole.notifier !== undefined }) } : {}),
		})
		.catch(async (error: unknown) => {
			await closeBackends();
			throw new StartupError((error as Error).message);
		});
	if (runsGateway) {
		try {
			gateway = await startGateway({ config, logger, context, commands, coordination, clock });
			const shards = gateway;
			ops.metrics.watchShards({ shards: () => shards.shards() });
		} catch (error) {
			await repositories.watches.endSync();
			await closeBackends();
			throw error instanceof GatewayLoginError ? new StartupError(error.message) : error;
		}
	}
	if (notifierRole) {
		await notifierRole.start();
		if (notifierRole.notifier) {
			logger.info(
				{ watched: repositories.watches.watchedUserIds().length, intervalSeconds: config.pollIntervalSeconds },
				'go-live notifier started',
			);
		} else {
			logger.info('another process is the active notifier; this one stands by to take over');
		}
	}

	let stopping: Promise<void> | undefined;
	const stop = () => {
		stopping ??= (async () => {
			logger.info('shutting down: finishing work in flight');
			// `docker stop` kills 10 s after SIGTERM: every step gets a share of SHUTDOWN_BUDGET_MS, and whatever is
			// cut short is safe to drop (announcements are crash-safe and finished at the next start).
			const started = performance.now();
			const left = () => Math.max(0, SHUTDOWN_BUDGET_MS - (performance.now() - started));
			let complete = gateway ? await finishWithin(gateway.finishInteractions(), Math.min(3_000, left())) : true;
			if (notifierRole) {
				// Gives the lease up once its work is done: a standby takes over at once instead of after the lease.
				const stopped = notifierRole
					.stop()
					.catch((error: unknown) => logger.error({ err: error }, 'notifier did not stop cleanly'));
				complete = (await finishWithin(stopped, Math.max(0, left() - 1_500))) && complete;
			}
			if (gateway) complete = (await finishWithin(gateway.client.destroy(), Math.min(500, left()))) && complete;
			complete = (await finishWithin(repositories.watches.endSync(), Math.min(500, left()))) && complete;
			complete = (await finishWithin(closeBackends(), left())) && complete;
			if (complete) logger.info('shut down cleanly');
			else logger.warn('shut down with work unfinished; the next start takes it up');
		})();
		return stopping;
	};
	return { client: gateway?.client, notifierRole, context, commands, ops, opsUrl, stop };
}
