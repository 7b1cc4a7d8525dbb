/**
 * How delivery to each target went: the last problem (shown in `/watch list`), the backoff before the next try,
 * the pause of a target that is gone, and the last success. Waits are measured on the monotonic clock.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { type CategoryWatchRepository, categoryStatusTarget } from '../store/category-watch-repository.ts';
import type { DeliveryStatusRepository } from '../store/delivery-status-repository.ts';
import type { Announcement, StoredRead, StoredWrite, Watch, WatchPause } from '../store/records.ts';
import type { WatchRepository } from '../store/watch-repository.ts';
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from './announcement-rules.ts';
import { categoryOf } from './category-targets.ts';
import { type DeliveryProblem, DiscordErrorCode, describeDeliveryError } from './delivery-problems.ts';
import type { ElapsedTime } from './elapsed-time.ts';
import type { NotifierObserver } from './notifier-observer.ts';

export interface DeliveryStatusBookOptions {
	watches: WatchRepository;
	/** Where a category target's pause goes (its category watch); absent: category targets are never paused. */
	categoryWatches?: CategoryWatchRepository;
	deliveryStatus: DeliveryStatusRepository;
	logger: Logger;
	clock: Clock;
	elapsed: ElapsedTime;
	backoff?: BackoffPolicy;
	/** Metrics: each problem recorded counts as a failed announcement step. */
	observer?: NotifierObserver;
}

export class DeliveryStatusBook {
	private readonly watches: WatchRepository;
	private readonly categoryWatches: CategoryWatchRepository | undefined;
	private readonly statuses: DeliveryStatusRepository;
	private readonly logger: Logger;
	private readonly clock: Clock;
	private readonly elapsed: ElapsedTime;
	private readonly backoff: BackoffPolicy;
	private readonly observer: NotifierObserver | undefined;

	constructor(options: DeliveryStatusBookOptions) {
		this.observer = options.observer;
		this.watches = options.watches;
		this.categoryWatches = options.categoryWatches;
		this.statuses = options.deliveryStatus;
		this.logger = options.logger;
		this.clock = options.clock;
		this.elapsed = options.elapsed;
		this.backoff = options.backoff ?? DEFAULT_BACKOFF;
	}

	/**
	 * Reads the statuses of these watches' targets not in memory yet (for inBackoff), as a share of a read made
	 * together with other repositories (see AnnouncementRepository.readTogether).
	 */
	loading(watches: readonly Watch[]): StoredRead<void> {
		return this.statuses.reading(watches.map(statusOwner));
	}

	/**
	 * Whether a target that kept failing is still waiting before the next attempt (on the monotonic clock). From
	 * memory: a status not read yet counts as no backoff, and `loading` reads it before anything is sent.
	 */
	inBackoff(watch: Watch): boolean {
		const owner = statusOwner(watch);
		const retryAt = this.statuses.peek(owner)?.retryAt ?? null;
		if (retryAt === null) return false;
		return this.elapsed.until(backoffKey(owner), retryAt, this.backoff.maxMs) > 0;
	}

	/** What a Discord failure means for the admin; its raw detail is logged under the problem's incident id. */
	describe(error: unknown, announcement: Pick<Announcement, 'streamId' | 'guildId' | 'channelId'>): DeliveryProblem {
		const { streamId, guildId, channelId } = announcement;
		return describeDeliveryError(error, { logger: this.logger, context: { streamId, guildId, channelId } });
	}

	/** Records a failure: its message and the backoff in the target's status, and a pause on the watch when it is gone. */
	async recordProblem(watch: Watch, channelId: string | null, problem: DeliveryProblem): Promise<void> {
		this.observer?.announcement('failed');
		const now = this.clock.now();
		this.logger.warn(
			{ guildId: watch.guildId, twitchUserId: watch.twitchUserId, channelId, code: problem.code },
			`delivery problem: ${problem.message}`,
		);
		const pause = pauseFor(problem, channelId, now);
		if (pause) {
			this.logger.warn(
				{ guildId: watch.guildId, twitchUserId: watch.twitchUserId, channelId, reason: pause.reason },
				'paused the watch: nothing more is sent to its channel until an admin fixes it or the bot is back',
			);
		}
		const category = categoryOf(watch);
		if (pause && category) {
			await this.categoryWatches?.update(watch.guildId, category.id, (current) => ({
				...current,
				paused: current.paused ?? pause,
			}));
		} else if (pause) {
			await this.watches.update(watch.guildId, watch.twitchUserId, (current) => ({
				...current,
				paused: current.paused ?? pause,
			}));
		}
		const owner = statusOwner(watch);
		await this.statuses.update(owner, (current) => {
			const failures = problem.backoff ? current.consecutiveFailures + 1 : current.consecutiveFailures;
			const wait = Math.max(backoffDelay(failures, this.backoff), problem.retryAfterMs);
			// Pinned now, so that the wait is measured on the monotonic clock even if the wall clock steps.
			if (problem.backoff) this.elapsed.until(backoffKey(owner), now + wait, wait);
			return {
				...current,
				lastError: { code: problem.code, message: problem.message, at: now },
				consecutiveFailures: failures,
				retryAt: problem.backoff ? now + wait : current.retryAt,
			};
		});
	}

	/**
	 * A success, to be stored with the post's record (AnnouncementRepository.put): the problem and backoff are
	 * cleared; `announced` also stamps the last announcement.
	 */
	success(watch: Watch, announced: boolean): StoredWrite {
		const now = this.clock.now();
		return this.statuses.updating(statusOwner(watch), (current) => ({
			...current,
			lastAnnouncedAt: announced ? now : current.lastAnnouncedAt,
			lastError: null,
			consecutiveFailures: 0,
			retryAt: null,
			lastSuccessAt: now,
		}));
	}
}

/** Discord errors that a later try may not meet again: server errors, rate limits, the network. */
export function isPassing(problem: DeliveryProblem): boolean {
	return problem.code === null || problem.code === 429 || problem.code >= 500;
}

/** The search for an earlier post could not be trusted, so nothing was posted (see findEarlierPost). */
export function unverifiablePostProblem(reason: 'missing-read-message-history' | 'search-failed'): DeliveryProblem {
	return {
		code: null,
		message:
			reason === 'missing-read-message-history'
				? 'Missing Read Message History: after a restart the bot must check whether it already posted, and ' +
					'cannot. It did not post again (no second ping). Give it Read Message History in the post channel.'
				: 'Could not check whether this go-live was already posted; the bot did not post again and will retry.',
		backoff: true,
		retryAfterMs: 0,
		messageGone: false,
	};
}

/** Discord answers that mean the target is gone or out of reach until someone acts: the watch is paused. */
function pauseFor(problem: DeliveryProblem, channelId: string | null, now: number): WatchPause | null {
	if (channelId === null) return null;
	if (problem.code === DiscordErrorCode.UnknownChannel) return { reason: 'channel-deleted', channelId, at: now };
	if (problem.code === DiscordErrorCode.MissingAccess) return { reason: 'no-access', channelId, at: now };
	return null;
}

/** Whose delivery status a target's outcome is: its watch's, or for a category target its category watch's. */
function statusOwner(watch: Watch): Watch {
	const category = categoryOf(watch);
	if (!category) return watch;
	return { ...watch, ...categoryStatusTarget(category), delivery: undefined, lastAnnouncedAt: undefined };
}

function backoffKey(watch: Pick<Watch, 'guildId' | 'twitchUserId'>): string {
	return `retry:${watch.guildId}:${watch.twitchUserId}`;
}
