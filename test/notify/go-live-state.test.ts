import { describe, expect, it } from 'vitest';
import { nextStreamState, type StreamObservation } from '../../src/notify/go-live-state.ts';
import type { StreamState } from '../../src/store/records.ts';
import type { TwitchStream } from '../../src/twitch/schemas.ts';

const GRACE = 3 * 60_000;
const T0 = 1_750_000_000_000;

function stream(overrides: Partial<TwitchStream> = {}): TwitchStream {
	return {
		id: '40000000001',
		userId: '1001',
		userLogin: 'sandy',
		userName: 'Sandy',
		gameId: '509658',
		gameName: 'Just Chatting',
		title: 'hello',
		tags: [],
		viewerCount: 10,
		startedAt: '2025-06-01T18:00:00Z',
		language: 'en',
		thumbnailUrl: 'https://static-cdn.jtvnw.net/previews-ttv/live_user_sandy-{width}x{height}.jpg',
		isMature: false,
		...overrides,
	};
}

const live = (overrides: Partial<TwitchStream> = {}): StreamObservation => ({
	kind: 'live',
	stream: stream(overrides),
});
const absent: StreamObservation = { kind: 'absent' };
const unknown: StreamObservation = { kind: 'unknown' };

/** Feeds observations one minute apart; returns every event kind (with stream id) and the final state. */
function run(observations: StreamObservation[], start?: StreamState) {
	let state = start;
	const events: string[] = [];
	observations.forEach((observation, index) => {
		const transition = nextStreamState(state, observation, T0 + index * 60_000, GRACE);
		state = transition.state;
		for (const event of transition.events) events.push(`${event.kind}:${event.streamId}`);
	});
	return { state, events };
}

describe('go-live state machine', () => {
	it('announces a stream id the first time it is seen live', () => {
		const transition = nextStreamState(undefined, live(), T0, GRACE);
		expect(transition.events.map((event) => event.kind)).toEqual(['live']);
		expect(transition.state).toMatchObject({ status: 'live', streamId: '40000000001', missingSince: null });
		expect(transition.persist).toBe(true);
	});

	it('does not announce the same stream id again while it stays live', () => {
		expect(run([live(), live(), live()]).events).toEqual(['live:40000000001']);
	});

	it('does not announce again after a restart that loads the stored live state', () => {
		const { state } = run([live()]);
		const afterRestart = nextStreamState(structuredClone(state), live(), T0 + 3_600_000, GRACE);
		expect(afterRestart.events).toEqual([]);
	});

	it('treats a channel missing for one cycle (flapping) as still live: no end, no second announcement', () => {
		const { state, events } = run([live(), absent, live(), live()]);
		expect(events).toEqual(['live:40000000001']);
		expect(state?.missingSince).toBeNull();
	});

	it('records since when a live channel is missing, without ending it', () => {
		const { state, events } = run([live(), absent]);
		expect(events).toEqual(['live:40000000001']);
		expect(state).toMatchObject({ status: 'live', missingSince: T0 + 60_000 });
	});

	it('ends a stream only once it has been missing for the whole grace period', () => {
		// Missing from minute 1; minutes 2 and 3 are within the 3-minute grace, minute 4 is past it.
		const { state, events } = run([live(), absent, absent, absent, absent]);
		expect(events).toEqual(['live:40000000001', 'ended:40000000001']);
		expect(state).toMatchObject({
			status: 'offline',
			streamId: null,
			lastEndedStreamId: '40000000001',
			endedAt: T0 + 60_000,
		});
	});

	it('gives the ended event the last live state and the time the stream was first missed', () => {
		let state = nextStreamState(undefined, live({ title: 'last title' }), T0, GRACE).state;
		state = nextStreamState(state, absent, T0 + 60_000, GRACE).state;
		const ended = nextStreamState(state, absent, T0 + 60_000 + GRACE, GRACE);
		expect(ended.events).toEqual([
			expect.objectContaining({
				kind: 'ended',
				streamId: '40000000001',
				endedAt: T0 + 60_000,
				state: expect.objectContaining({ status: 'live', title: 'last title' }),
			}),
		]);
	});

	it('announces a new stream id after the previous one ended', () => {
		const { events } = run([live(), absent, absent, absent, absent, live({ id: '40000000002' })]);
		expect(events).toEqual(['live:40000000001', 'ended:40000000001', 'live:40000000002']);
	});

	it('ends the old stream and announces the new one when the stream id changes while live', () => {
		const { state, events } = run([live(), live({ id: '40000000002' })]);
		expect(events).toEqual(['live:40000000001', 'ended:40000000001', 'live:40000000002']);
		expect(state).toMatchObject({ streamId: '40000000002', lastEndedStreamId: '40000000001' });
	});

	it('ignores Twitch still reporting the previous stream after a quick restart', () => {
		const { state, events } = run([live(), live({ id: '40000000002' }), live(), live({ id: '40000000002' })]);
		expect(events).toEqual(['live:40000000001', 'ended:40000000001', 'live:40000000002']);
		expect(state?.streamId).toBe('40000000002');
	});

	it('takes an ended stream id back as live without announcing it a second time', () => {
		const { state, events } = run([live(), absent, absent, absent, absent, live()]);
		expect(events).toEqual(['live:40000000001', 'ended:40000000001', 'resumed:40000000001']);
		expect(state).toMatchObject({ status: 'live', streamId: '40000000001' });
	});

	it('changes nothing when the batch of a user failed (unknown), however long', () => {
		const { state } = run([live()]);
		let current = state;
		for (let minute = 1; minute <= 10; minute++) {
			const transition = nextStreamState(current, unknown, T0 + minute * 60_000, GRACE);
			expect(transition).toEqual({ state: current, events: [], persist: false });
			current = transition.state;
		}
		expect(current).toBe(state);
	});

	it('does not start the grace period from an unknown cycle', () => {
		const { events } = run([live(), unknown, unknown, unknown, unknown, absent, absent]);
		expect(events).toEqual(['live:40000000001']);
	});

	it('reports a title or category change of a live stream as changed, with the previous values', () => {
		let state = nextStreamState(undefined, live(), T0, GRACE).state;
		const retitled = nextStreamState(state, live({ title: 'new title' }), T0 + 60_000, GRACE);
		expect(retitled.events).toEqual([
			expect.objectContaining({ kind: 'changed', previous: expect.objectContaining({ title: 'hello' }) }),
		]);
		expect(retitled.persist).toBe(true);
		state = retitled.state;
		const recategorised = nextStreamState(state, live({ title: 'new title', gameId: '', gameName: '' }), T0, GRACE);
		expect(recategorised.events.map((event) => event.kind)).toEqual(['changed']);
	});

	it('keeps viewer counts in memory without asking for a write', () => {
		const first = nextStreamState(undefined, live(), T0, GRACE);
		const second = nextStreamState(first.state, live({ viewerCount: 999 }), T0 + 60_000, GRACE);
		expect(second.events).toEqual([]);
		expect(second.persist).toBe(false);
		expect(second.state?.viewerCount).toBe(999);
	});

	it('follows a rename of the streamer in the state', () => {
		const first = nextStreamState(undefined, live(), T0, GRACE);
		const renamed = nextStreamState(first.state, live({ userLogin: 'sandra', userName: 'Sandra' }), T0, GRACE);
		expect(renamed.state).toMatchObject({ login: 'sandra', displayName: 'Sandra' });
		expect(renamed.persist).toBe(true);
		expect(renamed.events).toEqual([]);
	});

	it('writes nothing for a channel that is offline and stays offline', () => {
		expect(nextStreamState(undefined, absent, T0, GRACE)).toEqual({ state: undefined, events: [], persist: false });
	});

	it('accepts a stream without a category', () => {
		const transition = nextStreamState(undefined, live({ gameId: '', gameName: '' }), T0, GRACE);
		expect(transition.state).toMatchObject({ gameId: '', gameName: '' });
		expect(transition.events.map((event) => event.kind)).toEqual(['live']);
	});
});
