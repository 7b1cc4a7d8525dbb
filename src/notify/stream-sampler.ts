/**
 * Takes viewer samples of the live streams each poll cycle confirms, for the summary card at their end (issue 11).
 * What the poller already fetched is all it uses: no Helix call of its own. A stream is sampled every 2 minutes for
 * its first 2 hours, then every 5 (Twitch ends a stream after 48 hours: at most 612 samples), and at once when its
 * category or title changes. Each sample goes to the store as it is taken, so a restart mid-stream loses none.
 * In memory only each stream's last sample is kept (about 150 bytes a live stream).
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { StreamState } from '../store/records.ts';
import type { SampleAppend, ViewerSampleRepository, ViewerSeriesHead } from '../store/viewer-sample-repository.ts';
import type { ViewerSample } from './stream-summary.ts';

const EARLY_STEP_MS = 2 * 60_000;
const LATE_STEP_MS = 5 * 60_000;
const EARLY_PERIOD_MS = 2 * 60 * 60_000;

/** How long after the last sample the next one is due, for a stream this old. */
export function sampleStepMs(streamAgeMs: number): number {
	return streamAgeMs < EARLY_PERIOD_MS ? EARLY_STEP_MS : LATE_STEP_MS;
}

export class ViewerSampler {
	private readonly repository: ViewerSampleRepository;
	private readonly clock: Clock;
	private readonly logger: Logger;
	/** Stream id → its series' head (null: known to have no samples yet). Live streams only. */
	private readonly heads = new Map<string, ViewerSeriesHead | null>();
	private recording: Promise<void> | undefined;

	constructor(options: { repository: ViewerSampleRepository; clock: Clock; logger: Logger }) {
		this.repository = options.repository;
		this.clock = options.clock;
		this.logger = options.logger;
	}

	/**
	 * Samples what is due among `liveStates` (every live stream a poll cycle confirmed) and forgets streams not among
	 * them. Runs in the background: a slow store never holds up polling, and a cycle that finds the previous
	 * recording still running skips its own.
	 */
	observe(liveStates: readonly StreamState[]): void {
		if (this.recording) return;
		this.recording = this.record(liveStates)
			.catch((error: unknown) => this.logger.warn({ err: error }, 'could not store viewer samples; trying next cycle'))
			.finally(() => {
				this.recording = undefined;
			});
	}

	/** Resolves once the recording in progress, if any, is done (tests, shutdown). */
	async whenIdle(): Promise<void> {
		await this.recording;
	}

	/** Every sample stored for a stream, in order. */
	samplesOf(streamId: string): Promise<ViewerSample[]> {
		return this.repository.samples(streamId);
	}

	private async record(liveStates: readonly StreamState[]): Promise<void> {
		const live = new Map<string, StreamState>();
		for (const state of liveStates) {
			if (state.status === 'live' && state.streamId !== null) live.set(state.streamId, state);
		}
		for (const streamId of this.heads.keys()) if (!live.has(streamId)) this.heads.delete(streamId);
		const unknown = [...live.keys()].filter((streamId) => !this.heads.has(streamId));
		if (unknown.length > 0) {
			// After a restart: the series stored so far goes on where it stopped.
			const stored = await this.repository.heads(unknown);
			for (const streamId of unknown) this.heads.set(streamId, stored.get(streamId) ?? null);
		}
		const now = this.clock.now();
		const appends: SampleAppend[] = [];
		for (const [streamId, state] of live) {
			const head = this.heads.get(streamId) ?? undefined;
			if (head && !isDue(head, state, now)) continue;
			appends.push({
				streamId,
				head,
				sample: {
					at: now,
					viewers: state.viewerCount,
					gameId: state.gameId,
					gameName: state.gameName,
					title: state.title,
				},
			});
		}
		if (appends.length === 0) return;
		for (const [streamId, head] of await this.repository.append(appends)) {
			if (this.heads.has(streamId)) this.heads.set(streamId, head);
		}
	}
}

function isDue(head: ViewerSeriesHead, state: StreamState, now: number): boolean {
	if (head.last.gameId !== state.gameId || head.last.title !== state.title) return true;
	const startedAt = state.startedAt === null ? Number.NaN : Date.parse(state.startedAt);
	const age = Number.isFinite(startedAt) ? now - startedAt : 0;
	return now - head.last.at >= sampleStepMs(age);
}
