/**
 * The go-live notifier: the poller and the announcer wired together. Needs only the Twitch client, the store and
 * a Discord REST client (no gateway), so that it can run inside the bot or as a process of its own.
 */
import type { REST } from '@discordjs/rest';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { AnnouncementRepository } from '../store/announcement-repository.ts';
import type { GuildSettingsRepository } from '../store/guild-settings-repository.ts';
import type { StreamState } from '../store/records.ts';
import type { StreamStateRepository } from '../store/stream-state-repository.ts';
import type { WatchRepository } from '../store/watch-repository.ts';
import type { TwitchClient } from '../twitch/client.ts';
import type { BackoffPolicy } from './announcement-rules.ts';
import { Announcer } from './announcer.ts';
import { type PollCycleReport, StreamPoller } from './poller.ts';

export interface NotifierOptions {
	twitch: Pick<TwitchClient, 'getLiveStreams' | 'getArchiveForStream'>;
	repositories: {
		watches: WatchRepository;
		streamStates: StreamStateRepository;
		announcements: AnnouncementRepository;
		guildSettings: GuildSettingsRepository;
	};
	rest: REST;
	logger: Logger;
	clock: Clock;
	config: { pollIntervalSeconds: number };
	/** Tuning, mostly for tests; defaults: grace 3 min, edit throttle 60 s, nonce trust 60 s, backoff 1 min → 1 h. */
	graceMs?: number;
	editThrottleMs?: number;
	nonceTrustMs?: number;
	backoff?: BackoffPolicy;
	botUserId?: string;
	/** How long one Discord request may take (ms). */
	discordDeadlineMs?: number;
	/** How long Get Streams may take in one cycle (ms; default: the poll interval). */
	cycleDeadlineMs?: number;
}

export interface Notifier {
	/** Loads watches and states, finishes announcements a previous run left unfinished, and starts polling. */
	start(): Promise<void>;
	/** Stops polling and waits for the running cycle and the queued Discord work. */
	stop(): Promise<void>;
	/** One poll cycle now, resolving once the Discord work it caused is done (tests, the demo). */
	runCycle(): Promise<PollCycleReport>;
	/** Like start() without the loop: load and recover (tests drive cycles with runCycle). */
	prepare(): Promise<void>;
	/** The go-live state of a watched Twitch user as the poller last saw it (for `/watch list`). */
	streamStateOf(twitchUserId: string): StreamState | undefined;
	readonly poller: StreamPoller;
	readonly announcer: Announcer;
}

/** Builds the notifier from its dependencies; nothing runs until `start()` (or `prepare()` + `runCycle()`). */
export function createNotifier(options: NotifierOptions): Notifier {
	const { repositories, logger, clock } = options;
	const announcer = new Announcer({
		rest: options.rest,
		watches: repositories.watches,
		guildSettings: repositories.guildSettings,
		announcements: repositories.announcements,
		twitch: options.twitch,
		logger: logger.child({ component: 'announcer' }),
		clock,
		...(options.editThrottleMs === undefined ? {} : { editThrottleMs: options.editThrottleMs }),
		...(options.nonceTrustMs === undefined ? {} : { nonceTrustMs: options.nonceTrustMs }),
		...(options.backoff === undefined ? {} : { backoff: options.backoff }),
		...(options.botUserId === undefined ? {} : { botUserId: options.botUserId }),
		...(options.discordDeadlineMs === undefined ? {} : { discordDeadlineMs: options.discordDeadlineMs }),
	});
	const poller = new StreamPoller({
		twitch: options.twitch,
		watches: repositories.watches,
		states: repositories.streamStates,
		logger: logger.child({ component: 'poller' }),
		clock,
		intervalMs: options.config.pollIntervalSeconds * 1000,
		...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
		...(options.cycleDeadlineMs === undefined ? {} : { cycleDeadlineMs: options.cycleDeadlineMs }),
		onCycle: (cycle) => announcer.observeCycle(cycle),
	});
	let prepared: Promise<void> | undefined;
	const prepare = (): Promise<void> => {
		prepared ??= (async () => {
			await poller.loadStates();
			await announcer.recoverUnfinished((userId) => poller.getState(userId));
		})().catch((error: unknown) => {
			prepared = undefined;
			throw error;
		});
		return prepared;
	};
	return {
		poller,
		announcer,
		prepare,
		async start() {
			await prepare();
			poller.start();
		},
		async stop() {
			await poller.stop();
			await announcer.whenIdle();
		},
		async runCycle() {
			await prepare();
			const report = await poller.runCycle();
			await announcer.whenIdle();
			return report;
		},
		streamStateOf: (twitchUserId) => poller.getState(twitchUserId),
	};
}
