import { describe, expect, it } from 'vitest';
import {
	type LivePlan,
	type LivePlanInput,
	planEnd,
	planEndFailure,
	planLive,
	planResume,
	signatureOf,
	type TargetSettings,
} from '../../src/notify/planner.ts';
import type { Announcement, AnnouncementPhase } from '../../src/store/records.ts';

const NOW_SIG = signatureOf('Speedrun', 'Celeste');
const OLD_SIG = signatureOf('Warm-up', 'Just Chatting');
const HERE = '700000000000000001';
const THERE = '700000000000000002';

function announcement(phase: AnnouncementPhase, overrides: Partial<Announcement> = {}): Announcement {
	return {
		version: 1,
		streamId: '40000000001',
		userId: '1001',
		guildId: '200000000000000001',
		channelId: HERE,
		nonce: 'n',
		phase,
		messageId: phase === 'intent' ? null : '900000000000000001',
		createdAt: 0,
		postedAt: null,
		lastEditAt: null,
		renderedTitle: 'Warm-up',
		renderedGame: 'Just Chatting',
		endedAt: null,
		...overrides,
	};
}

const settings = (overrides: Partial<TargetSettings> = {}): TargetSettings => ({
	passesFilters: true,
	channelId: HERE,
	updateOnChange: true,
	...overrides,
});

function input(overrides: {
	announcement?: Announcement | null;
	decidedFor?: string | null;
	seenNow?: boolean;
	paused?: boolean;
	inBackoff?: boolean;
	mayEdit?: boolean;
	settings?: TargetSettings;
}): LivePlanInput {
	return {
		stream: { signature: NOW_SIG, seenNow: overrides.seenNow ?? true },
		watch: { paused: overrides.paused ?? false, inBackoff: overrides.inBackoff ?? false },
		target: { announcement: overrides.announcement ?? null, decidedFor: overrides.decidedFor ?? null },
		mayEdit: overrides.mayEdit ?? true,
		...(overrides.settings ? { settings: overrides.settings } : {}),
	};
}

describe('planLive', () => {
	const cases: Array<[string, LivePlanInput, LivePlan]> = [
		['nothing yet, settings not loaded → load them', input({}), { action: 'needs-settings' }],
		[
			'nothing yet → announce in the target channel',
			input({ settings: settings() }),
			{ action: 'announce', channelId: HERE },
		],
		[
			'nothing yet, filtered out → remember the verdict',
			input({ settings: settings({ passesFilters: false }) }),
			{ action: 'filter' },
		],
		[
			'filtered at this signature before → nothing',
			input({ decidedFor: NOW_SIG, settings: settings() }),
			{ action: 'none' },
		],
		['filtered at an older signature → ask again', input({ decidedFor: OLD_SIG }), { action: 'needs-settings' }],
		[
			'nothing yet, no channel anywhere → a delivery problem',
			input({ settings: settings({ channelId: null }) }),
			{ action: 'no-channel' },
		],
		[
			'nothing yet, stream missing from the last poll → wait',
			input({ seenNow: false, settings: settings() }),
			{ action: 'none' },
		],
		['nothing yet, target in backoff → wait', input({ inBackoff: true, settings: settings() }), { action: 'none' }],
		['watch paused → nothing, whatever else', input({ paused: true, settings: settings() }), { action: 'none' }],
		['intent → post it', input({ announcement: announcement('intent'), settings: settings() }), { action: 'deliver' }],
		[
			'intent, settings not loaded → load them',
			input({ announcement: announcement('intent') }),
			{ action: 'needs-settings' },
		],
		[
			'intent for another channel → repoint',
			input({ announcement: announcement('intent'), settings: settings({ channelId: THERE }) }),
			{ action: 'repoint', channelId: THERE },
		],
		[
			'intent, channel gone → repoint to none',
			input({ announcement: announcement('intent'), settings: settings({ channelId: null }) }),
			{ action: 'repoint', channelId: null },
		],
		[
			'intent, stream missing → wait (it may be over)',
			input({ announcement: announcement('intent'), seenNow: false, settings: settings() }),
			{ action: 'none' },
		],
		[
			'intent, backoff → wait',
			input({ announcement: announcement('intent'), inBackoff: true, settings: settings() }),
			{ action: 'none' },
		],
		[
			'posted, same signature → nothing',
			input({ announcement: announcement('posted'), decidedFor: NOW_SIG, settings: settings() }),
			{ action: 'none' },
		],
		[
			'posted, new title → edit',
			input({ announcement: announcement('posted'), decidedFor: OLD_SIG, settings: settings() }),
			{ action: 'edit' },
		],
		[
			'posted, new title, settings not loaded → load them',
			input({ announcement: announcement('posted'), decidedFor: OLD_SIG }),
			{ action: 'needs-settings' },
		],
		[
			'posted, new title, edits throttled → wait',
			input({ announcement: announcement('posted'), decidedFor: OLD_SIG, mayEdit: false, settings: settings() }),
			{ action: 'none' },
		],
		[
			'posted, new title, backoff → wait',
			input({ announcement: announcement('posted'), decidedFor: OLD_SIG, inBackoff: true, settings: settings() }),
			{ action: 'none' },
		],
		[
			'posted, new title, no updates wanted → note it only',
			input({
				announcement: announcement('posted'),
				decidedFor: OLD_SIG,
				settings: settings({ updateOnChange: false }),
			}),
			{ action: 'note-unchanged' },
		],
		[
			'posted, new title, missing from the poll → still edit',
			input({ announcement: announcement('posted'), decidedFor: OLD_SIG, seenNow: false, settings: settings() }),
			{ action: 'edit' },
		],
		['ended → never again', input({ announcement: announcement('ended'), settings: settings() }), { action: 'none' }],
		[
			'abandoned → never again',
			input({ announcement: announcement('abandoned'), settings: settings() }),
			{ action: 'none' },
		],
	];
	it.each(cases)('%s', (_name, given, expected) => {
		expect(planLive(given)).toEqual(expected);
	});

	it('needs no settings for what it can tell from memory (the check made every cycle)', () => {
		for (const [, given] of cases) {
			const { settings: _loaded, ...fromMemory } = given;
			const withSettings = planLive(given);
			const withoutSettings = planLive(fromMemory);
			if (withSettings.action === 'none') expect(withoutSettings.action).toBe('none');
			else expect(withoutSettings.action).toBe('needs-settings');
		}
	});
});

describe('planEnd', () => {
	it.each([
		['an intent is dropped', announcement('intent'), 'edit', false, 'abandon'],
		['a post is edited to "was live"', announcement('posted'), 'edit', false, 'edit-ended'],
		['a post is deleted', announcement('posted'), 'delete', false, 'delete'],
		['a post is kept', announcement('posted'), 'keep', false, 'finish'],
		[
			'a post without a message id is only recorded',
			announcement('posted', { messageId: null }),
			'edit',
			false,
			'finish',
		],
		['a paused watch’s post is not touched', announcement('posted'), 'edit', true, 'finish'],
		['an ended one is left alone', announcement('ended'), 'edit', false, 'none'],
		['an abandoned one is left alone', announcement('abandoned'), 'delete', false, 'none'],
	] as const)('%s', (_name, given, endAction, paused, action) => {
		expect(planEnd(given, endAction, paused)).toEqual({ action });
	});

	it.each([
		[{ passing: true, endedForMs: 0, windowMs: 3_600_000 }, 'retry'],
		[{ passing: true, endedForMs: 3_600_000, windowMs: 3_600_000 }, 'give-up'],
		[{ passing: false, endedForMs: 0, windowMs: 3_600_000 }, 'give-up'],
	] as const)('a failed end action %o → %s', (failure, expected) => {
		expect(planEndFailure(failure)).toBe(expected);
	});
});

describe('planResume', () => {
	it.each([
		['an edited "was live" post is edited back', announcement('ended'), false, 'edit-back'],
		['a deleted post is posted anew', announcement('ended', { messageId: null }), false, 'repost'],
		['a post deleted by someone stays deleted', announcement('abandoned'), false, 'none'],
		['a still-live post needs nothing', announcement('posted'), false, 'none'],
		['a paused watch gets nothing', announcement('ended'), true, 'none'],
	] as const)('%s', (_name, given, paused, action) => {
		expect(planResume(given, paused)).toEqual({ action });
	});
});
