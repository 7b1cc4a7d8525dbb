import { fileURLToPath } from 'node:url';
import { renderAsync } from '@resvg/resvg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { appendSample, type ViewerSample } from '../../src/notify/stream-summary.ts';
import { CHART_FONT_FAMILY } from '../../src/views/chart-font.ts';
import {
	type ChartText,
	chartCanDraw,
	renderViewerChart,
	VIEWER_CHART_HEIGHT,
	VIEWER_CHART_WIDTH,
	type ViewerChartInput,
	viewerChartSvg,
} from '../../src/views/viewer-chart.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2025-03-01T20:00:00Z');
const FONT_FILE = fileURLToPath(new URL('../../assets/fonts/DejaVuSans.ttf', import.meta.url));

/** Three hours sampled every minute: Just Chatting, then `secondGame` from 1:00 to 2:20, then Just Chatting again. */
function threeHours(secondGame = 'Minecraft'): ViewerSample[] {
	let series: ViewerSample[] = [];
	for (let minute = 0; minute < 180; minute++) {
		const second = minute >= 60 && minute < 140;
		series = appendSample(series, {
			at: T0 + minute * MINUTE,
			viewers: Math.round(800 + 300 * Math.sin(minute / 25) + minute * 2),
			gameId: second ? '27471' : '509658',
			gameName: second ? secondGame : 'Just Chatting',
			title: 'a chill evening',
		});
	}
	return series;
}

function chartOf(overrides: Partial<ViewerChartInput> = {}): ViewerChartInput {
	return { samples: threeHours(), title: 'streamer_one', startedAt: T0, endedAt: T0 + 180 * MINUTE, ...overrides };
}

/** The picture decoded by pngjs, which knows nothing of resvg: a valid PNG or a throw. */
function decode(png: Buffer): PNG {
	return PNG.sync.read(png);
}

/** Coordinates of the pixels that differ between two pictures of the same size. */
function differingPixels(a: PNG, b: PNG): Array<{ x: number; y: number }> {
	expect([a.width, a.height]).toEqual([b.width, b.height]);
	const found: Array<{ x: number; y: number }> = [];
	for (let i = 0; i < a.data.length; i += 4) {
		if (a.data.readUInt32BE(i) !== b.data.readUInt32BE(i))
			found.push({ x: (i / 4) % a.width, y: Math.floor(i / 4 / a.width) });
	}
	return found;
}

/** Whether a pixel lies in a text's box, give or take a pixel of antialiasing. */
function inside(pixel: { x: number; y: number }, box: ChartText['box']): boolean {
	return (
		pixel.x >= box.x - 1 &&
		pixel.x <= box.x + box.width + 1 &&
		pixel.y >= box.y - 1 &&
		pixel.y <= box.y + box.height + 1
	);
}

function textOf(texts: readonly ChartText[], role: ChartText['role'], text?: string): ChartText {
	const found = texts.find((t) => t.role === role && (text === undefined || t.text === text));
	if (!found) throw new Error(`no ${role} text ${text ?? ''} in the chart`);
	return found;
}

describe('viewer chart', () => {
	it('the chart is a valid PNG of the stated size whose pixels are not blank and which contains the drawn text', async () => {
		const chart = await renderViewerChart(chartOf());
		expect(chart.png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
		const image = decode(chart.png);
		expect([image.width, image.height]).toEqual([VIEWER_CHART_WIDTH, VIEWER_CHART_HEIGHT]);
		expect([chart.width, chart.height]).toEqual([800, 300]);

		// The background is #18181b; the viewer area alone covers a good part of the plot.
		let drawn = 0;
		for (let i = 0; i < image.data.length; i += 4) {
			if (image.data[i] !== 0x18 || image.data[i + 1] !== 0x18 || image.data[i + 2] !== 0x1b) drawn++;
		}
		expect(drawn / (image.width * image.height)).toBeGreaterThan(0.2);

		// The category's name is drawn where the chart says, and as letters: the same letters in the reverse order
		// change the pixels (boxes for missing glyphs would all look alike), and only inside the name's box.
		const name = textOf(chart.texts, 'category', 'Minecraft');
		const reversed = await renderViewerChart(chartOf({ samples: threeHours('tfarceniM') }));
		const letters = differingPixels(image, decode(reversed.png));
		expect(letters.length).toBeGreaterThan(40);
		expect(letters.filter((p) => !inside(p, name.box))).toEqual([]);

		const unnamed = await renderViewerChart(chartOf({ samples: threeHours('') }));
		expect(unnamed.texts.some((t) => t.text === 'Minecraft')).toBe(false);
		const label = differingPixels(image, decode(unnamed.png));
		expect(label.length).toBeGreaterThan(100);
		expect(label.filter((p) => !inside(p, name.box))).toEqual([]);

		const untitled = await renderViewerChart(chartOf({ title: [] }));
		const title = differingPixels(image, decode(untitled.png));
		expect(title.length).toBeGreaterThan(100);
		expect(title.filter((p) => !inside(p, textOf(chart.texts, 'title', 'streamer_one').box))).toEqual([]);
	});

	it('a CJK title is left out of the picture (no tofu) while the chart still renders', async () => {
		const untitled = decode((await renderViewerChart(chartOf({ title: [] }))).png);
		const cjk = await renderViewerChart(chartOf({ title: '日本語の配信者' }));
		expect(cjk.leftOut).toEqual(['日本語の配信者']);
		expect(cjk.texts.some((t) => t.role === 'title')).toBe(false);
		expect(differingPixels(decode(cjk.png), untitled)).toEqual([]);

		// Given the display name and then the login, the login is the title line.
		const fallback = await renderViewerChart(chartOf({ title: ['日本語の配信者', 'nihongo_streamer'] }));
		expect(textOf(fallback.texts, 'title').text).toBe('nihongo_streamer');
		expect(fallback.leftOut).toEqual(['日本語の配信者']);

		// A category named in CJK keeps its change marker but not its name.
		const unnamed = decode((await renderViewerChart(chartOf({ samples: threeHours('') }))).png);
		const genshin = await renderViewerChart(chartOf({ samples: threeHours('原神') }));
		expect(genshin.leftOut).toEqual(['原神']);
		expect(differingPixels(decode(genshin.png), unnamed)).toEqual([]);
	});

	it('the shipped font cannot draw CJK itself: without the check, different names would rasterise alike', async () => {
		const pixels = async (text: string) => {
			const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="#fff"/><text x="4" y="28" font-size="20">${text}</text></svg>`;
			const image = await renderAsync(svg, {
				font: { fontFiles: [FONT_FILE], loadSystemFonts: false, defaultFontFamily: CHART_FONT_FAMILY },
			});
			return decode(image.asPng());
		};
		expect(differingPixels(await pixels('日本'), await pixels('本日'))).toEqual([]);
		expect(differingPixels(await pixels('ab'), await pixels('ba')).length).toBeGreaterThan(20);
	});

	it('tells which names the font can draw', () => {
		for (const drawable of [
			'Just Chatting',
			'Pokémon Légendes',
			'Counter-Strike 2',
			'Мир танков',
			'Ελληνικά',
			'e\u0301té',
		]) {
			expect(chartCanDraw(drawable), drawable).toBe(true);
		}
		for (const not of ['原神', '배틀그라운드', 'gaming 🎮', 'a\u0001b', '', '   ', '\uD800']) {
			expect(chartCanDraw(not), JSON.stringify(not)).toBe(false);
		}
	});

	it('escapes text for SVG and fits long names to their room', async () => {
		const chart = viewerChartSvg(chartOf({ title: 'Tom & "Jerry" <3 \u202Eevil' }));
		expect(chart.svg).toContain('>Tom &amp; &quot;Jerry&quot; &lt;3 evil</text>');
		await expect(renderViewerChart(chartOf({ title: '</text><script>&' }))).resolves.toMatchObject({ width: 800 });

		const long = viewerChartSvg(chartOf({ title: 'x'.repeat(300), samples: threeHours('A '.repeat(100)) }));
		const title = textOf(long.texts, 'title');
		expect(title.text.endsWith('…')).toBe(true);
		expect(title.box.x + title.box.width).toBeLessThan(textOf(long.texts, 'legend').box.x);
		const category = long.texts.find((t) => t.role === 'category' && t.text.startsWith('A A'));
		expect(category?.text.endsWith('…')).toBe(true);
	});

	it('renders at a stated size and refuses what it cannot chart', async () => {
		const wide = await renderViewerChart(chartOf({ width: 1200, height: 400 }));
		expect([decode(wide.png).width, decode(wide.png).height]).toEqual([1200, 400]);
		expect(() => viewerChartSvg(chartOf({ samples: threeHours().slice(0, 2) }))).toThrow(RangeError);
		expect(() => viewerChartSvg(chartOf({ width: 100 }))).toThrow(RangeError);
		expect(() => viewerChartSvg(chartOf({ height: 5000 }))).toThrow(RangeError);
	});
});
