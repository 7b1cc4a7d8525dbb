/**
 * Which watched users a poll cycle asks Get Streams about, under a request budget per cycle. Pure: no clock, no I/O;
 * the caller hands in the time (monotonic ms) and what it knows of each user, and tells back who was polled.
 *
 * Twitch's app bucket is 800 points a minute and Get Streams takes 100 users per request, so polling every watched
 * user every minute stops near 80,000 users, and commands, VOD look-ups and EventSub set-up need points too. With
 * EventSub the primary source of go-lives, polling is the safety net, spent in this order:
 *
 * 1. live users, every cycle, even past the budget: only a poll sees a stream end, a title/category change, viewers;
 * 2. users covered by EventSub: the `ceil(covered / coveredEveryCycles)` unpolled longest, every cycle (round robin),
 *    so that each is polled at least every `coveredEveryCycles` cycles and a dropped event is caught within minutes;
 * 3. users NOT covered: every cycle while the budget allows; past it, those unpolled longest first (never polled in
 *    this process first of all), so that nobody is starved;
 * 4. what the budget has left: covered users not due yet, longest unpolled first. With no EventSub, or a budget that
 *    holds everyone, every watched user is therefore polled every cycle, as before the budget existed.
 *
 * The bound: with S = users the budget holds (requests × 100), L live, C covered and U uncovered users (not live),
 * and q = ceil(C / coveredEveryCycles), a covered user waits at most `coveredEveryCycles` cycles and an uncovered one
 * at most ceil(U / (S - L - q)) cycles, as long as S > L + q (see `pollDelayBound`). The order is kept without
 * sorting: users sit in two insertion-ordered maps (never polled; polled, by time of last poll), so a cycle is O(N).
 */
import { HELIX_LIST_LIMIT } from '../twitch/batcher.ts';

/** Twitch's Helix bucket for an app: 800 points a minute (each Get Streams request costs 1). */
export const TWITCH_POINTS_PER_MINUTE = 800;
/** Share of the bucket polling may plan to spend: the rest stays for commands, VOD look-ups and EventSub set-up. */
export const DEFAULT_POLL_SHARE = 0.7;
/** Covered users are polled at least every this many cycles (5 minutes at the default 60 s interval). */
export const DEFAULT_COVERED_EVERY_CYCLES = 5;

export interface PollBudgetOptions {
	/** Points the app's bucket refills per minute. Default 800 (Twitch's). */
	pointsPerMinute?: number;
	/** Share of those points polling may spend. Default 0.7. */
	share?: number;
	/** Poll EventSub-covered users at least every this many cycles. Default 5. */
	coveredEveryCycles?: number;
}

/** Get Streams requests one cycle may spend: the points refilled over one interval × the polling share (at least 1). */
export function pollRequestBudget(intervalMs: number, options: PollBudgetOptions = {}): number {
	const pointsPerMinute = options.pointsPerMinute ?? TWITCH_POINTS_PER_MINUTE;
	const share = options.share ?? DEFAULT_POLL_SHARE;
	return Math.max(1, Math.floor(((pointsPerMinute * intervalMs) / 60_000) * share));
}

/** The most cycles a user of each class waits between two polls with this many users, or null when starved. */
export interface PollDelayBound {
	uncoveredCycles: number | null;
	coveredCycles: number;
}

/**
 * The bound the scheduler keeps in a steady state (same watched users, live and covered): cycles between two polls
 * of one user. Uncovered users are served round robin with at least S - L - q places a cycle; null when the live
 * users and the covered quota leave them none.
 */
export function pollDelayBound(figures: {
	requestsPerCycle: number;
	live: number;
	covered: number;
	uncovered: number;
	coveredEveryCycles?: number;
}): PollDelayBound {
	const every = figures.coveredEveryCycles ?? DEFAULT_COVERED_EVERY_CYCLES;
	const quota = Math.ceil(figures.covered / every);
	const left = figures.requestsPerCycle * HELIX_LIST_LIMIT - figures.live - quota;
	const uncoveredCycles =
		figures.uncovered === 0 ? 1 : left <= 0 ? null : Math.max(1, Math.ceil(figures.uncovered / left));
	return { uncoveredCycles, coveredCycles: every };
}

export interface PollPlanInput {
	/** Every watched user, in the order batches should follow when everyone fits (the watch store's order). */
	watched: readonly string[];
	/** Monotonic ms of this cycle. */
	now: number;
	isLive: (userId: string) => boolean;
	isCovered: (userId: string) => boolean;
}

/** What one cycle's plan looked like, for the cycle report. */
export interface PollScheduleReport {
	/** Get Streams requests the budget allows this cycle. */
	budgetRequests: number;
	/** Users planned this cycle, per class (a live user counts as live whether covered or not). */
	polled: { live: number; uncovered: number; covered: number };
	/** Watched users left for a later cycle, per class. */
	waiting: { uncovered: number; covered: number };
	/** The longest time any watched user had gone unpolled at this cycle (ms since its last poll, or since first seen). */
	worstDelayMs: number;
	/** The same, for users not covered by EventSub (live or not). */
	worstUncoveredDelayMs: number;
}

export interface PollPlan {
	/** Users to ask about, in watched order (split into requests of 100 by the caller). */
	userIds: string[];
	report: PollScheduleReport;
}

export interface PollSchedulerOptions {
	/** Get Streams requests a cycle may spend (see `pollRequestBudget`). */
	requestsPerCycle: number;
	/** Default 5. */
	coveredEveryCycles?: number;
}

export class PollScheduler {
	readonly requestsPerCycle: number;
	readonly coveredEveryCycles: number;
	/** Users not polled yet in this process, by when they were first seen (monotonic ms), oldest first. */
	private readonly neverPolled = new Map<string, number>();
	/** Users polled, by when they were last polled (monotonic ms): insertion order is oldest first. */
	private readonly lastPolled = new Map<string, number>();

	constructor(options: PollSchedulerOptions) {
		this.requestsPerCycle = Math.max(1, Math.floor(options.requestsPerCycle));
		this.coveredEveryCycles = Math.max(1, Math.floor(options.coveredEveryCycles ?? DEFAULT_COVERED_EVERY_CYCLES));
	}

	/** Decides who this cycle polls; tell back who was actually polled with `markPolled`. */
	plan(input: PollPlanInput): PollPlan {
		const { now, isLive, isCovered } = input;
		const watched = new Set(input.watched);
		this.forgetUnwatched(watched);
		for (const userId of watched) {
			if (!this.lastPolled.has(userId) && !this.neverPolled.has(userId)) this.neverPolled.set(userId, now);
		}

		const capacity = this.requestsPerCycle * HELIX_LIST_LIMIT;
		const chosen = new Set<string>();
		const polled = { live: 0, uncovered: 0, covered: 0 };
		const live = new Set<string>();
		let covered = 0;
		for (const userId of watched) {
			if (isLive(userId)) {
				live.add(userId);
				chosen.add(userId);
				polled.live++;
			} else if (isCovered(userId)) covered++;
		}
		const coveredQuota = Math.ceil(covered / this.coveredEveryCycles);
		// Longest unpolled first: never polled (by first sight), then by last poll; live users are already chosen.
		const takeOldest = (wanted: (userId: string) => boolean, limit: number, counter: 'uncovered' | 'covered') => {
			let taken = 0;
			for (const order of [this.neverPolled, this.lastPolled]) {
				for (const userId of order.keys()) {
					if (taken >= limit || chosen.size >= capacity) return;
					if (chosen.has(userId) || !wanted(userId)) continue;
					chosen.add(userId);
					polled[counter]++;
					taken++;
				}
			}
		};
		takeOldest(isCovered, coveredQuota, 'covered');
		takeOldest((userId) => !isCovered(userId), Number.POSITIVE_INFINITY, 'uncovered');
		takeOldest(isCovered, Number.POSITIVE_INFINITY, 'covered');

		const waiting = { uncovered: 0, covered: 0 };
		let worstDelayMs = 0;
		let worstUncoveredDelayMs = 0;
		for (const order of [this.neverPolled, this.lastPolled]) {
			for (const [userId, since] of order) {
				const delay = now - since;
				const isUserCovered = !live.has(userId) && isCovered(userId);
				if (delay > worstDelayMs) worstDelayMs = delay;
				if (!isUserCovered && delay > worstUncoveredDelayMs) worstUncoveredDelayMs = delay;
				if (!chosen.has(userId)) waiting[isUserCovered ? 'covered' : 'uncovered']++;
			}
		}
		return {
			userIds: input.watched.filter((userId) => chosen.has(userId)),
			report: {
				budgetRequests: this.requestsPerCycle,
				polled,
				waiting,
				worstDelayMs,
				worstUncoveredDelayMs,
			},
		};
	}

	/**
	 * Records that Twitch answered for these users at `now` (the cycle's time). Users of a failed batch are left out:
	 * they stay the longest unpolled and go first next cycle.
	 */
	markPolled(userIds: Iterable<string>, now: number): void {
		for (const userId of userIds) {
			this.neverPolled.delete(userId);
			this.lastPolled.delete(userId); // re-inserted at the end: the newest
			this.lastPolled.set(userId, now);
		}
	}

	/** When a user was last polled (monotonic ms), if ever in this process. */
	lastPolledAt(userId: string): number | undefined {
		return this.lastPolled.get(userId);
	}

	private forgetUnwatched(watched: ReadonlySet<string>): void {
		for (const order of [this.neverPolled, this.lastPolled]) {
			for (const userId of order.keys()) if (!watched.has(userId)) order.delete(userId);
		}
	}
}
