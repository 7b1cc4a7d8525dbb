import { describe, expect, it } from 'vitest';
import { type PollPlan, PollScheduler, pollDelayBound, pollRequestBudget } from '../../src/notify/poll-scheduler.ts';

const INTERVAL_MS = 60_000;

/** `count` user ids with a prefix, in order. */
function users(count: number, prefix = 'u'): string[] {
	return Array.from({ length: count }, (_, n) => `${prefix}${n}`);
}

interface World {
	watched: string[];
	live?: ReadonlySet<string>;
	covered?: ReadonlySet<string>;
}

/**
 * Runs `cycles` cycles, one interval apart, every planned user answered; returns the plans and, per user, the longest
 * time between two of its polls (or from first sight to its first poll).
 */
function simulate(scheduler: PollScheduler, world: World, cycles: number) {
	const live = world.live ?? new Set<string>();
	const covered = world.covered ?? new Set<string>();
	const plans: PollPlan[] = [];
	const since = new Map<string, number>();
	let longestGapMs = 0;
	for (let cycle = 0; cycle < cycles; cycle++) {
		const now = cycle * INTERVAL_MS;
		const plan = scheduler.plan({
			watched: world.watched,
			now,
			isLive: (id) => live.has(id),
			isCovered: (id) => covered.has(id),
		});
		for (const id of world.watched) if (!since.has(id)) since.set(id, now);
		for (const id of plan.userIds) {
			longestGapMs = Math.max(longestGapMs, now - since.get(id)!);
			since.set(id, now);
		}
		scheduler.markPolled(plan.userIds, now);
		plans.push(plan);
	}
	// Users still waiting at the end count too.
	const end = (cycles - 1) * INTERVAL_MS;
	for (const at of since.values()) longestGapMs = Math.max(longestGapMs, end - at);
	return { plans, longestGapMs };
}

describe('poll scheduler', () => {
	it.each([
		{ intervalMs: 60_000, options: {}, requests: 560 },
		{ intervalMs: 60_000, options: { share: 1 }, requests: 800 },
		{ intervalMs: 3_600_000, options: {}, requests: 33_600 },
		{ intervalMs: 30_000, options: { pointsPerMinute: 40, share: 0.5 }, requests: 10 },
		{ intervalMs: 1_000, options: { pointsPerMinute: 10 }, requests: 1 },
	])('budget of $intervalMs ms with $options → $requests requests a cycle', ({ intervalMs, options, requests }) => {
		expect(pollRequestBudget(intervalMs, options)).toBe(requests);
	});

	it('a budget that holds everyone → every watched user every cycle, in watched order, nobody waiting', () => {
		const watched = users(250);
		const covered = new Set(watched.slice(0, 50));
		const live = new Set(['u3', 'u70']);
		const scheduler = new PollScheduler({ requestsPerCycle: 3 });
		const { plans, longestGapMs } = simulate(scheduler, { watched, covered, live }, 4);
		for (const plan of plans) {
			expect(plan.userIds).toEqual(watched);
			expect(plan.report.waiting).toEqual({ uncovered: 0, covered: 0 });
			expect(plan.report.polled).toEqual({ live: 2, uncovered: 199, covered: 49 }); // u3 is live and covered
		}
		expect(plans[0]?.report.worstDelayMs).toBe(0);
		expect(plans[3]?.report.worstDelayMs).toBe(INTERVAL_MS);
		expect(longestGapMs).toBe(INTERVAL_MS);
	});

	it('over the budget → the longest unpolled first, never polled before all, and the bound holds over many cycles', () => {
		const watched = users(1_000);
		const scheduler = new PollScheduler({ requestsPerCycle: 3 }); // 300 a cycle
		const { plans, longestGapMs } = simulate(scheduler, { watched }, 40);

		expect(plans[0]?.userIds).toEqual(watched.slice(0, 300));
		expect(plans[1]?.userIds).toEqual(watched.slice(300, 600));
		expect(plans[2]?.userIds).toEqual(watched.slice(600, 900));
		// The last 100 never polled, then the 200 polled longest ago.
		expect(plans[3]?.userIds).toEqual([...watched.slice(0, 200), ...watched.slice(900)]);
		expect(plans[3]?.report).toMatchObject({
			budgetRequests: 3,
			polled: { live: 0, uncovered: 300, covered: 0 },
			waiting: { uncovered: 700, covered: 0 },
			worstDelayMs: 3 * INTERVAL_MS,
		});
		const bound = pollDelayBound({ requestsPerCycle: 3, live: 0, covered: 0, uncovered: 1_000 });
		expect(bound.uncoveredCycles).toBe(4);
		expect(longestGapMs).toBeLessThanOrEqual(4 * INTERVAL_MS);
		for (const plan of plans) {
			expect(plan.userIds.length).toBe(300);
			expect(plan.report.worstDelayMs).toBeLessThanOrEqual(4 * INTERVAL_MS);
		}
	});

	it('live users every cycle, even past the budget, and the others share what is left', () => {
		const watched = users(500);
		const live = new Set(watched.filter((_, n) => n % 5 === 0)); // 100 live
		const scheduler = new PollScheduler({ requestsPerCycle: 2 }); // 200 a cycle: 100 live + 100 others
		const { plans, longestGapMs } = simulate(scheduler, { watched, live }, 20);
		for (const plan of plans) {
			for (const id of live) expect(plan.userIds).toContain(id);
			expect(plan.report.polled).toEqual({ live: 100, uncovered: 100, covered: 0 });
		}
		expect(pollDelayBound({ requestsPerCycle: 2, live: 100, covered: 0, uncovered: 400 }).uncoveredCycles).toBe(4);
		expect(longestGapMs).toBeLessThanOrEqual(4 * INTERVAL_MS);

		const flooded = new PollScheduler({ requestsPerCycle: 1 });
		const plan = flooded.plan({ watched, now: 0, isLive: (id) => live.has(id) || id === 'u1', isCovered: () => false });
		expect(plan.report.polled).toEqual({ live: 101, uncovered: 0, covered: 0 });
		expect(plan.report.waiting.uncovered).toBe(399);
	});

	it('covered users: a safety net every 5th cycle when the budget is short, every cycle when it is not', () => {
		const watched = users(1_000);
		const covered = new Set(watched.slice(0, 500));
		const short = new PollScheduler({ requestsPerCycle: 3, coveredEveryCycles: 5 }); // 300: 100 covered + 200
		const { plans, longestGapMs } = simulate(short, { watched, covered }, 30);
		for (const plan of plans) {
			expect(plan.report.polled).toEqual({ live: 0, uncovered: 200, covered: 100 });
		}
		const lastPolls = new Map<string, number[]>();
		plans.forEach((plan, cycle) => {
			for (const id of plan.userIds) lastPolls.set(id, [...(lastPolls.get(id) ?? []), cycle]);
		});
		// Each covered user exactly every 5th cycle, once warmed up; each uncovered one every 2nd or 3rd (500 over 200).
		expect(lastPolls.get('u0')).toEqual([0, 5, 10, 15, 20, 25]);
		expect(lastPolls.get('u499')).toEqual([4, 9, 14, 19, 24, 29]);
		for (const id of watched.slice(500)) {
			const polls = lastPolls.get(id)!;
			expect(polls[0]).toBeLessThanOrEqual(2);
			for (let n = 1; n < polls.length; n++) expect(polls[n]! - polls[n - 1]!).toBeLessThanOrEqual(3);
			expect(polls.at(-1)).toBeGreaterThanOrEqual(27);
		}
		expect(pollDelayBound({ requestsPerCycle: 3, live: 0, covered: 500, uncovered: 500 })).toEqual({
			uncoveredCycles: 3,
			coveredCycles: 5,
		});
		expect(longestGapMs).toBeLessThanOrEqual(5 * INTERVAL_MS);
		expect(plans.at(-1)?.report.worstUncoveredDelayMs).toBeLessThanOrEqual(3 * INTERVAL_MS);

		const ample = new PollScheduler({ requestsPerCycle: 10 });
		const roomy = simulate(ample, { watched, covered }, 3);
		for (const plan of roomy.plans) expect(plan.userIds).toEqual(watched);
	});

	it('a user whose answer failed is not counted as polled: it goes first next cycle', () => {
		const watched = users(300);
		const scheduler = new PollScheduler({ requestsPerCycle: 2 });
		const first = scheduler.plan({ watched, now: 0, isLive: () => false, isCovered: () => false });
		scheduler.markPolled(first.userIds.slice(100), 0); // the first batch failed
		const second = scheduler.plan({ watched, now: INTERVAL_MS, isLive: () => false, isCovered: () => false });
		expect(second.userIds).toEqual([...watched.slice(0, 100), ...watched.slice(200)]);
	});

	it('forgets users nobody watches any more, and takes new ones first', () => {
		const scheduler = new PollScheduler({ requestsPerCycle: 1 });
		const before = users(150);
		const first = scheduler.plan({ watched: before, now: 0, isLive: () => false, isCovered: () => false });
		scheduler.markPolled(first.userIds, 0);
		const after = [...before.slice(50), 'new1'];
		const second = scheduler.plan({ watched: after, now: INTERVAL_MS, isLive: () => false, isCovered: () => false });
		// Never polled first (u100…u149, new1), then the longest unpolled (u50…u98); listed in watched order.
		expect(second.userIds).toEqual([...before.slice(50, 99), ...before.slice(100), 'new1']);
		expect(second.report.waiting.uncovered).toBe(1);
		expect(scheduler.lastPolledAt('u0')).toBeUndefined();
	});

	it('a user watched again after being forgotten starts afresh, and is listed once however often it is given', () => {
		const scheduler = new PollScheduler({ requestsPerCycle: 1 });
		const all = users(100);
		const idle = { isLive: () => false, isCovered: () => false };
		scheduler.markPolled(scheduler.plan({ watched: all, now: 0, ...idle }).userIds, 0);
		const kept = all.slice(50);
		scheduler.markPolled(scheduler.plan({ watched: kept, now: INTERVAL_MS, ...idle }).userIds, INTERVAL_MS);
		expect(scheduler.lastPolledAt('u0')).toBeUndefined();

		const back = [...kept, 'u0', 'x1', 'u0'];
		const plan = scheduler.plan({ watched: back, now: 3 * INTERVAL_MS, ...idle });
		expect(plan.userIds).toEqual(back);
		expect(plan.report.polled).toEqual({ live: 0, uncovered: 52, covered: 0 });
		// u0 counts from its return, not from its poll before it was forgotten.
		expect(plan.report.worstDelayMs).toBe(2 * INTERVAL_MS);
	});

	it('scheduler: 200,000 channels with 10,000 subscribed under an 800/min bucket → no channel unpolled longer than the bound', () => {
		const requestsPerCycle = pollRequestBudget(INTERVAL_MS); // 560 requests: 56,000 users a cycle
		for (const channels of [100_000, 200_000]) {
			const watched = users(channels);
			const covered = new Set(watched.filter((_, n) => n % (channels / 10_000) === 1)); // 10,000 spread out
			const live = new Set(watched.filter((_, n) => n % 50 === 0)); // 2% live (none of them covered)
			const bound = pollDelayBound({
				requestsPerCycle,
				live: live.size,
				covered: covered.size,
				uncovered: channels - live.size - covered.size,
			});
			const expected = channels === 100_000 ? 2 : 4; // uncovered over the places left: 88,000 / 52,000 and 186,000 / 50,000
			expect(bound).toEqual({ uncoveredCycles: expected, coveredCycles: 5 });

			const scheduler = new PollScheduler({ requestsPerCycle });
			const { plans, longestGapMs } = simulate(scheduler, { watched, live, covered }, 11);
			expect(longestGapMs).toBeLessThanOrEqual(5 * INTERVAL_MS);
			for (const plan of plans) {
				expect(plan.userIds.length).toBeLessThanOrEqual(requestsPerCycle * 100);
				expect(plan.report.polled.live).toBe(live.size);
				expect(plan.report.worstDelayMs).toBeLessThanOrEqual(5 * INTERVAL_MS);
				expect(plan.report.worstUncoveredDelayMs).toBeLessThanOrEqual(expected * INTERVAL_MS);
			}
			const steady = plans.at(-1)!.report;
			expect(steady.polled.covered).toBe(2_000);
			expect(steady.worstUncoveredDelayMs).toBe(expected * INTERVAL_MS);
		}
	});
});
