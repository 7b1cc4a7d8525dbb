/**
 * The go-live notifier, wired as a pipeline that only ever calls downward:
 *
 *   source (poller.ts: Get Streams every interval)
 *     → stream states (stream-states.ts over the pure go-live-state.ts: the one owner of stream state)
 *     → planner (planner.ts, pure: what to do per target)
 *     → delivery (live-delivery.ts, stream-end.ts: per-stream queues, intent → post → record, retries;
 *                 delivery-status.ts: backoff, problems, pauses)
 *     → Discord message port (discord-messages.ts: routes, bodies, per-channel queues, deadlines)
 *
 * Needs only the Twitch client, the store and a Discord REST client (no gateway), so that it can run inside the bot
 * or as a process of its own.
 */
import type { REST } from '@discordjs/rest';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { AnnouncementRepository } from '../store/announcement-repository.ts';
import type { CategoryMatchRepository } from '../store/category-match-repository.ts';
import type { CategoryWatchRepository } from '../store/category-watch-repository.ts';
import type { DeliveryStatusRepository } from '../store/delivery-status-repository.ts';
import type { GuildSettingsRepository } from '../store/guild-settings-repository.ts';
import type { StreamState } from '../store/records.ts';
import type { StreamStateRepository } from '../store/stream-state-repository.ts';
import type { ViewerSampleRepository } from '../store/viewer-sample-repository.ts';
import type { WatchRepository } from '../store/watch-repository.ts';
import type { TwitchClient } from '../twitch/client.ts';
import type { AnnouncementRenderer } from './announcement-port.ts';
import { withFence } from './announcement-records.ts';
import type { BackoffPolicy } from './announcement-rules.ts';
import { CategorySource } from './category-source.ts';
import { CategorySummaries } from './category-summaries.ts';
import { targetDirectory } from './category-targets.ts';
import { DeliveryStatusBook } from './delivery-status.ts';
import { DiscordMessages } from './discord-messages.ts';
import { ElapsedTime } from './elapsed-time.ts';
import { EventSubSource, type EventSubSourceOptions, type PushedObservation } from './eventsub-source.ts';
import { DEFAULT_END_GRACE_MS } from './go-live-state.ts';
import { LiveDelivery } from './live-delivery.ts';
import type { NotifierObserver } from './notifier-observer.ts';
import { type PollCycle, type PollCycleReport, StreamPoller } from './poller.ts';
import { END_RETRY_WINDOW_MS, StreamEnds } from './stream-end.ts';
import { StreamQueues } from './stream-queues.ts';
import { ViewerSampler } from './stream-sampler.ts';
import { StreamStates } from './stream-states.ts';

export interface NotifierOptions {
	/** `getCategoryStreams`: for category watches (absent: they are not polled). */
	twitch: Pick<TwitchClient, 'getLiveStreams' | 'getArchiveForStream'> &
		Partial<Pick<TwitchClient, 'getCategoryStreams'>>;
	repositories: {
		watches: WatchRepository;
		/** Category watches and what they decided (category-source.ts); absent: none are polled. */
		categoryWatches?: CategoryWatchRepository;
		categoryMatches?: CategoryMatchRepository;
		streamStates: StreamStateRepository;
		announcements: AnnouncementRepository;
		guildSettings: GuildSettingsRepository;
		deliveryStatus: DeliveryStatusRepository;
		/** Where viewer samples go (the stream summary); absent: none are taken. */
		viewerSamples?: ViewerSampleRepository;
	};
	rest: REST;
	/** How announcements look (src/views/announcement.ts's announcementRenderer). */
	renderer: AnnouncementRenderer;
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
	/**
	 * How long a Discord write may still take (see DiscordMessages): the lease of the active notifier when several
	 * processes share the store (leased-notifier.ts); absent, writes are never held back.
	 */
	writeWindowMs?: () => number;
	/** The fencing number of the lease this notifier writes under: stamped on every announcement record. */
	fence?: () => number | undefined;
	/** EventSub over a conduit WebSocket as the instant source (polling stays the safety net); absent: polling only. */
	eventsub?: Omit<EventSubSourceOptions, 'watches' | 'logger' | 'onObservation' | 'observer'>;
	/** Metrics and readiness (src/observe): what the notifier did, as it does it. */
	observer?: NotifierObserver;
}

export interface Notifier {
	/** Loads watches and states, takes up what a previous run left unfinished, and starts polling. */
	start(): Promise<void>;
	/** Stops polling and waits for the running cycle and the queued Discord work. */
	stop(): Promise<void>;
	/** One poll cycle now, resolving once the Discord work it caused is done (tests, the demo). */
	runCycle(): Promise<PollCycleReport>;
	/** Like start() without the loop: load and recover (tests drive cycles with runCycle). */
	prepare(): Promise<void>;
	/** Resolves when all queued Discord work has finished. */
	whenIdle(): Promise<void>;
	/** The go-live state of a watched Twitch user as last observed (for `/watch list`). */
	streamStateOf(twitchUserId: string): StreamState | undefined;
	/** Whether EventSub pushes this user's go-lives (else polling alone finds them). */
	isInstant(twitchUserId: string): boolean;
	readonly poller: StreamPoller;
	/** The EventSub source, when enabled. */
	readonly eventsub: EventSubSource | undefined;
}

/** Subscriptions are checked against Twitch's list at least this often (in poll cycles: 30 min at the default). */
const FULL_RECONCILE_CYCLES = 30;

/** Pins of the elapsed-time tracker are not needed longer than the longest duration asked (end retry window). */
const ELAPSED_HORIZON_MS = 2 * END_RETRY_WINDOW_MS;

/** Builds the notifier from its dependencies; nothing runs until `start()` (or `prepare()` + `runCycle()`). */
export function createNotifier(options: NotifierOptions): Notifier {
	const { repositories, clock } = options;
	const logger = options.logger;
	const delivering = logger.child({ component: 'delivery' });
	const elapsed = new ElapsedTime(clock);
	const messages = new DiscordMessages(options.rest, {
		deadlineMs: options.discordDeadlineMs,
		botUserId: options.botUserId,
		isAnnouncementOf: options.renderer.isAnnouncementOf,
		...(options.writeWindowMs ? { writeWindowMs: options.writeWindowMs } : {}),
	});
	const queues = new StreamQueues(delivering);
	const twitch = options.twitch;
	const categories =
		repositories.categoryWatches && repositories.categoryMatches && twitch.getCategoryStreams
			? new CategorySource({
					twitch: { getCategoryStreams: twitch.getCategoryStreams.bind(twitch) },
					categoryWatches: repositories.categoryWatches,
					watches: repositories.watches,
					matches: repositories.categoryMatches,
					guildSettings: repositories.guildSettings,
					logger: logger.child({ component: 'categories' }),
					clock,
				})
			: undefined;
	const status = new DeliveryStatusBook({
		watches: repositories.watches,
		...(repositories.categoryWatches ? { categoryWatches: repositories.categoryWatches } : {}),
		deliveryStatus: repositories.deliveryStatus,
		logger: delivering,
		clock,
		elapsed,
		...(options.backoff === undefined ? {} : { backoff: options.backoff }),
		...(options.observer ? { observer: options.observer } : {}),
	});
	const shared = {
		queues,
		messages,
		renderer: options.renderer,
		status,
		logger: delivering,
		clock,
		elapsed,
		...repositories,
		// A stream's targets: its channel's watches, and the category watches that took it.
		watches: targetDirectory(repositories.watches, categories),
		...(options.fence ? { fence: options.fence } : {}),
		...(options.observer ? { observer: options.observer } : {}),
	};
	const live = new LiveDelivery({
		...shared,
		...(options.editThrottleMs === undefined ? {} : { editThrottleMs: options.editThrottleMs }),
		...(options.nonceTrustMs === undefined ? {} : { nonceTrustMs: options.nonceTrustMs }),
	});
	const ends = new StreamEnds({ ...shared, twitch: options.twitch });
	const sampler = repositories.viewerSamples
		? new ViewerSampler({
				repository: repositories.viewerSamples,
				clock,
				logger: logger.child({ component: 'viewer-samples' }),
			})
		: undefined;
	const states = new StreamStates({
		repository: repositories.streamStates,
		clock,
		logger: logger.child({ component: 'stream-states' }),
		...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
	});

	/**
	 * Hands findings to delivery and returns at once (posting must not hold up polling). `everyLiveStream`: the live states are all of them (a poll cycle), so the memory of
	 * streams not among them can go; a push names one user only.
	 */
	const observeCycle = (cycle: PollCycle, everyLiveStream = true): void => {
		elapsed.sweep(ELAPSED_HORIZON_MS);
		for (const event of cycle.events) {
			if (event.kind === 'ended') ends.observeEnded(event);
			else if (event.kind === 'resumed') ends.observeResumed(event);
		}
		const liveStreamIds = new Set<string>();
		for (const state of cycle.liveStates) {
			if (state.streamId !== null) liveStreamIds.add(state.streamId);
			live.observe(state);
		}
		if (everyLiveStream) queues.forgetIdle(liveStreamIds);
		ends.retryDue();
	};

	/** A push from EventSub goes the same way as a poll cycle's findings: state, then delivery. */
	const stopping = new AbortController();
	const applyPushed = async ({ userId, observation, sentAt }: PushedObservation): Promise<void> => {
		await states.load([userId]);
		const events = states.observePushed(userId, observation, sentAt);
		// stream.offline starts the grace period; its end comes without waiting for a poll. The timer starts in the same
		// step as the state that says "missing", not after the store write: from the moment the stream is known to be
		// missing, its end is already on the way (a slow store must neither delay it nor let the clock move first).
		if (observation.kind === 'absent') void endAfterGrace(userId);
		await states.save();
		observeCycle({ events, liveStates: states.liveConfirmed([userId]) }, false);
	};
	const endAfterGrace = async (userId: string): Promise<void> => {
		try {
			await clock.sleep((options.graceMs ?? DEFAULT_END_GRACE_MS) + 1_000, stopping.signal);
		} catch {
			return; // stopping
		}
		if (states.get(userId)?.missingSince == null) return; // seen live again meanwhile
		const events = states.observe(userId, { kind: 'absent', pushed: true });
		await states.save();
		observeCycle({ events, liveStates: states.liveConfirmed([userId]) }, false);
	};
	const eventsub = options.eventsub
		? new EventSubSource({
				...options.eventsub,
				watches: repositories.watches,
				logger: logger.child({ component: 'eventsub' }),
				onObservation: applyPushed,
				...(options.observer ? { observer: options.observer } : {}),
			})
		: undefined;
	let reconciledAt = -1; // the watch index's revision the subscriptions were last brought in line with
	let cyclesSinceReconcile = 0;
	/**
	 * After a cycle: subscriptions follow the watched users when they changed (a watch added or removed), after a
	 * revocation, and every FULL_RECONCILE_CYCLES cycles anyway (a subscription deleted behind the bot's back).
	 */
	const reconcileIfWatchesChanged = (): void => {
		if (!eventsub?.started) return;
		const revision = repositories.watches.revision;
		cyclesSinceReconcile++;
		const due = eventsub.needsReconcile || cyclesSinceReconcile >= FULL_RECONCILE_CYCLES;
		if (revision === reconciledAt && !due) return;
		reconciledAt = revision;
		cyclesSinceReconcile = 0;
		eventsub.reconcile().catch((error: unknown) => {
			reconciledAt = -1;
			logger.warn({ err: error }, 'could not bring the EventSub subscriptions up to date; trying again next cycle');
		});
	};

	const poller = new StreamPoller({
		twitch: options.twitch,
		watches: repositories.watches,
		states,
		logger: logger.child({ component: 'poller' }),
		clock,
		intervalMs: options.config.pollIntervalSeconds * 1000,
		...(options.cycleDeadlineMs === undefined ? {} : { cycleDeadlineMs: options.cycleDeadlineMs }),
		// Users EventSub covers are polled as a safety net every few cycles once the budget is short (poll-scheduler.ts).
		isCovered: (id) => eventsub?.isCovered(id) ?? false,
		...(options.observer ? { observer: options.observer } : {}),
		...(categories ? { categories } : {}),
		onCycle: (cycle) => {
			observeCycle(cycle);
			sampler?.observe(cycle.liveStates);
			reconcileIfWatchesChanged();
			if (cycle.overflows && cycle.overflows.length > 0) summaries.post(cycle.overflows);
		},
	});

	/**
	 * At start: takes up what a previous run left unfinished. An end action that had not gone through is tried again
	 * at the next cycle, whatever the streamer did since. An intent (decided, maybe not posted) waits for a source to
	 * confirm its stream is live (see StreamStates), and is dropped when the stream turns out to be over; the stored
	 * state alone is not trusted. An intent whose stored state already says the stream is not live is dropped now.
	 */
	const recoverUnfinished = async (): Promise<void> => {
		const unfinished = await repositories.announcements.listUnfinished();
		let resumed = 0;
		let abandoned = 0;
		for (const announcement of unfinished) {
			const state = states.get(announcement.userId);
			if (announcement.phase === 'posted') {
				ends.takeOverUnfinished(announcement, state);
				resumed++;
			} else if (state?.status === 'live' && state.streamId === announcement.streamId) {
				resumed++; // delivered by the first cycle that confirms the stream
			} else {
				await repositories.announcements.put(withFence({ ...announcement, phase: 'abandoned' }, options.fence?.()));
				delivering.info(
					{ streamId: announcement.streamId, channelId: announcement.channelId },
					'dropped an unposted announcement: the stream is no longer live',
				);
				abandoned++;
			}
		}
		if (unfinished.length > 0) {
			delivering.info({ resumed, abandoned }, 'found announcements a previous run had not finished');
		}
	};

	// A guild's delivery status changed elsewhere (a /watch test, another process): read it again when needed.
	const stopTouched = repositories.watches.onGuildTouched((guildId) =>
		repositories.deliveryStatus.forgetGuild(guildId),
	);

	const summaries = new CategorySummaries({
		queues,
		messages,
		renderer: options.renderer,
		guildSettings: repositories.guildSettings,
		logger: delivering,
	});

	let prepared: Promise<void> | undefined;
	const prepare = (): Promise<void> => {
		prepared ??= (async () => {
			await poller.loadStates();
			await recoverUnfinished();
		})().catch((error: unknown) => {
			prepared = undefined;
			throw error;
		});
		return prepared;
	};
	return {
		poller,
		prepare,
		async start() {
			await prepare();
			if (eventsub) {
				// Without EventSub the bot still works (polling): a failure here is logged, not fatal.
				await eventsub.start().then(reconcileIfWatchesChanged, (error: unknown) => {
					logger.warn({ err: error }, 'EventSub is unavailable; go-lives are found by polling alone for now');
				});
			}
			poller.start();
		},
		async stop() {
			stopTouched();
			stopping.abort();
			eventsub?.stop();
			await poller.stop();
			await queues.whenIdle();
			await summaries.whenDone();
			await sampler?.whenIdle();
		},
		async runCycle() {
			await prepare();
			const report = await poller.runCycle();
			await queues.whenIdle();
			await summaries.whenDone();
			await sampler?.whenIdle();
			return report;
		},
		whenIdle: () => queues.whenIdle(),
		streamStateOf: (twitchUserId) => states.get(twitchUserId),
		isInstant: (twitchUserId) => eventsub?.isCovered(twitchUserId) ?? false,
		eventsub,
	};
}
