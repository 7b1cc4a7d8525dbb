/**
 * The poll loop, a source of observations: every POLL_INTERVAL_SECONDS, Get Streams for the Twitch users watched by
 * an active watch that the poll scheduler (poll-scheduler.ts) picks under the cycle's request budget — everyone while
 * the budget holds them all — in batches of 100 (one request each, first=100): ceil(N/100) requests per cycle
 * whatever the number of guilds. What each batch says of each user is handed to the stream states (their one owner),
 * which are then saved in one batch; users not polled this cycle are not observed at all (never 'absent'). The
 * cycle's events and live states go on to `onCycle` (the announcing side).
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { StreamState } from '../store/records.ts';
import type { WatchRepository } from '../store/watch-repository.ts';
import { HELIX_LIST_LIMIT } from '../twitch/batcher.ts';
import type { TwitchClient } from '../twitch/client.ts';
import type { TwitchStream } from '../twitch/schemas.ts';
import {
	CATEGORY_BUDGET_SHARE,
	type CategoryOverflow,
	type CategoryPoll,
	type CategorySource,
} from './category-source.ts';
import type { GoLiveEvent, StreamObservation } from './go-live-state.ts';
import type { NotifierObserver } from './notifier-observer.ts';
import { type PollBudgetOptions, type PollScheduleReport, PollScheduler, pollRequestBudget } from './poll-scheduler.ts';
import type { StreamStates } from './stream-states.ts';

export interface StreamPollerOptions {
	twitch: Pick<TwitchClient, 'getLiveStreams'>;
	watches: WatchRepository;
	states: StreamStates;
	logger: Logger;
	clock: Clock;
	/** Time from the start of one cycle to the start of the next (ms); a longer cycle delays the next, never overlaps. */
	intervalMs: number;
	/**
	 * How long Get Streams may take in one cycle (ms; default: the interval). A batch not answered by then counts as
	 * failed for this cycle (its users keep their state), so that one slow answer never stalls polling.
	 */
	cycleDeadlineMs?: number;
	/** Told each cycle's events and the live states, after the states were saved. Errors are logged. */
	onCycle?: (cycle: PollCycle) => void | Promise<void>;
	/** Whether EventSub pushes this user's go-lives (then polling is a safety net every few cycles). Default: nobody. */
	isCovered?: (userId: string) => boolean;
	/**
	 * The polling budget: points of the app's bucket per minute (800) × share (0.7) over one interval, and how often
	 * covered users are polled (every 5th cycle at least). See poll-scheduler.ts.
	 */
	budget?: PollBudgetOptions;
	/** Metrics and readiness: each cycle's duration and channels, or its failure. */
	observer?: NotifierObserver;
	/**
	 * Category watches (category-source.ts): their categories are listed first each cycle, out of the same budget,
	 * and the channels they announced are followed like watched ones. Absent: none.
	 */
	categories?: CategorySource;
}

/** What one cycle found, for the announcer. */
export interface PollCycle {
	events: GoLiveEvent[];
	/**
	 * Every watched user's live state that Twitch confirmed in this process (also those whose batch failed this cycle:
	 * they are still live). A state only read from the store is not here until a poll sees the stream: after a long
	 * downtime the stored "live" may be a stream that ended hours ago.
	 */
	liveStates: StreamState[];
	/** Streams the category watches' flood guard summarised instead of announcing (one line per watch). */
	overflows?: CategoryOverflow[];
}

/** Figures of one cycle, for logs, tests and the benchmark. */
export interface PollCycleReport {
	watchedUsers: number;
	/** Get Streams calls made (one per batch of 100). */
	batches: number;
	failedBatches: number;
	liveUsers: number;
	events: { live: number; changed: number; ended: number; resumed: number };
	/** States written to the store. */
	written: number;
	/** Watches given a new login after a rename. */
	renamed: number;
	durationMs: number;
	/** Who the scheduler picked under the budget, who waits, and the longest any watched user went unpolled. */
	schedule: PollScheduleReport;
	/** Category watches: Get Streams requests by category, category/language pairs, streams admitted and summarised. */
	category: {
		requests: number;
		groups: CategoryPoll['groups'];
		admitted: number;
		summarised: number;
		/** Followed channels seen in their category's list, so not asked about by id. */
		seenInList: number;
	};
}

type BatchResult = { userIds: string[]; streams: TwitchStream[] | null };

/** Get Streams requests of one cycle in flight at once (the rest wait their turn; answers are used as they come). */
const BATCHES_IN_FLIGHT = 8;

/** What most users are observed as every cycle: one object for all of them, not one each. */
const ABSENT: StreamObservation = Object.freeze({ kind: 'absent' });
const UNKNOWN: StreamObservation = Object.freeze({ kind: 'unknown' });

export class StreamPoller {
	private readonly twitch: Pick<TwitchClient, 'getLiveStreams'>;
	private readonly watches: WatchRepository;
	private readonly states: StreamStates;
	private readonly logger: Logger;
	private readonly clock: Clock;
	private readonly intervalMs: number;
	private readonly cycleDeadlineMs: number;
	private readonly onCycle: StreamPollerOptions['onCycle'];
	private readonly isCovered: (userId: string) => boolean;
	private readonly observer: NotifierObserver | undefined;
	private readonly scheduler: PollScheduler;
	private readonly categories: CategorySource | undefined;
	private cycleTail: Promise<unknown> = Promise.resolve();
	private loop: Promise<void> | undefined;
	private stopping: AbortController | undefined;

	constructor(options: StreamPollerOptions) {
		this.twitch = options.twitch;
		this.watches = options.watches;
		this.states = options.states;
		this.logger = options.logger;
		this.clock = options.clock;
		this.intervalMs = options.intervalMs;
		this.cycleDeadlineMs = options.cycleDeadlineMs ?? options.intervalMs;
		this.onCycle = options.onCycle;
		this.isCovered = options.isCovered ?? (() => false);
		this.observer = options.observer;
		this.categories = options.categories;
		this.scheduler = new PollScheduler({
			requestsPerCycle: pollRequestBudget(options.intervalMs, options.budget),
			...(options.budget?.coveredEveryCycles === undefined
				? {}
				: { coveredEveryCycles: options.budget.coveredEveryCycles }),
		});
	}

	/** Loads the watches and the stored states of every watched user (once; later cycles load only new users). */
	async loadStates(): Promise<void> {
		await this.watches.load();
		await this.states.load(this.watches.watchedUserIds());
	}

	/** Runs one cycle now; cycles never overlap (a call during a cycle runs after it). */
	runCycle(): Promise<PollCycleReport> {
		const cycle = this.cycleTail
			.then(() => this.cycle())
			.then(
				(report) => {
					// A cycle whose every Get Streams batch failed learned nothing: Twitch was not answering.
					if (report.batches > 0 && report.failedBatches === report.batches) this.observer?.pollFailed();
					else this.observer?.pollCycle(report.durationMs / 1000, report.batches === 0 ? 0 : sumPolled(report));
					return report;
				},
				(error: unknown) => {
					this.observer?.pollFailed();
					throw error;
				},
			);
		this.cycleTail = cycle.catch(() => {});
		return cycle;
	}

	/** Starts polling: a cycle now, then one every interval. A failing cycle is logged and the loop goes on. */
	start(): void {
		if (this.loop) return;
		const stopping = new AbortController();
		this.stopping = stopping;
		this.loop = this.runLoop(stopping.signal);
	}

	/** Stops polling; resolves once the running cycle (if any) has finished. */
	async stop(): Promise<void> {
		this.stopping?.abort();
		await this.loop;
		await this.cycleTail;
		this.loop = undefined;
		this.stopping = undefined;
	}

	private async runLoop(signal: AbortSignal): Promise<void> {
		while (!signal.aborted) {
			const started = this.clock.monotonic();
			try {
				const report = await this.runCycle();
				const { schedule, ...figures } = report;
				this.logger.debug({ ...figures, ...schedule }, 'cycle done');
			} catch (error) {
				this.logger.error({ err: error }, 'cycle failed; trying again next interval');
			}
			const wait = Math.max(0, this.intervalMs - (this.clock.monotonic() - started));
			try {
				await this.clock.sleep(wait, signal);
			} catch {
				break; // aborted by stop()
			}
		}
	}

	private async cycle(): Promise<PollCycleReport> {
		const started = performance.now();
		await this.watches.load();
		const categoryPoll = await this.pollCategories();
		const userIds = this.followedUserIds();
		await this.states.load(userIds);
		const scheduledAt = this.clock.monotonic();
		const plan = this.scheduler.plan({
			watched: userIds,
			now: scheduledAt,
			isLive: (userId) => this.states.get(userId)?.status === 'live',
			isCovered: this.isCovered,
			requestBudget: this.scheduler.requestsPerCycle - (categoryPoll?.requests ?? 0),
		});
		// A followed channel its category's list showed this cycle needs no request of its own.
		// From the lists (a few hundred streams a pair), not from every followed channel (100,000s).
		const seenInList = new Map<string, TwitchStream>();
		for (const [userId, stream] of categoryPoll?.seen ?? []) {
			if (this.categories?.follows(userId) || this.watches.isActivelyWatched(userId)) seenInList.set(userId, stream);
		}
		const asked = seenInList.size === 0 ? plan.userIds : plan.userIds.filter((userId) => !seenInList.has(userId));
		const batches: string[][] = [];
		for (let i = 0; i < asked.length; i += HELIX_LIST_LIMIT) {
			batches.push(asked.slice(i, i + HELIX_LIST_LIMIT));
		}

		// One call per batch so that a failing batch fails alone: its users are 'unknown', the others go on. A batch
		// still unanswered at the cycle's deadline fails the same way (its late answer is dropped), and one not sent by
		// then is not sent. At most BATCHES_IN_FLIGHT are asked at once, and each answer goes to the state machine as
		// it arrives: holding 1,000 answers until the last one came kept ~45 MB alive per cycle at 100k channels.
		const deadline = new AbortController();
		const deadlinePassed = this.clock.sleep(this.cycleDeadlineMs, deadline.signal).then(
			() => true,
			() => false,
		);
		let passed = false;
		void deadlinePassed.then((value) => {
			passed = value;
		});
		const events: GoLiveEvent[] = [];
		const renames = new Map<string, TwitchStream>();
		let failedBatches = 0;
		this.scheduler.markPolled(seenInList.keys(), scheduledAt);
		for (const [userId, stream] of seenInList) {
			for (const event of this.states.observe(userId, { kind: 'live', stream })) events.push(event);
			if (this.isRenamed(stream)) renames.set(userId, stream);
		}
		const apply = (result: BatchResult): void => {
			if (result.streams === null) failedBatches++;
			else this.scheduler.markPolled(result.userIds, scheduledAt);
			const byUser = new Map((result.streams ?? []).map((stream) => [stream.userId, stream]));
			for (const userId of result.userIds) {
				const stream = byUser.get(userId);
				const observation: StreamObservation =
					result.streams === null ? UNKNOWN : stream ? { kind: 'live', stream } : ABSENT;
				for (const event of this.states.observe(userId, observation)) events.push(event);
				if (stream && this.isRenamed(stream)) renames.set(userId, stream);
			}
		};
		const ask = (batch: string[]): Promise<BatchResult> =>
			Promise.race([
				this.twitch.getLiveStreams(batch).then(
					(streams) => ({ userIds: batch, streams }),
					(error: unknown) => {
						this.logger.warn(
							{ err: error, users: batch.length },
							'a Get Streams batch failed; its users keep their state this cycle',
						);
						return { userIds: batch, streams: null };
					},
				),
				deadlinePassed.then((late) => {
					if (late) {
						this.logger.warn(
							{ users: batch.length, deadlineMs: this.cycleDeadlineMs },
							'a Get Streams batch passed the cycle deadline; its users keep their state this cycle',
						);
					}
					return late ? { userIds: batch, streams: null } : new Promise<BatchResult>(() => {});
				}),
			]);
		let next = 0;
		const worker = async (): Promise<void> => {
			while (next < batches.length) {
				const batch = batches[next++] ?? [];
				apply(passed ? { userIds: batch, streams: null } : await ask(batch));
			}
		};
		try {
			await Promise.all(Array.from({ length: Math.min(BATCHES_IN_FLIGHT, batches.length) }, worker));
		} finally {
			deadline.abort();
		}

		const written = await this.states.save();
		if (this.categories) {
			// Channels whose admitted stream is over are not followed any more.
			this.categories.settle((userId) => this.states.get(userId));
			await this.categories.save();
		}
		const renamed = await this.applyRenames(renames);
		const liveStates = this.states.liveConfirmed(userIds);
		if (this.onCycle) {
			try {
				await this.onCycle({ events, liveStates, overflows: categoryPoll?.overflows ?? [] });
			} catch (error) {
				this.logger.error({ err: error }, 'handing the cycle to the announcer failed');
			}
		}

		const report: PollCycleReport = {
			watchedUsers: userIds.length,
			batches: batches.length,
			failedBatches,
			liveUsers: liveStates.length,
			events: {
				live: events.filter((event) => event.kind === 'live').length,
				changed: events.filter((event) => event.kind === 'changed').length,
				ended: events.filter((event) => event.kind === 'ended').length,
				resumed: events.filter((event) => event.kind === 'resumed').length,
			},
			written,
			renamed,
			durationMs: performance.now() - started,
			schedule: plan.report,
			category: {
				requests: categoryPoll?.requests ?? 0,
				groups: categoryPoll?.groups ?? { watched: 0, polled: 0, failed: 0 },
				admitted: categoryPoll?.admitted ?? 0,
				summarised: (categoryPoll?.overflows ?? []).reduce((sum, overflow) => sum + overflow.streams.length, 0),
				seenInList: seenInList.size,
			},
		};
		for (const event of events) {
			if (event.kind !== 'changed') {
				this.logger.info({ userId: event.userId, streamId: event.streamId }, `stream ${event.kind}`);
			}
		}
		return report;
	}

	/** The category watches' share of the cycle (see category-source.ts); a failure there leaves watched channels be. */
	private async pollCategories(): Promise<CategoryPoll | undefined> {
		if (!this.categories) return undefined;
		try {
			return await this.categories.poll(Math.floor(this.scheduler.requestsPerCycle * CATEGORY_BUDGET_SHARE));
		} catch (error) {
			this.logger.warn({ err: error }, 'category watches could not be polled this cycle; trying again next cycle');
			return undefined;
		}
	}

	/** Channels watched by name, and those followed for a category watch. */
	private followedUserIds(): string[] {
		const watched = this.watches.watchedUserIds();
		const followed = this.categories?.followedUserIds() ?? [];
		if (followed.length === 0) return watched;
		const known = new Set(watched);
		return [...watched, ...followed.filter((userId) => !known.has(userId))];
	}

	/** Whether any guild's watch of this user still has the old login or display name. */
	private isRenamed(stream: TwitchStream): boolean {
		return this.watches
			.watchesForUser(stream.userId)
			.some((watch) => watch.login !== stream.userLogin || watch.displayName !== stream.userName);
	}

	/** Watches are keyed by user id, so a rename loses nothing; this only keeps the shown login current. */
	private async applyRenames(renames: Map<string, TwitchStream>): Promise<number> {
		let renamed = 0;
		await Promise.all(
			[...renames.values()].map(async (stream) => {
				try {
					await this.watches.updateIdentity(stream.userId, stream.userLogin, stream.userName);
					renamed++;
				} catch (error) {
					this.logger.warn({ err: error, userId: stream.userId }, 'could not record a rename');
				}
			}),
		);
		return renamed;
	}
}

/** Channels a cycle asked Twitch about (its plan, every class). */
function sumPolled(report: PollCycleReport): number {
	const { live, uncovered, covered } = report.schedule.polled;
	return live + uncovered + covered;
}
