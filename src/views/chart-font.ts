/**
 * The font the viewer chart draws with, and what the chart needs to know of it without a text engine: which
 * characters it has (its cmap) and how wide each is (its hmtx), read once from the TTF.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectFolder } from '../project-folder.ts';

/**
 * DejaVu Sans 2.37 (the npm package dejavu-fonts-ttf, unmodified), under the Bitstream Vera licence with the DejaVu
 * changes in the public domain: redistribution is allowed, the licence travels beside the font. It covers Latin,
 * Greek, Cyrillic and more, not CJK. Found from the project folder, so the same from src/ and from dist/.
 */
export const CHART_FONT_FAMILY = 'DejaVu Sans';
const FONT_PATH = ['assets', 'fonts', 'DejaVuSans.ttf'];

export interface ChartFont {
	file: string;
	unitsPerEm: number;
	ascender: number;
	descender: number;
	/** Code point → glyph id, for every character the font draws. */
	glyphs: Map<number, number>;
	/** Advance width by glyph id, in font units. */
	advances: Uint16Array;
}

let loadedFont: ChartFont | undefined;

/** The chart's font, read once: a static file of the project, like the code. */
export function chartFont(): ChartFont {
	loadedFont ??= readFont(join(projectFolder(), ...FONT_PATH));
	return loadedFont;
}

/**
 * The few tables of a TrueType/OpenType file the chart needs (OpenType spec): head (units per em), hhea (ascender,
 * descender, number of metrics), maxp (number of glyphs), hmtx (advance widths) and cmap (characters to glyphs).
 */
function readFont(file: string): ChartFont {
	const data = readFileSync(file);
	const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
	const tables = new Map<string, number>();
	for (let i = 0; i < view.getUint16(4); i++) {
		const record = 12 + i * 16;
		tables.set(data.toString('latin1', record, record + 4), view.getUint32(record + 8));
	}
	const table = (tag: string) => {
		const offset = tables.get(tag);
		if (offset === undefined) throw new Error(`the chart font ${file} has no ${tag} table`);
		return offset;
	};
	const hhea = table('hhea');
	const glyphCount = view.getUint16(table('maxp') + 4);
	const metricCount = view.getUint16(hhea + 34);
	const hmtx = table('hmtx');
	// Glyphs past the last metric share its advance width (monospaced tails).
	const advances = new Uint16Array(glyphCount);
	for (let glyph = 0; glyph < glyphCount; glyph++) {
		advances[glyph] = view.getUint16(hmtx + Math.min(glyph, metricCount - 1) * 4);
	}
	return {
		file,
		unitsPerEm: view.getUint16(table('head') + 18),
		ascender: view.getInt16(hhea + 4),
		descender: view.getInt16(hhea + 6),
		glyphs: readCharacterMap(view, table('cmap'), glyphCount),
		advances,
	};
}

/**
 * Every character the font maps to a real glyph (not glyph 0, .notdef: the box). From its Unicode subtable: format
 * 12 (all planes) when there is one, else format 4 (the Basic Multilingual Plane).
 */
function readCharacterMap(view: DataView, cmap: number, glyphCount: number): Map<number, number> {
	let chosen: { offset: number; format: number } | undefined;
	for (let i = 0; i < view.getUint16(cmap + 2); i++) {
		const record = cmap + 4 + i * 8;
		const platform = view.getUint16(record);
		const encoding = view.getUint16(record + 2);
		const offset = cmap + view.getUint32(record + 4);
		const format = view.getUint16(offset);
		const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
		if (unicode && (format === 12 || (format === 4 && chosen === undefined))) chosen = { offset, format };
	}
	if (!chosen) throw new Error('the chart font has no Unicode character map');
	const glyphs = new Map<number, number>();
	const add = (char: number, glyph: number) => {
		if (glyph > 0 && glyph < glyphCount) glyphs.set(char, glyph);
	};
	const { offset } = chosen;
	if (chosen.format === 12) {
		for (let group = 0; group < view.getUint32(offset + 12); group++) {
			const at = offset + 16 + group * 12;
			const firstChar = view.getUint32(at);
			const firstGlyph = view.getUint32(at + 8);
			for (let char = firstChar; char <= view.getUint32(at + 4); char++) add(char, firstGlyph + char - firstChar);
		}
		return glyphs;
	}
	const segments = view.getUint16(offset + 6) / 2;
	const ends = offset + 14;
	const starts = ends + segments * 2 + 2;
	const deltas = starts + segments * 2;
	const rangeOffsets = deltas + segments * 2;
	for (let segment = 0; segment < segments; segment++) {
		const firstChar = view.getUint16(starts + segment * 2);
		const lastChar = view.getUint16(ends + segment * 2);
		const delta = view.getInt16(deltas + segment * 2);
		const rangeOffsetAt = rangeOffsets + segment * 2;
		const rangeOffset = view.getUint16(rangeOffsetAt);
		for (let char = firstChar; char <= lastChar && char !== 0xffff; char++) {
			if (rangeOffset === 0) {
				add(char, (char + delta) & 0xffff);
			} else {
				const glyph = view.getUint16(rangeOffsetAt + rangeOffset + (char - firstChar) * 2);
				if (glyph !== 0) add(char, (glyph + delta) & 0xffff);
			}
		}
	}
	return glyphs;
}
