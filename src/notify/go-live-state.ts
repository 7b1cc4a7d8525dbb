/**
 * Where a go-live is decided: the per-channel state machine, keyed by Twitch user id and stream id.
 *
 * Pure: (previous state, what Get Streams said this cycle, now) → next state and events. The poller feeds it and
 * persists the states; the announcer turns the events into posts. Twitch's quirks it absorbs:
 * - a live channel missing from Get Streams for a poll or two (flapping) is not ended until it has been missing
 *   for the grace period, so it is neither ended nor announced again;
 * - the same stream id seen again (flap, restart of the bot) never yields a second 'live';
 * - after a quick restart Twitch may keep reporting the previous stream for a while: a stream id that was already
 *   replaced by a newer one is not taken back;
 * - a stream Get Streams left out for longer than the grace period (Twitch does) that is seen again, and is still
 *   the last one, is resumed: its post goes back to live, and it is never announced (pinged) twice.
 * How long a stream has been missing is measured by the caller on a monotonic clock (`missingForMs`): a wall clock
 * stepped back must not keep an ended stream live for an hour.
 */
import type { StreamState } from '../store/records.ts';
import type { TwitchStream } from '../twitch/schemas.ts';

/** How long a live channel must be missing from Get Streams before its stream counts as ended. */
export const DEFAULT_END_GRACE_MS = 3 * 60_000;

/** What one poll cycle learned about one watched user. */
export type StreamObservation =
	/** `pushed`: from EventSub (stream.online), not from Get Streams. */
	| { kind: 'live'; stream: TwitchStream; pushed?: boolean }
	/** Get Streams answered and this user was not in it (or, `pushed`, EventSub said stream.offline). */
	| { kind: 'absent'; pushed?: boolean }
	/** The batch holding this user failed: nothing can be concluded. */
	| { kind: 'unknown' };

export type GoLiveEvent =
	/** A stream id seen for the first time: announce it. */
	| { kind: 'live'; userId: string; streamId: string; state: StreamState }
	/** The title or category of a live stream changed. */
	| {
			kind: 'changed';
			userId: string;
			streamId: string;
			state: StreamState;
			previous: { title: string; gameId: string; gameName: string };
	  }
	/** The stream is over; `state` is its last live state, `endedAt` when it was first missed (ms). */
	| { kind: 'ended'; userId: string; streamId: string; state: StreamState; endedAt: number }
	/** A stream that was called ended is live after all (same stream id): bring its posts back, never ping again. */
	| { kind: 'resumed'; userId: string; streamId: string; state: StreamState };

export interface StreamTransition {
	/** The state after this observation (undefined: still nothing known about the user). */
	state: StreamState | undefined;
	events: GoLiveEvent[];
	/** Whether the state changed in a way worth writing to the store (viewer counts alone are not). */
	persist: boolean;
}

/**
 * The next state of one user's stream, and the events that follow from it.
 * `now` (wall time, stored) and `graceMs` are milliseconds; `graceMs` is how long a live stream may be missing
 * before it is ended. `missingForMs` is how long the stream has been missing, measured on a monotonic clock; when
 * not given it is `now - missingSince`.
 */
export function nextStreamState(
	previous: StreamState | undefined,
	observation: StreamObservation,
	now: number,
	graceMs: number = DEFAULT_END_GRACE_MS,
	missingForMs?: number,
): StreamTransition {
	const unchanged: StreamTransition = { state: previous, events: [], persist: false };
	if (observation.kind === 'unknown') return unchanged;
	if (observation.kind === 'absent') return observeAbsent(previous, now, graceMs, missingForMs);

	const stream = observation.stream;
	if (previous?.status === 'live' && previous.streamId !== null) {
		if (previous.streamId === stream.id) return observeSameStream(previous, stream, now);
		// Twitch may report the stream we already replaced by a newer one for minutes after a quick restart.
		if (previous.lastEndedStreamId === stream.id) return unchanged;
		// A new stream id while the old one was live: the old one is over, the new one is announced.
		const endedAt = previous.missingSince ?? now;
		const ended: GoLiveEvent = {
			kind: 'ended',
			userId: previous.userId,
			streamId: previous.streamId,
			state: previous,
			endedAt,
		};
		const state = liveState(stream, now, { lastEndedStreamId: previous.streamId, endedAt });
		return {
			state,
			events: [ended, { kind: 'live', userId: state.userId, streamId: stream.id, state }],
			persist: true,
		};
	}

	const history = { lastEndedStreamId: previous?.lastEndedStreamId ?? null, endedAt: previous?.endedAt ?? null };
	const state = liveState(stream, now, history);
	// The stream we ended came back (it was missing longer than the grace period): live again, never re-announced.
	if (previous?.lastEndedStreamId === stream.id) {
		return { state, events: [{ kind: 'resumed', userId: state.userId, streamId: stream.id, state }], persist: true };
	}
	return { state, events: [{ kind: 'live', userId: state.userId, streamId: stream.id, state }], persist: true };
}

function observeAbsent(
	previous: StreamState | undefined,
	now: number,
	graceMs: number,
	missingForMs: number | undefined,
): StreamTransition {
	if (previous?.status !== 'live' || previous.streamId === null) {
		return { state: previous, events: [], persist: false };
	}
	if (previous.missingSince === null) {
		return { state: { ...previous, missingSince: now, updatedAt: now }, events: [], persist: true };
	}
	if ((missingForMs ?? now - previous.missingSince) < graceMs) return { state: previous, events: [], persist: false };
	const endedAt = previous.missingSince;
	const state: StreamState = {
		...previous,
		status: 'offline',
		streamId: null,
		missingSince: null,
		lastEndedStreamId: previous.streamId,
		endedAt,
		updatedAt: now,
	};
	return {
		state,
		events: [{ kind: 'ended', userId: previous.userId, streamId: previous.streamId, state: previous, endedAt }],
		persist: true,
	};
}

function observeSameStream(previous: StreamState, stream: TwitchStream, now: number): StreamTransition {
	const titleOrGameChanged =
		previous.title !== stream.title || previous.gameId !== stream.gameId || previous.gameName !== stream.gameName;
	const identityChanged = previous.login !== stream.userLogin || previous.displayName !== stream.userName;
	// A preview image first known (a stream announced from EventSub, then listed by Get Streams) is worth saving.
	const previewFound = previous.thumbnailUrl === '' && stream.thumbnailUrl !== '';
	const persist = titleOrGameChanged || identityChanged || previewFound || previous.missingSince !== null;
	const state: StreamState = {
		...previous,
		...fieldsSeenIn(stream),
		updatedAt: persist ? now : previous.updatedAt,
	};
	const events: GoLiveEvent[] = titleOrGameChanged
		? [
				{
					kind: 'changed',
					userId: previous.userId,
					streamId: stream.id,
					state,
					previous: { title: previous.title, gameId: previous.gameId, gameName: previous.gameName },
				},
			]
		: [];
	return { state, events, persist };
}

function liveState(
	stream: TwitchStream,
	now: number,
	history: { lastEndedStreamId: string | null; endedAt: number | null },
): StreamState {
	return {
		version: 1,
		userId: stream.userId,
		status: 'live',
		streamId: stream.id,
		startedAt: stream.startedAt,
		...fieldsSeenIn(stream),
		lastEndedStreamId: history.lastEndedStreamId,
		endedAt: history.endedAt,
		updatedAt: now,
	};
}

/** What each sighting of a live stream refreshes in its state (and clears: it is not missing any more). */
function fieldsSeenIn(stream: TwitchStream) {
	return {
		title: stream.title,
		gameId: stream.gameId,
		gameName: stream.gameName,
		login: stream.userLogin,
		displayName: stream.userName,
		thumbnailUrl: stream.thumbnailUrl,
		viewerCount: stream.viewerCount,
		missingSince: null,
	} satisfies Partial<StreamState>;
}
