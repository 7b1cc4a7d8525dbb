/**
 * Polling under Twitch's real bucket (800 points a minute, 70% of it for polling): the worst time any channel waits
 * between two polls, at 100,000 and 200,000 watched channels, 10,000 of them covered by EventSub and 2% live, at the
 * default 60 s interval. The scheduler is pure, so a simulation of its cycles measures it exactly (no HTTP).
 */
import { PollScheduler, pollRequestBudget } from '../src/notify/poll-scheduler.ts';

export interface PollScheduleRow {
	channels: number;
	covered: number;
	requestsPerCycle: number;
	/** The longest any not-covered channel waited between polls, in steady state. */
	worstUncoveredMs: number;
	/** The longest any channel waited. */
	worstMs: number;
}

const INTERVAL_MS = 60_000;

export function benchPollSchedule(channels: number, coveredCount = 10_000, cycles = 12): PollScheduleRow {
	const requestsPerCycle = pollRequestBudget(INTERVAL_MS);
	const watched = Array.from({ length: channels }, (_, n) => String(100_000_000 + n));
	const covered = new Set(watched.filter((_, n) => n % Math.floor(channels / coveredCount) === 1));
	const live = new Set(watched.filter((_, n) => n % 50 === 0 && !covered.has(watched[n] ?? '')));
	const scheduler = new PollScheduler({ requestsPerCycle });
	let worstUncoveredMs = 0;
	let worstMs = 0;
	for (let cycle = 0; cycle < cycles; cycle++) {
		const now = cycle * INTERVAL_MS;
		const plan = scheduler.plan({
			watched,
			now,
			isLive: (id) => live.has(id),
			isCovered: (id) => covered.has(id),
		});
		scheduler.markPolled(plan.userIds, now);
		// The first cycles fill the schedule; from the sixth on it is in its steady state.
		if (cycle >= 5) {
			worstUncoveredMs = Math.max(worstUncoveredMs, plan.report.worstUncoveredDelayMs);
			worstMs = Math.max(worstMs, plan.report.worstDelayMs);
		}
	}
	return { channels, covered: covered.size, requestsPerCycle, worstUncoveredMs, worstMs };
}
