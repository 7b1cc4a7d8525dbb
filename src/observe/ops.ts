/**
 * What the operator sees of a running process: the metrics every part reports to, the readiness they add up to, and
 * the HTTP server (HTTP_PORT) that shows both. Built before the parts, so that each can be given its observer.
 */
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { type Logger, secretScrubber } from '../logger.ts';
import type { Store } from '../store/keyv.ts';
import { NotifierHealth, Readiness } from './health.ts';
import { startOpsServer } from './http-server.ts';
import { type BotMetrics, createBotMetrics } from './metrics.ts';

/** What readiness needs to know of the roles this process runs, read at each check. */
export interface RoleStates {
	gateway?: () => { ready: boolean; shards: ReadonlyArray<{ id: number; status: number }> } | undefined;
	notifier?: () => { active: boolean };
}

export interface Ops {
	readonly metrics: BotMetrics;
	/** The notifier's observer: metrics, and what readiness asks of the poller and EventSub. */
	readonly notifierHealth: NotifierHealth;
	/** Starts the HTTP server when HTTP_PORT is set; resolves with its address (undefined when off). */
	serve(roles: RoleStates): Promise<string | undefined>;
	close(): Promise<void>;
}

/** A read the store must answer within this long for /readyz (its own deadline applies too). */
const STORE_PROBE_KEY = 'ops:readyz-probe';

export function createOps(options: {
	config: Config;
	logger: Logger;
	clock: Clock;
	store: Store;
	/** Exact secret values to keep out of every answer (the STORAGE_URL's password may be quoted by a store error). */
	secrets: readonly string[];
}): Ops {
	const { config, logger, clock, store } = options;
	const metrics = createBotMetrics();
	const notifierHealth = new NotifierHealth(clock, metrics.notifier);
	const redact = secretScrubber(options.secrets) ?? ((text: string) => text);
	let server: Awaited<ReturnType<typeof startOpsServer>> | undefined;
	return {
		metrics,
		notifierHealth,
		async serve(roles) {
			if (config.httpPort === undefined) return undefined;
			const gatewayState = roles.gateway;
			const readiness = new Readiness({
				clock,
				pollIntervalMs: config.pollIntervalSeconds * 1000,
				store: async () => {
					await store.keyv.get(STORE_PROBE_KEY);
				},
				health: notifierHealth,
				eventSubEnabled: config.twitchEventSub,
				...(gatewayState
					? {
							discord: () => {
								const state = gatewayState();
								if (!state) return { ready: false, notReadyShards: [] };
								return {
									ready: state.ready,
									notReadyShards: state.shards.filter((shard) => shard.status !== 0).map((shard) => shard.id),
								};
							},
						}
					: {}),
				...(roles.notifier ? { notifier: roles.notifier } : {}),
			});
			server = await startOpsServer({
				host: config.httpHost,
				port: config.httpPort,
				logger,
				readiness: () => readiness.reasons(),
				metrics: () => metrics.render(),
				redact,
			});
			logger.info({ url: server.url }, 'health and metrics endpoints: /healthz, /readyz, /metrics');
			return server.url;
		},
		async close() {
			await server?.close();
		},
	};
}
