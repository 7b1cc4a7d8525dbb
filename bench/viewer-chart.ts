/**
 * The stream summary's viewer chart: 100 streams of 8 hours sampled once a minute (480 samples each, kept to the
 * default cap of the series by appendSample, as the notifier will), each rendered to PNG one after the other after a
 * warm-up, on this machine. What a stream's end costs the notifier: the SVG is drawn on the event loop, resvg
 * rasterises on libuv's thread pool, the PNG is encoded on the event loop.
 */
import { appendSample, type ViewerSample } from '../src/notify/stream-summary.ts';
import { renderViewerChart, viewerChartSvg } from '../src/views/viewer-chart.ts';

export interface ViewerChartBenchResult {
	charts: number;
	samplesPerChart: number;
	renderP50Ms: number;
	renderP99Ms: number;
	renderMaxMs: number;
	/** Drawing the SVG alone (the pure part, on the event loop). */
	svgP50Ms: number;
	pngP50Bytes: number;
	pngMaxBytes: number;
}

const MINUTE = 60_000;
const GAMES = ['Just Chatting', 'ELDEN RING', 'Minecraft', 'Counter-Strike 2', 'League of Legends', 'Pokémon Legends'];

/** The same 8-hour streams on every run: a seeded generator, not Math.random. */
function eightHourStreams(count: number): ViewerSample[][] {
	let seed = 42;
	const random = () => {
		seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
		return seed / 2 ** 31;
	};
	const start = Date.parse('2025-03-01T18:00:00Z');
	return Array.from({ length: count }, () => {
		const base = 50 + random() * 20_000;
		const changes = 1 + Math.floor(random() * 5);
		let game = 0;
		let title = 'going live';
		let series: ViewerSample[] = [];
		for (let minute = 0; minute < 480; minute++) {
			if (random() < changes / 480) game = (game + 1 + Math.floor(random() * 3)) % GAMES.length;
			if (random() < 2 / 480) title = `title ${minute}`;
			const wave = 1 + 0.3 * Math.sin(minute / (20 + random() * 3)) + (random() - 0.5) * 0.1;
			series = appendSample(series, {
				at: start + minute * MINUTE,
				viewers: Math.round(base * wave * Math.min(1, (minute + 5) / 30)),
				gameId: String(1000 + game),
				gameName: GAMES[game]!,
				title,
			});
		}
		return series;
	});
}

function percentile(sorted: readonly number[], p: number): number {
	return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

export async function benchViewerChart(streams = 100, warmUp = 10): Promise<ViewerChartBenchResult> {
	const all = eightHourStreams(streams);
	const input = (samples: ViewerSample[]) => ({ samples, title: 'bench_streamer' });
	for (const samples of all.slice(0, warmUp)) await renderViewerChart(input(samples));

	const renderMs: number[] = [];
	const svgMs: number[] = [];
	const bytes: number[] = [];
	for (const samples of all) {
		const svgStarted = performance.now();
		viewerChartSvg(input(samples));
		svgMs.push(performance.now() - svgStarted);
		const started = performance.now();
		const chart = await renderViewerChart(input(samples));
		renderMs.push(performance.now() - started);
		bytes.push(chart.png.length);
	}
	const ascending = (values: number[]) => [...values].sort((a, b) => a - b);
	const render = ascending(renderMs);
	const size = ascending(bytes);
	return {
		charts: streams,
		samplesPerChart: Math.max(...all.map((s) => s.length)),
		renderP50Ms: percentile(render, 0.5),
		renderP99Ms: percentile(render, 0.99),
		renderMaxMs: render.at(-1) ?? Number.NaN,
		svgP50Ms: percentile(ascending(svgMs), 0.5),
		pngP50Bytes: percentile(size, 0.5),
		pngMaxBytes: size.at(-1) ?? Number.NaN,
	};
}

/** The section `node bench/run.ts chart` prints: a heading and a Markdown table. */
export async function viewerChartReport(): Promise<string> {
	const r = await benchViewerChart();
	const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
	const rows = [
		['charts (8 h, a sample a minute)', `${r.charts}, ${r.samplesPerChart} samples each after the cap`],
		[
			'render to PNG, p50 / p99 / max',
			`${r.renderP50Ms.toFixed(1)} / ${r.renderP99Ms.toFixed(1)} / ${r.renderMaxMs.toFixed(1)} ms`,
		],
		['of which drawing the SVG, p50', `${r.svgP50Ms.toFixed(2)} ms`],
		['PNG size, p50 / max', `${kb(r.pngP50Bytes)} / ${kb(r.pngMaxBytes)}`],
	];
	const width = Math.max(...rows.map(([label]) => label!.length));
	return [
		`\nStream summary viewer chart — 800×300 PNG, Node ${process.version}\n`,
		...rows.map(([label, value]) => `| ${label!.padEnd(width)} | ${value} |`),
	].join('\n');
}
