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
 * sorting: users sit in two lists (never polled, by first sight; polled, by last poll), so a cycle is O(N), and a
 * cycle allocates nothing per user but the plan it returns (see PollOrder).
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
	/** Requests this cycle may spend when less than `requestsPerCycle` (category watches took their share). */
	requestBudget?: number;
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
	private readonly order = new PollOrder();
	/** Numbers the plans: a user's marks (watched, chosen) are the number of the plan that set them. */
	private plans = 0;

	constructor(options: PollSchedulerOptions) {
		this.requestsPerCycle = Math.max(1, Math.floor(options.requestsPerCycle));
		this.coveredEveryCycles = Math.max(1, Math.floor(options.coveredEveryCycles ?? DEFAULT_COVERED_EVERY_CYCLES));
	}

	/** Decides who this cycle polls; tell back who was actually polled with `markPolled`. */
	plan(input: PollPlanInput): PollPlan {
		const { now, isLive, isCovered } = input;
		const order = this.order;
		const plan = ++this.plans;
		const polled = { live: 0, uncovered: 0, covered: 0 };
		let covered = 0;
		let chosen = 0;
		for (const userId of input.watched) {
			const slot = order.slotOf(userId) ?? order.add(userId, now);
			if (order.seenIn[slot] === plan) continue; // listed twice
			order.seenIn[slot] = plan;
			// A live user counts as live whether covered or not.
			if (isLive(userId)) {
				order.kind[slot] = LIVE;
				order.chosenIn[slot] = plan;
				chosen++;
				polled.live++;
			} else if (isCovered(userId)) {
				order.kind[slot] = COVERED;
				covered++;
			} else order.kind[slot] = UNCOVERED;
		}
		order.removeUnless((slot) => order.seenIn[slot] === plan);

		const budget = Math.max(1, Math.min(this.requestsPerCycle, Math.floor(input.requestBudget ?? Infinity)));
		const capacity = budget * HELIX_LIST_LIMIT;
		const coveredQuota = Math.ceil(covered / this.coveredEveryCycles);
		// Longest unpolled first: never polled (by first sight), then by last poll; live users are already chosen.
		const takeOldest = (kind: typeof COVERED | typeof UNCOVERED, limit: number) => {
			let taken = 0;
			order.forEachOldestFirst((slot) => {
				if (taken >= limit || chosen >= capacity) return false;
				if (order.chosenIn[slot] !== plan && order.kind[slot] === kind) {
					order.chosenIn[slot] = plan;
					chosen++;
					taken++;
				}
				return true;
			});
			return taken;
		};
		polled.covered += takeOldest(COVERED, coveredQuota);
		polled.uncovered += takeOldest(UNCOVERED, Number.POSITIVE_INFINITY);
		polled.covered += takeOldest(COVERED, Number.POSITIVE_INFINITY);

		const waiting = { uncovered: 0, covered: 0 };
		let worstDelayMs = 0;
		let worstUncoveredDelayMs = 0;
		order.forEachOldestFirst((slot) => {
			const delay = now - (order.since[slot] ?? now);
			const isUserCovered = order.kind[slot] === COVERED;
			if (delay > worstDelayMs) worstDelayMs = delay;
			if (!isUserCovered && delay > worstUncoveredDelayMs) worstUncoveredDelayMs = delay;
			if (order.chosenIn[slot] !== plan) waiting[isUserCovered ? 'covered' : 'uncovered']++;
			return true;
		});
		return {
			userIds: input.watched.filter((userId) => order.chosenIn[order.slotOf(userId) ?? -1] === plan),
			report: {
				budgetRequests: budget,
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
		for (const userId of userIds) this.order.markPolled(this.order.slotOf(userId) ?? this.order.add(userId, now), now);
	}

	/** When a user was last polled (monotonic ms), if ever in this process. */
	lastPolledAt(userId: string): number | undefined {
		const slot = this.order.slotOf(userId);
		return slot === undefined || this.order.list[slot] !== POLLED ? undefined : this.order.since[slot];
	}
}

/** A user's class in the current plan. */
const LIVE = 1;
const COVERED = 2;
const UNCOVERED = 3;
/** The two lists of PollOrder. */
const NEVER_POLLED = 0;
const POLLED = 1;
const NONE = -1;

/**
 * The scheduler's users in the order it serves them: those never polled by first sight, then those polled by last
 * poll, oldest first. Two doubly linked lists over slots, one slot a user, with what the scheduler keeps of each user
 * in typed arrays: a poll moves the user to the end of the polled list in place. (Two insertion-ordered Maps,
 * deleted from and re-inserted into at every poll, made V8 rehash a 100,000-entry table once or twice a cycle, and
 * the per-cycle Sets of watched and chosen users cost as much again: megabytes that outlived the young generation.)
 */
class PollOrder {
	/** Monotonic ms: first seen (never polled) or last polled. */
	since = new Float64Array(0);
	/** Which list the slot is in. */
	list = new Uint8Array(0);
	/** LIVE, COVERED or UNCOVERED in the last plan that saw the user. */
	kind = new Uint8Array(0);
	/** The number of the last plan that saw the user watched, and of the last one that chose it. */
	seenIn = new Uint32Array(0);
	chosenIn = new Uint32Array(0);
	private previous = new Int32Array(0);
	private next = new Int32Array(0);
	private userIds: Array<string | undefined> = [];
	private readonly slots = new Map<string, number>();
	private readonly freeSlots: number[] = [];
	private readonly first = [NONE, NONE];
	private readonly last = [NONE, NONE];

	slotOf(userId: string): number | undefined {
		return this.slots.get(userId);
	}

	/** Adds a user, never polled, seen first at `now`; returns its slot. */
	add(userId: string, now: number): number {
		const slot = this.freeSlots.pop() ?? this.userIds.length;
		if (slot >= this.since.length) this.grow(Math.max(64, this.since.length * 2));
		this.userIds[slot] = userId;
		this.slots.set(userId, slot);
		this.since[slot] = now;
		this.seenIn[slot] = 0;
		this.chosenIn[slot] = 0;
		this.append(slot, NEVER_POLLED);
		return slot;
	}

	/** Moves the slot to the end of the polled list, polled at `now`. */
	markPolled(slot: number, now: number): void {
		this.unlink(slot);
		this.since[slot] = now;
		this.append(slot, POLLED);
	}

	/** Calls `visit` with every slot, oldest first, until it returns false. */
	forEachOldestFirst(visit: (slot: number) => boolean): void {
		for (const list of [NEVER_POLLED, POLLED]) {
			for (let slot = this.first[list] ?? NONE; slot !== NONE; slot = this.next[slot] ?? NONE) {
				if (!visit(slot)) return;
			}
		}
	}

	/** Removes the users whose slot does not pass `keep`. */
	removeUnless(keep: (slot: number) => boolean): void {
		for (const list of [NEVER_POLLED, POLLED]) {
			let slot = this.first[list] ?? NONE;
			while (slot !== NONE) {
				const following = this.next[slot] ?? NONE;
				if (!keep(slot)) {
					this.unlink(slot);
					this.slots.delete(this.userIds[slot] ?? '');
					this.userIds[slot] = undefined;
					this.freeSlots.push(slot);
				}
				slot = following;
			}
		}
	}

	private append(slot: number, list: number): void {
		const tail = this.last[list] ?? NONE;
		this.list[slot] = list;
		this.previous[slot] = tail;
		this.next[slot] = NONE;
		if (tail === NONE) this.first[list] = slot;
		else this.next[tail] = slot;
		this.last[list] = slot;
	}

	private unlink(slot: number): void {
		const list = this.list[slot] ?? NEVER_POLLED;
		const before = this.previous[slot] ?? NONE;
		const after = this.next[slot] ?? NONE;
		if (before === NONE) this.first[list] = after;
		else this.next[before] = after;
		if (after === NONE) this.last[list] = before;
		else this.previous[after] = before;
	}

	private grow(size: number): void {
		this.since = grown(this.since, size);
		this.list = grown(this.list, size);
		this.kind = grown(this.kind, size);
		this.seenIn = grown(this.seenIn, size);
		this.chosenIn = grown(this.chosenIn, size);
		this.previous = grown(this.previous, size);
		this.next = grown(this.next, size);
	}
}

/** A copy of `old` in a new array of `size` (zeros after it). */
function grown<T extends Float64Array | Uint8Array | Uint32Array | Int32Array>(old: T, size: number): T {
	const made = new (old.constructor as new (length: number) => T)(size);
	made.set(old);
	return made;
}
