/**
 * How a stream went, for the summary card of its end edit: the notifier records a viewer sample each time it sees
 * the stream live, keeps the series bounded with `appendSample`, stores it, and calls `summarize` when the stream
 * ends. Pure functions on plain arrays of plain objects, so a series is stored as JSON as it is.
 */

/** What Twitch reported for a live stream at one moment. */
export interface ViewerSample {
	/** When it was seen, in ms since the epoch. */
	at: number;
	viewers: number;
	/** Twitch's game_id; '' when the stream has no category. */
	gameId: string;
	gameName: string;
	title: string;
}

/**
 * Samples kept per stream by default: a sample a minute stays at full resolution for the first 4 hours, a 48-hour
 * stream (Twitch's longest) ends with one sample per 12 minutes, and a stored series stays around 50 KB of JSON.
 */
export const DEFAULT_SAMPLE_CAP = 240;

/** Below this many samples a stream gets its numbers but no chart: two points make a line, not a story. */
export const MIN_CHART_SAMPLES = 3;

/** The smallest cap that leaves a pair to merge besides the first, the newest and the peak samples. */
const MIN_CAP = 4;

/**
 * The series with `sample` added at its end, at most `cap` samples long: past the cap, the two neighbouring samples
 * that span the least time are merged into one, again and again, so the series keeps an even resolution over the
 * whole stream (within a factor of two) instead of a fine recent end and a blurred start.
 *
 * A merge keeps the earlier sample's time, category and title and the time-weighted mean of the two viewer counts,
 * so the series' area (the time-weighted average) barely moves. Never merged away: a sample whose category or
 * title differs from the one before it (so category and title changes keep their exact time), the sample with the
 * most viewers (so the peak and its time stay exact), and the newest sample. When the changes alone outnumber the
 * cap, the series is longer than the cap: with a sample a minute that takes a title change every minute.
 *
 * A sample not newer than the last one (a repeated poll, a clock stepped back) is ignored. The input is not changed.
 */
export function appendSample(
	series: readonly ViewerSample[],
	sample: ViewerSample,
	cap: number = DEFAULT_SAMPLE_CAP,
): ViewerSample[] {
	if (!Number.isInteger(cap) || cap < MIN_CAP)
		throw new RangeError(`the sample cap must be a whole number ≥ ${MIN_CAP}`);
	const last = series.at(-1);
	if (last !== undefined && sample.at <= last.at) return [...series];
	const next = [...series, sample];
	while (next.length > cap && mergeNarrowestPair(next)) {
		// each pass merges one pair; it stops early only when every pair left is pinned
	}
	return next;
}

/** A category or title change: the sample starts something the chart and the summary show. */
function startsChange(previous: ViewerSample, sample: ViewerSample): boolean {
	return previous.gameId !== sample.gameId || previous.title !== sample.title;
}

/** Index of the first sample with the most viewers; -1 for an empty series. */
function peakIndex(series: readonly ViewerSample[]): number {
	let best = -1;
	for (let i = 0; i < series.length; i++) {
		if (best < 0 || series[i]!.viewers > series[best]!.viewers) best = i;
	}
	return best;
}

/**
 * Merges, in place, the neighbouring pair (i, i+1) spanning the least time (from sample i to sample i+2, the oldest
 * such pair on a tie) among those that may be merged; false when none may.
 */
function mergeNarrowestPair(series: ViewerSample[]): boolean {
	const peak = peakIndex(series);
	let best = -1;
	let bestSpan = Number.POSITIVE_INFINITY;
	// i + 2 < length: the pair needs the sample after it to know how long its second sample held, and the newest
	// sample is never merged into the one before it.
	for (let i = 0; i + 2 < series.length; i++) {
		if (i === peak || i + 1 === peak || startsChange(series[i]!, series[i + 1]!)) continue;
		const span = series[i + 2]!.at - series[i]!.at;
		if (span < bestSpan) {
			best = i;
			bestSpan = span;
		}
	}
	if (best < 0) return false;
	const first = series[best]!;
	const second = series[best + 1]!;
	const after = series[best + 2]!;
	const viewers = Math.round(
		(first.viewers * (second.at - first.at) + second.viewers * (after.at - second.at)) / (after.at - first.at),
	);
	series.splice(best, 2, { ...first, viewers });
	return true;
}

/** Time spent in one category over the whole stream. */
export interface CategoryTime {
	gameId: string;
	gameName: string;
	durationMs: number;
}

/** A title the stream had, from when it was first seen (the first one: from the stream's start). */
export interface TitleChange {
	title: string;
	at: number;
}

export interface StreamSummary {
	/** From Twitch's started_at to the moment the stream was seen ended. */
	durationMs: number;
	/** 0 without samples. */
	peakViewers: number;
	/** When the peak was first reached; null without samples. */
	peakAt: number | null;
	/**
	 * Viewers averaged over time (each sample holds until the next one, the last until the end), rounded: samples
	 * bunched together do not outweigh a long stretch between two polls. Counted from the first sample, as the
	 * viewers before it were not seen.
	 */
	averageViewers: number;
	/**
	 * Each category once, in the order first played, with all its time: a stream that goes back to a game adds to
	 * that game's entry. The first category is counted from the stream's start. The durations add up to durationMs.
	 */
	categories: CategoryTime[];
	/** The first title (at the stream's start), then each change, a return to an earlier title included. */
	titles: TitleChange[];
	sampleCount: number;
	/** Whether there are enough samples (MIN_CHART_SAMPLES) over some time for a viewer chart. */
	chartable: boolean;
}

/**
 * The numbers of an ended stream from its samples. Sample times outside [startedAt, endedAt] (clock skew between
 * Twitch and the bot) are taken as the nearer end; samples need not be in order.
 */
export function summarize(
	samples: readonly ViewerSample[],
	span: { startedAt: number; endedAt: number },
): StreamSummary {
	const startedAt = span.startedAt;
	const endedAt = Math.max(span.endedAt, startedAt);
	const within = (at: number) => Math.min(Math.max(at, startedAt), endedAt);
	const sorted = [...samples].sort((a, b) => a.at - b.at);

	const peak = sorted[peakIndex(sorted)];
	const categories = new Map<string, CategoryTime>();
	const titles: TitleChange[] = [];
	let weightedViewers = 0;
	for (let i = 0; i < sorted.length; i++) {
		const sample = sorted[i]!;
		const previous = sorted[i - 1];
		const from = i === 0 ? startedAt : within(sample.at);
		const until = within(sorted[i + 1]?.at ?? endedAt);
		const category = categories.get(sample.gameId);
		if (category) category.durationMs += until - from;
		else categories.set(sample.gameId, { gameId: sample.gameId, gameName: sample.gameName, durationMs: until - from });
		if (previous === undefined || previous.title !== sample.title) titles.push({ title: sample.title, at: from });
		weightedViewers += sample.viewers * (until - within(sample.at));
	}

	const first = sorted[0];
	const last = sorted.at(-1);
	const measuredMs = first ? endedAt - within(first.at) : 0;
	const averageViewers =
		sorted.length === 0
			? 0
			: Math.round(
					measuredMs > 0 ? weightedViewers / measuredMs : sorted.reduce((sum, s) => sum + s.viewers, 0) / sorted.length,
				);
	return {
		durationMs: endedAt - startedAt,
		peakViewers: peak?.viewers ?? 0,
		peakAt: peak?.at ?? null,
		averageViewers,
		categories: [...categories.values()],
		titles,
		sampleCount: sorted.length,
		chartable: sorted.length >= MIN_CHART_SAMPLES && first !== undefined && last !== undefined && last.at > first.at,
	};
}
