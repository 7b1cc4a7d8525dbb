import { describe, expect, it } from 'vitest';
import { joinLinesWithin, linkText, plainText, truncate } from '../../src/views/discord-limits.ts';
import { renderLiveStream, renderOfflineChannel } from '../../src/views/live.ts';
import { renderChannelSearch } from '../../src/views/search.ts';
import { livePreviewUrl } from '../../src/views/twitch-images.ts';
import { renderUserProfile } from '../../src/views/user.ts';
import { aSearchResult, aStream, aUser, NOW } from '../commands/twitch-data.ts';

/** Man, woman, girl, boy joined by zero-width joiners: one emoji on screen, 11 UTF-16 units. */
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';
/** Two regional indicators (4 UTF-16 units) make one flag; one alone shows as a boxed letter. */
const FRANCE = '\u{1F1EB}\u{1F1F7}';
/** Every bidirectional control Twitch text must not carry into Discord (U+202E is the right-to-left override). */
const BIDI_CONTROLS = [
	'\u202A',
	'\u202B',
	'\u202C',
	'\u202D',
	'\u202E',
	'\u2066',
	'\u2067',
	'\u2068',
	'\u2069',
	'\u200E',
	'\u200F',
	'\u061C',
];

describe('keeping replies within Discord’s limits', () => {
	it('leaves short text alone and cuts long text with an ellipsis at the limit', () => {
		expect(truncate('short', 10)).toBe('short');
		expect(truncate('abcdefghijkl', 10)).toBe('abcdefghi…');
	});

	it('never cuts an emoji in half', () => {
		const cut = truncate(`${'a'.repeat(8)}😀😀`, 10);
		expect(cut).toBe('aaaaaaaa…');
	});

	it('never cuts a family emoji (a ZWJ sequence) or a flag at the cut point', () => {
		// Cut inside the sequence, the old code kept the man and a dangling joiner.
		expect(truncate(`aaaaaa${FAMILY}`, 10)).toBe('aaaaaa…');
		expect(truncate(`aaaaaa${FAMILY}bb`, 18)).toBe(`aaaaaa${FAMILY}…`);
		// Cut between the two regional indicators, the old code kept one: a boxed “F” instead of a flag.
		expect(truncate(`aaaaaa${FRANCE}${FRANCE}`, 10)).toBe('aaaaaa…');
		expect(truncate(`aaaaaa${FRANCE}${FRANCE}`, 11)).toBe(`aaaaaa${FRANCE}…`);
		// An accent written as a combining mark stays on its letter.
		expect(truncate('aaaaaaaae\u0301x', 10)).toBe('aaaaaaaa…');
	});

	it('strips the right-to-left override and every other bidi control from Twitch text', () => {
		expect(plainText('Speedrun \u202Ednuor lanif\u202C tonight', 100)).toBe('Speedrun dnuor lanif tonight');
		expect(plainText(`a${BIDI_CONTROLS.join('')}b`, 100)).toBe('ab');
		expect(linkText('\u2067VOD\u2069', 100)).toBe('VOD');
	});

	it('shows no bidi control in /live, /user or /search replies built from Twitch text', () => {
		const rlo = '\u202E';
		const replies = [
			renderLiveStream(
				aStream({ userName: `Twitch${rlo}Dev`, title: `${rlo}title`, gameName: `Chess${rlo}` }),
				null,
				NOW,
			),
			renderOfflineChannel(aUser({ displayName: `Twitch${rlo}Dev`, description: `${rlo}about` }), null),
			renderUserProfile(aUser({ displayName: `Twitch${rlo}Dev`, description: `${rlo}about` }), null),
			renderChannelSearch('dev', [aSearchResult({ displayName: `Twitch${rlo}Dev`, title: `${rlo}x` })], {
				liveOnly: false,
			}),
		];
		for (const reply of replies)
			expect(JSON.stringify(reply)).not.toMatch(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/);
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
