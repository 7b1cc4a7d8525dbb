import { describe, expect, it } from 'vitest';
import { joinLinesWithin, linkText, plainText, truncate } from '../../src/views/discord-limits.ts';
import { livePreviewUrl } from '../../src/views/twitch-images.ts';

describe('keeping replies within Discord’s limits', () => {
	it('leaves short text alone and cuts long text with an ellipsis at the limit', () => {
		expect(truncate('short', 10)).toBe('short');
		expect(truncate('abcdefghijkl', 10)).toBe('abcdefghi…');
	});

	it('never cuts an emoji in half', () => {
		const cut = truncate(`${'a'.repeat(8)}😀😀`, 10);
		expect(cut).toBe('aaaaaaaa…');
	});

	it('escapes markdown before cutting, and never leaves a dangling backslash', () => {
		expect(plainText('a_b', 10)).toBe('a\\_b');
		expect(plainText('aaaaaaaa**', 10)).toBe('aaaaaaaa…');
	});

	it('keeps brackets from closing a masked link early', () => {
		expect(linkText('[LIVE] day 1', 50)).toBe('⁅LIVE⁆ day 1');
	});

	it('joins whole lines and says how many did not fit', () => {
		const lines = ['one', 'two', 'three', 'four'];
		expect(joinLinesWithin(lines, 100)).toBe('one\ntwo\nthree\nfour');
		const joined = joinLinesWithin(lines, 22);
		expect(joined).toBe('one\ntwo\n…and 2 more');
		expect(joined.length).toBeLessThanOrEqual(22);
	});
});

describe('live preview URLs', () => {
	it('fill the size and add a minute-based cache buster, even when the URL already has a query', () => {
		expect(livePreviewUrl('https://x/p-{width}x{height}.jpg', 120_000)).toBe('https://x/p-1280x720.jpg?t=2');
		expect(livePreviewUrl('https://x/p-{width}x{height}.jpg?a=1', 120_000, 640, 360)).toBe(
			'https://x/p-640x360.jpg?a=1&t=2',
		);
	});
});
