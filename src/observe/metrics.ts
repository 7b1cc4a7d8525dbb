/**
 * The bot's Prometheus metrics (prom-client), on a registry of their own (no global state: two bots in one test
 * process keep separate counts). Labels are bounded sets only — endpoint, status, outcome, command name, shard id —
 * never a guild, channel or streamer: one series per streamer would grow without end.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CommandObserver } from '../context.ts';
import type { NotifierObserver } from '../notify/notifier-observer.ts';
import type { HelixObserver } from '../twitch/metrics.ts';

/** The state of each gateway shard of this process, read at each scrape. */
export interface ShardStatusSource {
	/** Shard id → discord.js's status number (0 ready) and the heartbeat ping in ms (-1 before the first). */
	shards(): ReadonlyArray<{ id: number; status: number; pingMs: number }>;
}

export interface BotMetrics {
	readonly registry: Registry;
	readonly helix: HelixObserver;
	readonly notifier: NotifierObserver;
	readonly commands: CommandObserver;
	/** Reads shard states at each scrape (the gateway role sets it once its client exists). */
	watchShards(source: ShardStatusSource): void;
	/** The text of /metrics and its content type. */
	render(): Promise<{ contentType: string; body: string }>;
}

export interface BotMetricsOptions {
	/** Node's process metrics (CPU, memory, event-loop lag, GC); off in tests that want a small registry. */
	processMetrics?: boolean;
}

/** Seconds: from tens of milliseconds (a Helix call) to minutes (a go-live found by polling). */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DELAY_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 90, 120, 180, 300, 600];

export function createBotMetrics(options: BotMetricsOptions = {}): BotMetrics {
	const registry = new Registry();
	const registers = [registry];
	if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

	const helixDuration = new Histogram({
		name: 'twitch_helix_request_duration_seconds',
		help: 'Helix and Twitch auth requests by endpoint and HTTP status (network/timeout when there was none)',
		labelNames: ['endpoint', 'status'] as const,
		buckets: LATENCY_BUCKETS,
		registers,
	});
	const pointsRemaining = new Gauge({
		name: 'twitch_ratelimit_points_remaining',
		help: "Points left in the app's Helix bucket (Ratelimit-Remaining of the latest answer)",
		registers,
	});
	const pointsLimit = new Gauge({
		name: 'twitch_ratelimit_points_limit',
		help: "Size of the app's Helix bucket (Ratelimit-Limit of the latest answer)",
		registers,
	});
	const announcements = new Counter({
		name: 'bot_announcements_total',
		help: 'Announcement work by outcome: posted, edited, ended, filtered (by a server filter), failed',
		labelNames: ['outcome'] as const,
		registers,
	});
	const goLiveDelay = new Histogram({
		name: 'bot_golive_post_delay_seconds',
		help: "From the stream's started_at on Twitch to the go-live post in Discord",
		buckets: DELAY_BUCKETS,
		registers,
	});
	const pollDuration = new Histogram({
		name: 'bot_poll_cycle_duration_seconds',
		help: 'Duration of each poll cycle (Get Streams for the channels due, and the state changes)',
		buckets: LATENCY_BUCKETS,
		registers,
	});
	const polledChannels = new Gauge({
		name: 'bot_poll_channels',
		help: 'Channels asked about in the latest poll cycle',
		registers,
	});
	const pollsTotal = new Counter({
		name: 'bot_poll_cycles_total',
		help: 'Poll cycles by result (ok, failed)',
		labelNames: ['result'] as const,
		registers,
	});
	const eventSubNotifications = new Counter({
		name: 'twitch_eventsub_notifications_total',
		help: 'EventSub notifications received, by subscription type',
		labelNames: ['type'] as const,
		registers,
	});
	const eventSubDuplicates = new Counter({
		name: 'twitch_eventsub_duplicates_dropped_total',
		help: 'EventSub messages dropped because their message id was seen before',
		registers,
	});
	const eventSubConnected = new Gauge({
		name: 'twitch_eventsub_connected',
		help: '1 while the EventSub WebSocket is connected and attached to the conduit, else 0',
		registers,
	});
	const commandsTotal = new Counter({
		name: 'bot_commands_total',
		help: 'Slash commands by name and outcome (ok, user-error, error)',
		labelNames: ['command', 'outcome'] as const,
		registers,
	});
	const commandDuration = new Histogram({
		name: 'bot_command_duration_seconds',
		help: 'Time from receiving a slash command to its answer, by name and outcome',
		labelNames: ['command', 'outcome'] as const,
		buckets: LATENCY_BUCKETS,
		registers,
	});

	let shardSource: ShardStatusSource | undefined;
	new Gauge({
		name: 'discord_gateway_shard_status',
		help: 'discord.js status of each gateway shard of this process (0 ready, 1 connecting, 2 reconnecting, 3 idle, 4 nearly, 5 disconnected, 6 waiting for guilds, 7 identifying, 8 resuming)',
		labelNames: ['shard'] as const,
		registers,
		collect() {
			this.reset();
			for (const shard of shardSource?.shards() ?? []) this.set({ shard: String(shard.id) }, shard.status);
		},
	});
	new Gauge({
		name: 'discord_gateway_shard_ping_seconds',
		help: 'Heartbeat round trip of each gateway shard of this process',
		labelNames: ['shard'] as const,
		registers,
		collect() {
			this.reset();
			for (const shard of shardSource?.shards() ?? []) {
				if (shard.pingMs >= 0) this.set({ shard: String(shard.id) }, shard.pingMs / 1000);
			}
		},
	});

	return {
		registry,
		helix: {
			request: (endpoint, status, durationSeconds) =>
				helixDuration.observe({ endpoint, status: String(status) }, durationSeconds),
			rateLimit: (remaining, limit) => {
				pointsRemaining.set(remaining);
				pointsLimit.set(limit);
			},
		},
		notifier: {
			announcement: (outcome) => announcements.inc({ outcome }),
			goLivePosted: (delaySeconds) => goLiveDelay.observe(Math.max(0, delaySeconds)),
			pollCycle: (durationSeconds, channels) => {
				pollsTotal.inc({ result: 'ok' });
				pollDuration.observe(durationSeconds);
				polledChannels.set(channels);
			},
			pollFailed: () => pollsTotal.inc({ result: 'failed' }),
			eventSubNotification: (type) => eventSubNotifications.inc({ type }),
			eventSubDuplicate: () => eventSubDuplicates.inc(),
			eventSubConnected: (connected) => eventSubConnected.set(connected ? 1 : 0),
		},
		commands: {
			command: (command, outcome, durationSeconds) => {
				commandsTotal.inc({ command, outcome });
				commandDuration.observe({ command, outcome }, durationSeconds);
			},
		},
		watchShards: (source) => {
			shardSource = source;
		},
		render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
	};
}
