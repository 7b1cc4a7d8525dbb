/**
 * The stream summary of an end edit (issue 11): the numbers from the viewer samples the poller took, and the viewer
 * chart drawn once per stream however many servers' posts show it. Anything that fails here costs only the
 * summary (logged): the end edit goes out as it would without one.
 */
import type { Logger } from '../logger.ts';
import type { ViewerSampleRepository } from '../store/viewer-sample-repository.ts';
import type { AnnouncedStream, ViewerChartInput } from './announcement-port.ts';
import { type StreamSummary, summarize } from './stream-summary.ts';

/** The file name the chart is attached as, and what the embed's image points at (`attachment://viewers.png`). */
export const CHART_FILENAME = 'viewers.png';

export interface SummaryCard {
	summary: StreamSummary;
	/** The chart as PNG; null when the stream is too short to chart, or drawing it failed. */
	chart: Buffer | null;
}

export interface SummaryCardSources {
	viewerSamples: Pick<ViewerSampleRepository, 'samples'>;
	/** Draws the chart (the renderer's); absent: numbers only. */
	drawChart?: ((input: ViewerChartInput) => Promise<Buffer>) | undefined;
	logger: Logger;
}

/** The stream's summary card, made at the first call and shared by the later ones; null when it cannot be made. */
export function summaryCardLookup(
	sources: SummaryCardSources,
	stream: AnnouncedStream,
	endedAt: number,
): () => Promise<SummaryCard | null> {
	let card: Promise<SummaryCard | null> | undefined;
	return () => {
		card ??= makeCard(sources, stream, endedAt).catch((error: unknown) => {
			sources.logger.warn(
				{ err: error, streamId: stream.streamId },
				'could not make the stream summary; ending without it',
			);
			return null;
		});
		return card;
	};
}

async function makeCard(sources: SummaryCardSources, stream: AnnouncedStream, endedAt: number): Promise<SummaryCard> {
	const samples = await sources.viewerSamples.samples(stream.streamId);
	const startedAt = Date.parse(stream.startedAt);
	const span = { startedAt: Number.isFinite(startedAt) ? startedAt : (samples[0]?.at ?? endedAt), endedAt };
	const summary = summarize(samples, span);
	let chart: Buffer | null = null;
	if (summary.chartable && sources.drawChart) {
		try {
			chart = await sources.drawChart({ samples, title: [stream.displayName, stream.login], ...span });
		} catch (error) {
			sources.logger.warn(
				{ err: error, streamId: stream.streamId },
				'could not draw the viewer chart; the summary goes without it',
			);
		}
	}
	return { summary, chart };
}
