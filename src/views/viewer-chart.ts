/**
 * The viewer chart of a stream summary card: viewers over time as an area, category changes marked with a line and
 * the category's name, drawn as SVG here and rasterised to PNG by resvg. The text is drawn with one font shipped with
 * the project and no system font, so the picture is the same on every machine; a name in a script that font lacks
 * (CJK, most emoji) is left out of the picture rather than drawn as boxes: the embed's text carries it.
 */
import { MIN_CHART_SAMPLES, type ViewerSample } from '../notify/stream-summary.ts';
import { stripBidiControls } from '../unicode-text.ts';
import { CHART_FONT_FAMILY, chartFont } from './chart-font.ts';

/** The picture's size unless asked otherwise: wide and low, as a Discord embed image shows it. */
export const VIEWER_CHART_WIDTH = 800;
export const VIEWER_CHART_HEIGHT = 300;

export interface ViewerChartInput {
	/** At least MIN_CHART_SAMPLES samples over some time (`summarize(...).chartable`). */
	samples: readonly ViewerSample[];
	/**
	 * The title line, such as the streamer's display name. Given several, the first the chart's font can draw
	 * (a display name in Japanese, then the login); none drawable, or none given: no title line.
	 */
	title: string | readonly string[];
	/** The time axis runs from the stream's start to its end; by default from the first sample to the last. */
	startedAt?: number;
	endedAt?: number;
	/** In pixels, VIEWER_CHART_WIDTH × VIEWER_CHART_HEIGHT by default; 400×200 to 2000×1000. */
	width?: number;
	height?: number;
}

/** A piece of text the picture shows, and the pixels it may cover. */
export interface ChartText {
	role: 'title' | 'legend' | 'category' | 'peak' | 'time-axis' | 'viewer-axis';
	text: string;
	box: { x: number; y: number; width: number; height: number };
}

export interface ViewerChartSvg {
	svg: string;
	width: number;
	height: number;
	texts: ChartText[];
	/** Titles and category names the font cannot draw, left out of the picture. */
	leftOut: string[];
}

export interface ViewerChart extends Omit<ViewerChartSvg, 'svg'> {
	png: Buffer;
	/** From the SVG's start to the PNG's end. */
	renderMs: number;
}

/**
 * The chart as a PNG. Rasterising runs on libuv's thread pool (resvg's renderAsync), so only drawing the SVG and
 * encoding the PNG hold the event loop. Throws a RangeError for samples too few to chart or a size out of range.
 */
export async function renderViewerChart(input: ViewerChartInput): Promise<ViewerChart> {
	const started = performance.now();
	const { svg, ...drawn } = viewerChartSvg(input);
	// Loaded at the first chart, not at start: the native module is ~4 MB of RSS a process that never ends a
	// stream (a gateway-only one, a standby) need not carry.
	const { renderAsync } = await import('@resvg/resvg-js');
	const image = await renderAsync(svg, {
		font: { fontFiles: [chartFont().file], loadSystemFonts: false, defaultFontFamily: CHART_FONT_FAMILY },
		fitTo: { mode: 'original' },
		logLevel: 'off',
	});
	const png = image.asPng();
	return { ...drawn, png, renderMs: performance.now() - started };
}

/** Whether the chart's font has a glyph for every character of `text` (after the chart's own clean-up). */
export function chartCanDraw(text: string): boolean {
	const cleaned = cleanText(text);
	if (cleaned === '') return false;
	const font = chartFont();
	for (const char of cleaned) {
		if (!font.glyphs.has(char.codePointAt(0)!)) return false;
	}
	return true;
}

// Colours of Twitch's dark theme: the picture sits in an embed on Discord's dark or light background alike.
const BACKGROUND = '#18181b';
const GRID = '#35353b';
const AXIS_TEXT = '#adadb8';
const TITLE_TEXT = '#efeff1';
const LINE = '#bf94ff';
const AREA = '#9147ff';
const MARKER = '#efeff1';

const TITLE_SIZE = 15;
const LABEL_SIZE = 11;
/** A category name is cut to the room before the next change; with less room than this it is left out. */
const MIN_LABEL_WIDTH = 28;

/** The chart as SVG, with what it shows: the pure part of renderViewerChart. */
export function viewerChartSvg(input: ViewerChartInput): ViewerChartSvg {
	const width = input.width ?? VIEWER_CHART_WIDTH;
	const height = input.height ?? VIEWER_CHART_HEIGHT;
	if (!Number.isInteger(width) || !Number.isInteger(height) || width < 400 || width > 2000)
		throw new RangeError(`a viewer chart is 400 to 2000 pixels wide, not ${width}`);
	if (height < 200 || height > 1000) throw new RangeError(`a viewer chart is 200 to 1000 pixels high, not ${height}`);
	const samples = [...input.samples].sort((a, b) => a.at - b.at);
	const first = samples[0];
	const last = samples.at(-1);
	if (samples.length < MIN_CHART_SAMPLES || !first || !last || last.at <= first.at)
		throw new RangeError(`a viewer chart needs ${MIN_CHART_SAMPLES} samples over some time`);
	const start = Math.min(input.startedAt ?? first.at, first.at);
	const end = Math.max(input.endedAt ?? last.at, last.at);

	const plot = { left: 52, right: width - 16, top: 48, bottom: height - 26 };
	const x = (at: number) => plot.left + ((at - start) / (end - start)) * (plot.right - plot.left);
	const peak = samples.reduce((best, s) => (s.viewers > best.viewers ? s : best), first);
	const viewerTicks = niceTicks(peak.viewers * 1.1);
	const top = viewerTicks.at(-1)!;
	const y = (viewers: number) => plot.bottom - (Math.max(0, viewers) / top) * (plot.bottom - plot.top);

	const parts: string[] = [`<rect width="${width}" height="${height}" fill="${BACKGROUND}"/>`];
	const texts: ChartText[] = [];
	const leftOut: string[] = [];
	const text = (role: ChartText['role'], content: string, at: TextPlacement) => {
		texts.push({ role, text: content, box: textBox(content, at) });
		parts.push(svgText(content, at));
	};

	for (const viewers of viewerTicks) {
		const lineY = num(y(viewers));
		parts.push(`<line x1="${plot.left}" y1="${lineY}" x2="${plot.right}" y2="${lineY}" stroke="${GRID}"/>`);
		text('viewer-axis', formatAxisCount(viewers), {
			x: plot.left - 6,
			y: y(viewers) + LABEL_SIZE * 0.35,
			size: LABEL_SIZE,
			anchor: 'end',
			fill: AXIS_TEXT,
		});
	}
	for (const elapsed of timeTicks(end - start, plot.right - plot.left)) {
		const tickX = x(start + elapsed);
		const label = formatElapsedTick(elapsed);
		const half = measureText(label, LABEL_SIZE) / 2;
		parts.push(
			`<line x1="${num(tickX)}" y1="${plot.bottom}" x2="${num(tickX)}" y2="${plot.bottom + 4}" stroke="${GRID}"/>`,
		);
		text('time-axis', label, {
			x: Math.min(tickX, width - 2 - half),
			y: plot.bottom + 17,
			size: LABEL_SIZE,
			anchor: 'middle',
			fill: AXIS_TEXT,
		});
	}

	const points = samples.map((s) => `${num(x(s.at))},${num(y(s.viewers))}`);
	parts.push(
		`<path d="M${num(x(first.at))},${plot.bottom} L${points.join(' L')} L${num(x(last.at))},${plot.bottom} Z" fill="${AREA}" fill-opacity="0.3"/>`,
		`<path d="M${points.join(' L')}" fill="none" stroke="${LINE}" stroke-width="2" stroke-linejoin="round"/>`,
	);

	// Each stretch in one category begins at the start or at a change, marked with a dashed line up into the band
	// above the plot where its name goes.
	const stretches = samples
		.filter((s, i) => i === 0 || s.gameId !== samples[i - 1]!.gameId)
		.map((s, i) => ({ x: i === 0 ? plot.left : x(s.at), name: s.gameName }));
	stretches.forEach((stretch, i) => {
		if (i > 0) {
			parts.push(
				`<line x1="${num(stretch.x)}" y1="${plot.top - 18}" x2="${num(stretch.x)}" y2="${plot.bottom}" stroke="${MARKER}" stroke-opacity="0.6" stroke-dasharray="3 3"/>`,
			);
		}
		const name = cleanText(stretch.name);
		if (name === '') return;
		if (!chartCanDraw(name)) {
			leftOut.push(stretch.name);
			return;
		}
		const room = (stretches[i + 1]?.x ?? plot.right) - stretch.x - 8;
		const label = room >= MIN_LABEL_WIDTH ? fitText(name, LABEL_SIZE, room) : '';
		if (label === '') return;
		text('category', label, { x: stretch.x + 4, y: plot.top - 8, size: LABEL_SIZE, anchor: 'start', fill: TITLE_TEXT });
	});

	const peakX = x(peak.at);
	const peakY = y(peak.viewers);
	parts.push(`<circle cx="${num(peakX)}" cy="${num(peakY)}" r="3.5" fill="${TITLE_TEXT}"/>`);
	const peakLabel = formatCount(peak.viewers);
	const peakWidth = measureText(peakLabel, LABEL_SIZE);
	text('peak', peakLabel, {
		x: Math.min(Math.max(peakX, plot.left + peakWidth / 2), plot.right - peakWidth / 2),
		y: Math.max(peakY - 8, plot.top + LABEL_SIZE),
		size: LABEL_SIZE,
		anchor: 'middle',
		fill: TITLE_TEXT,
	});

	const legend = 'viewers';
	const legendWidth = measureText(legend, LABEL_SIZE);
	text('legend', legend, { x: width - 16, y: 22, size: LABEL_SIZE, anchor: 'end', fill: AXIS_TEXT });

	const candidates = typeof input.title === 'string' ? [input.title] : input.title;
	const title = candidates.find(chartCanDraw);
	for (const candidate of candidates) {
		if (candidate === title) break;
		if (cleanText(candidate) !== '') leftOut.push(candidate);
	}
	if (title !== undefined) {
		const fitted = fitText(cleanText(title), TITLE_SIZE, width - 32 - legendWidth - 16);
		text('title', fitted, { x: 16, y: 22, size: TITLE_SIZE, anchor: 'start', fill: TITLE_TEXT });
	}

	const svg =
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
		`font-family="${CHART_FONT_FAMILY}">${parts.join('')}</svg>`;
	return { svg, width, height, texts, leftOut };
}

interface TextPlacement {
	x: number;
	/** The baseline. */
	y: number;
	size: number;
	anchor: 'start' | 'middle' | 'end';
	fill: string;
}

function svgText(content: string, at: TextPlacement): string {
	const anchor = at.anchor === 'start' ? '' : ` text-anchor="${at.anchor}"`;
	return `<text x="${num(at.x)}" y="${num(at.y)}" font-size="${at.size}" fill="${at.fill}"${anchor}>${escapeXml(content)}</text>`;
}

/** The pixels a text can cover: its advance widths from the anchor, the font's ascent above the baseline and descent below. */
function textBox(content: string, at: TextPlacement): ChartText['box'] {
	const font = chartFont();
	const width = measureText(content, at.size);
	const left = at.anchor === 'start' ? at.x : at.anchor === 'middle' ? at.x - width / 2 : at.x - width;
	const ascent = (font.ascender / font.unitsPerEm) * at.size;
	const descent = (-font.descender / font.unitsPerEm) * at.size;
	return { x: left, y: at.y - ascent, width, height: ascent + descent };
}

/**
 * Text as the chart draws it: without bidi controls (they would reorder it), composed (NFC: an "é" typed as e and
 * an accent finds the font's é), runs of whitespace, line breaks included, as one space.
 */
function cleanText(text: string): string {
	return stripBidiControls(text).normalize('NFC').replace(/\s+/g, ' ').trim();
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function escapeXml(text: string): string {
	return text.replace(/[&<>"']/g, (char) => XML_ENTITIES[char] ?? char);
}

/** Width in pixels from the font's advance widths (kerning, which only tightens Latin text, is not counted). */
function measureText(text: string, size: number): number {
	const font = chartFont();
	let units = 0;
	for (const char of text) units += font.advances[font.glyphs.get(char.codePointAt(0)!) ?? 0] ?? 0;
	return (units / font.unitsPerEm) * size;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The text, or as many of its first graphemes as fit in `room` pixels followed by "…"; '' if not even one does. */
function fitText(text: string, size: number, room: number): string {
	if (measureText(text, size) <= room) return text;
	const ellipsis = '…';
	let kept = '';
	for (const { segment } of graphemes.segment(text)) {
		if (measureText(kept + segment + ellipsis, size) > room) break;
		kept += segment;
	}
	kept = kept.trimEnd();
	return kept === '' ? '' : kept + ellipsis;
}

/** 0 to a round number at or above `max`, in 3 to 6 steps of 1, 2, 2.5 or 5 times a power of ten. */
function niceTicks(max: number): number[] {
	const target = Math.max(max, 5) / 4;
	const power = 10 ** Math.floor(Math.log10(target));
	const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= target) ?? 10 * power;
	const ticks: number[] = [];
	for (let value = 0; ticks.length === 0 || ticks.at(-1)! < max; value += step) ticks.push(value);
	return ticks;
}

const MINUTE = 60_000;
const TIME_STEPS = [5, 10, 15, 30, 60, 120, 180, 240, 360, 720, 1440].map((minutes) => minutes * MINUTE);

/** Elapsed times for the time axis: the finest round step leaving about 90 pixels between labels. */
function timeTicks(spanMs: number, plotWidth: number): number[] {
	const most = Math.max(2, Math.floor(plotWidth / 90));
	const step = TIME_STEPS.find((s) => spanMs / s <= most) ?? Math.ceil(spanMs / most / (1440 * MINUTE)) * 1440 * MINUTE;
	const ticks: number[] = [];
	for (let elapsed = 0; elapsed <= spanMs; elapsed += step) ticks.push(elapsed);
	return ticks;
}

/** Time since the stream's start, "0:00", "1:30": the picture cannot know the reader's time zone, Discord's text can. */
function formatElapsedTick(ms: number): string {
	const minutes = Math.round(ms / MINUTE);
	return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

const compactCount = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const fullCount = new Intl.NumberFormat('en-US');

function formatAxisCount(value: number): string {
	return compactCount.format(value);
}

function formatCount(value: number): string {
	return fullCount.format(value);
}

/** A coordinate with at most one decimal: the SVG stays small and the picture the same. */
function num(value: number): string {
	return String(Math.round(value * 10) / 10);
}
