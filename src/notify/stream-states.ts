/**
 * The one owner of the watched users' stream states: sources (the poller; later EventSub) hand it observations, it
 * runs them through the go-live state machine (go-live-state.ts, pure), keeps the result in memory, writes what
 * changed to the store, and everyone else reads states through it.
 *
 * What it adds to the pure machine, because it needs memory across cycles:
 * - how long a stream has been missing, on the monotonic clock (a stepped wall clock must not stretch the grace);
 * - which live streams a source of this process has confirmed: a state only read from the store may describe a
 *   stream that ended hours ago while the bot was down, and must not be announced on its word alone;
 * - which streams EventSub announced that Get Streams does not list yet: on real Twitch Get Streams lags behind
 *   `stream.online` (minutes, sometimes), so until it lists the stream (or GET_STREAMS_LAG_ALLOWANCE_MS passes) its
 *   absence from Get Streams says nothing.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { StreamState } from '../store/records.ts';
import type { StreamStateRepository } from '../store/stream-state-repository.ts';
import { ElapsedTime } from './elapsed-time.ts';
import { DEFAULT_END_GRACE_MS, type GoLiveEvent, nextStreamState, type StreamObservation } from './go-live-state.ts';

/** How long Get Streams may leave out a stream EventSub announced before its absence counts. */
export const GET_STREAMS_LAG_ALLOWANCE_MS = 10 * 60_000;

export interface StreamStatesOptions {
	repository: StreamStateRepository;
	clock: Clock;
	logger: Logger;
	/** How long a live stream may be missing before it is ended (ms). Default 3 minutes. */
	graceMs?: number;
}

export class StreamStates {
	private readonly repository: StreamStateRepository;
	private readonly clock: Clock;
	private readonly logger: Logger;
	private readonly graceMs: number;
	private readonly elapsed: ElapsedTime;
	/** Every state read or computed so far: the store is read once per user, then only written. */
	private readonly states = new Map<string, StreamState>();
	/** Users whose stored state was read (whether or not there was one). */
	private readonly loadedUserIds = new Set<string>();
	/** States that changed but were not yet written (a failed write is retried at the next save). */
	private readonly unsaved = new Map<string, StreamState>();
	/** Users whose current live stream a source of this process has seen. */
	private readonly confirmed = new Set<string>();
	/** The stream.online that started each user's current stream, when it came from EventSub (sent at, wall ms). */
	private readonly pushedOnline = new Map<string, { streamId: string; sentAt: number }>();
	/** Users whose live stream came from EventSub and is not listed by Get Streams yet, and since when (wall ms). */
	private readonly pushedNotListed = new Map<string, { streamId: string; at: number }>();

	constructor(options: StreamStatesOptions) {
		this.repository = options.repository;
		this.clock = options.clock;
		this.logger = options.logger;
		this.graceMs = options.graceMs ?? DEFAULT_END_GRACE_MS;
		this.elapsed = new ElapsedTime(options.clock);
	}

	/** Reads the stored states of the users not read yet. */
	async load(userIds: readonly string[]): Promise<void> {
		const missing = userIds.filter((id) => !this.loadedUserIds.has(id));
		if (missing.length === 0) return;
		const stored = await this.repository.getMany(missing);
		for (const id of missing) {
			const state = stored.get(id);
			// A state computed meanwhile is newer than the stored one.
			if (state && !this.states.has(id)) this.states.set(id, state);
			this.loadedUserIds.add(id);
		}
	}

	/** The current go-live state of a user, if any is known. */
	get(userId: string): StreamState | undefined {
		return this.states.get(userId);
	}

	/**
	 * Applies what EventSub pushed (see observe). A `stream.offline` sent before the current stream started is about
	 * an older stream and is ignored (delivery is unordered); a `stream.online` of the stream already live adds nothing.
	 */
	observePushed(userId: string, observation: StreamObservation, sentAt: number): GoLiveEvent[] {
		const current = this.states.get(userId);
		if (observation.kind === 'absent' && current?.status === 'live' && this.isStaleOffline(userId, current, sentAt)) {
			return [];
		}
		if (observation.kind === 'live') {
			if (current?.status === 'live' && current.streamId === observation.stream.id) return [];
			this.pushedOnline.set(userId, { streamId: observation.stream.id, sentAt });
			const at = this.clock.now();
			this.pushedNotListed.set(userId, { streamId: observation.stream.id, at });
			this.elapsed.since(`pushed:${userId}`, at); // pinned: measured on the monotonic clock
		} else {
			this.pushedNotListed.delete(userId);
		}
		return this.observe(userId, observation);
	}

	/** Applies what a source observed of one user; returns the events it causes. */
	observe(userId: string, observation: StreamObservation): GoLiveEvent[] {
		if (!('pushed' in observation && observation.pushed)) observation = this.allowForLag(userId, observation);
		const previous = this.states.get(userId);
		const key = `missing:${userId}`;
		const missingFor = previous?.missingSince == null ? undefined : this.elapsed.since(key, previous.missingSince);
		const transition = nextStreamState(previous, observation, this.clock.now(), this.graceMs, missingFor);
		const state = transition.state;
		if (state) this.states.set(userId, state);
		if (transition.persist && state) this.unsaved.set(userId, state);
		if (state?.missingSince == null) this.elapsed.forget(key);
		else this.elapsed.since(key, state.missingSince); // pinned when first missed
		if (observation.kind === 'live' && state?.status === 'live') {
			if (state.streamId === observation.stream.id) this.confirmed.add(userId);
		} else if (state?.status !== 'live') {
			this.confirmed.delete(userId);
			this.pushedOnline.delete(userId);
		}
		return transition.events;
	}

	/**
	 * Whether a stream.offline (which names no stream) is about an older stream than the live one: sent no later than
	 * the stream.online that started the live stream, or, for a stream a poll found, before its start.
	 */
	private isStaleOffline(userId: string, current: StreamState, sentAt: number): boolean {
		const online = this.pushedOnline.get(userId);
		if (online && online.streamId === current.streamId) return sentAt <= online.sentAt;
		const startedAt = current.startedAt === null ? Number.NaN : Date.parse(current.startedAt);
		return Number.isFinite(startedAt) && sentAt < startedAt;
	}

	/** Get Streams' word on a stream EventSub announced: its absence counts only once the lag allowance has passed. */
	private allowForLag(userId: string, observation: StreamObservation): StreamObservation {
		const pushed = this.pushedNotListed.get(userId);
		if (pushed === undefined) return observation;
		if (observation.kind === 'live') {
			if (observation.stream.id === pushed.streamId) this.pushedNotListed.delete(userId);
			return observation;
		}
		if (observation.kind !== 'absent') return observation;
		if (this.elapsed.since(`pushed:${userId}`, pushed.at) < GET_STREAMS_LAG_ALLOWANCE_MS) return { kind: 'unknown' };
		this.pushedNotListed.delete(userId);
		return observation;
	}

	/** Writes the changed states in one batch; on failure they stay queued for the next save. Returns how many. */
	async save(): Promise<number> {
		if (this.unsaved.size === 0) return 0;
		const states = [...this.unsaved.values()];
		try {
			await this.repository.setMany(states);
		} catch (error) {
			this.logger.error({ err: error, states: states.length }, 'could not save stream states; retrying next cycle');
			return 0;
		}
		for (const state of states) {
			if (this.unsaved.get(state.userId) === state) this.unsaved.delete(state.userId);
		}
		return states.length;
	}

	/** The live states among `userIds` that a source of this process has confirmed (see the header). */
	liveConfirmed(userIds: readonly string[]): StreamState[] {
		const live: StreamState[] = [];
		for (const userId of userIds) {
			const state = this.states.get(userId);
			if (state?.status === 'live' && this.confirmed.has(userId)) live.push(state);
		}
		return live;
	}
}
