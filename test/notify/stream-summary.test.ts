import { describe, expect, it } from 'vitest';
import { appendSample, DEFAULT_SAMPLE_CAP, summarize, type ViewerSample } from '../../src/notify/stream-summary.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2025-03-01T20:00:00Z');

const chatting = { gameId: '509658', gameName: 'Just Chatting' };
const eldenRing = { gameId: '512953', gameName: 'ELDEN RING' };
const minecraft = { gameId: '27471', gameName: 'Minecraft' };

function sample(minute: number, viewers: number, game: typeof chatting, title: string): ViewerSample {
	return { at: T0 + minute * MINUTE, viewers, ...game, title };
}

/**
 * When each category or title change happened, and what to, the start included (a kept change sample may stand for
 * the minute after it too, so its viewer count is left out).
 */
function changesOf(series: readonly ViewerSample[]) {
	return series
		.filter((s, i) => i === 0 || s.gameId !== series[i - 1]!.gameId || s.title !== series[i - 1]!.title)
		.map(({ at, gameId, gameName, title }) => ({ at, gameId, gameName, title }));
}

describe('stream summary', () => {
	it('summary numbers from a known series of samples', () => {
		const samples = [
			sample(1, 100, chatting, 'hello'),
			sample(11, 300, chatting, 'hello'),
			sample(16, 600, eldenRing, 'hello'),
			sample(46, 400, eldenRing, 'boss fight'),
			sample(56, 200, chatting, 'boss fight'),
		];
		const summary = summarize(samples, { startedAt: T0, endedAt: T0 + 60 * MINUTE });

		expect(summary.durationMs).toBe(60 * MINUTE);
		expect(summary.peakViewers).toBe(600);
		expect(summary.peakAt).toBe(T0 + 16 * MINUTE);
		// Each count holds until the next sample, the last until the end, over the 59 minutes from the first sample:
		// (100×10 + 300×5 + 600×30 + 400×10 + 200×4) / 59 = 25,300 / 59 = 428.8 (the plain mean would be 320).
		expect(summary.averageViewers).toBe(429);
		// Just Chatting from the start to minute 16, then again from 56 to 60; ELDEN RING from 16 to 56.
		expect(summary.categories).toEqual([
			{ ...chatting, durationMs: 20 * MINUTE },
			{ ...eldenRing, durationMs: 40 * MINUTE },
		]);
		expect(summary.titles).toEqual([
			{ title: 'hello', at: T0 },
			{ title: 'boss fight', at: T0 + 46 * MINUTE },
		]);
		expect(summary.sampleCount).toBe(5);
		expect(summary.chartable).toBe(true);
	});

	it('takes samples out of order, and times outside the stream as its nearer end', () => {
		const samples = [
			sample(30, 50, eldenRing, 'b'),
			sample(-2, 10, chatting, 'a'), // before started_at: clock skew
			sample(70, 90, eldenRing, 'b'), // after the end
		];
		const summary = summarize(samples, { startedAt: T0, endedAt: T0 + 60 * MINUTE });
		expect(summary.categories).toEqual([
			{ ...chatting, durationMs: 30 * MINUTE },
			{ ...eldenRing, durationMs: 30 * MINUTE },
		]);
		// 10 over 0–30 and 50 over 30–60; the sample after the end holds for no time.
		expect(summary.averageViewers).toBe(30);
		expect(summary.peakViewers).toBe(90);
	});

	it('too-short streams get their numbers but are not chartable', () => {
		const span = { startedAt: T0, endedAt: T0 + 3 * MINUTE };
		const two = summarize([sample(1, 40, chatting, 't'), sample(2, 60, chatting, 't')], span);
		expect(two).toMatchObject({ peakViewers: 60, averageViewers: 50, sampleCount: 2, chartable: false });
		expect(two.categories).toEqual([{ ...chatting, durationMs: 3 * MINUTE }]);

		const none = summarize([], span);
		expect(none).toEqual({
			durationMs: 3 * MINUTE,
			peakViewers: 0,
			peakAt: null,
			averageViewers: 0,
			categories: [],
			titles: [],
			sampleCount: 0,
			chartable: false,
		});
		// An end reported before the start (clock skew) is a stream of no time, not a negative one.
		expect(summarize([sample(0, 5, chatting, 't')], { startedAt: T0, endedAt: T0 - MINUTE })).toMatchObject({
			durationMs: 0,
			averageViewers: 5,
		});
	});
});

describe('bounded sample series', () => {
	it('downsampling keeps the peak and every change and stays under the cap for an 8-hour stream sampled every minute', () => {
		const full: ViewerSample[] = [];
		for (let minute = 0; minute < 8 * 60; minute++) {
			const game = minute < 120 ? chatting : minute < 300 ? eldenRing : minute < 410 ? minecraft : chatting;
			const title =
				minute < 60
					? 'morning'
					: minute < 200
						? 'first boss'
						: minute === 200
							? 'typo'
							: minute < 479
								? 'fixed'
								: 'bye';
			// A slow wave around 1,000 with a one-sample raid spike at minute 97, in the part merged most often.
			const viewers = minute === 97 ? 5_000 : Math.round(1_000 + 400 * Math.sin(minute / 40) + ((minute * 37) % 50));
			full.push(sample(minute, viewers, game, title));
		}

		let series: ViewerSample[] = [];
		for (const s of full) {
			series = appendSample(series, s);
			expect(series.length).toBeLessThanOrEqual(DEFAULT_SAMPLE_CAP);
		}
		expect(series.length).toBe(DEFAULT_SAMPLE_CAP);
		expect(series.at(-1)).toEqual(full.at(-1));

		const span = { startedAt: T0, endedAt: T0 + 8 * 60 * MINUTE };
		const exact = summarize(full, span);
		const kept = summarize(series, span);
		expect(kept.peakViewers).toBe(5_000);
		expect(kept.peakAt).toBe(T0 + 97 * MINUTE);
		// Category changes at 120, 300 and 410; title changes at 60, 200, 201 and 479 (the newest sample).
		expect(changesOf(series)).toEqual(changesOf(full));
		expect(changesOf(full)).toHaveLength(8);
		expect(kept.categories).toEqual(exact.categories);
		expect(kept.titles).toEqual(exact.titles);
		expect(Math.abs(kept.averageViewers - exact.averageViewers)).toBeLessThanOrEqual(exact.averageViewers * 0.005);

		// An even resolution: no kept sample stands for more than 4 minutes (480 minutes in 240 samples).
		const spans = series.slice(1).map((s, i) => s.at - series[i]!.at);
		expect(Math.max(...spans)).toBeLessThanOrEqual(4 * MINUTE);
	});

	it('keeps every change even when changes alone outnumber the cap', () => {
		let series: ViewerSample[] = [];
		for (let minute = 0; minute < 20; minute++) {
			series = appendSample(series, sample(minute, 100, chatting, `title ${minute}`), 8);
		}
		expect(series).toHaveLength(20);
	});

	it('ignores a sample not newer than the last one, and leaves its input unchanged', () => {
		const series = [sample(0, 1, chatting, 't'), sample(1, 2, chatting, 't')];
		const copy = structuredClone(series);
		expect(appendSample(series, sample(1, 99, chatting, 't'))).toEqual(copy);
		expect(appendSample(series, sample(0.5, 99, chatting, 't'))).toEqual(copy);
		appendSample(series, sample(2, 3, chatting, 't'), 4);
		expect(series).toEqual(copy);
		expect(() => appendSample(series, sample(2, 3, chatting, 't'), 2)).toThrow(RangeError);
	});

	it('a series stays the same through JSON, as it is stored', () => {
		let series: ViewerSample[] = [];
		for (let minute = 0; minute < 30; minute++)
			series = appendSample(series, sample(minute, minute * 3, chatting, 't'), 10);
		expect(JSON.parse(JSON.stringify(series))).toEqual(series);
	});
});
