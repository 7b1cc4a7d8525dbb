import { describe, expect, it } from 'vitest';
import {
	DEFAULT_TEMPLATE,
	MAX_TEMPLATE_LENGTH,
	renderTemplate,
	type TemplateValues,
	validateTemplate,
} from '../../src/views/announcement-template.ts';

const values: TemplateValues = {
	streamer: 'Sandy',
	title: 'Any% practice',
	game: 'Celeste',
	url: 'https://twitch.tv/sandy',
	roleId: '777000000000000001',
};

describe('message templates', () => {
	it('accepts a template using every variable', () => {
		expect(validateTemplate(' {role} {streamer} plays {game}: {title} {url} ')).toEqual({
			ok: true,
			template: '{role} {streamer} plays {game}: {title} {url}',
		});
	});

	it('rejects an unknown variable and lists the allowed ones', () => {
		const result = validateTemplate('{streamer} is live with {viewers} viewers in {category}');
		expect(result.ok).toBe(false);
		if (result.ok) return;
		expect(result.error).toContain('{viewers}');
		expect(result.error).toContain('{category}');
		expect(result.error).toContain('{streamer}, {title}, {game}, {url}, {role}');
	});

	it('rejects a template over 1,000 characters and an empty one', () => {
		const long = validateTemplate('x'.repeat(MAX_TEMPLATE_LENGTH + 1));
		expect(long).toEqual({ ok: false, error: expect.stringContaining('1000') });
		expect(validateTemplate('   ').ok).toBe(false);
		expect(validateTemplate('x'.repeat(MAX_TEMPLATE_LENGTH)).ok).toBe(true);
	});

	it('renders the default template with the role mention', () => {
		expect(renderTemplate(DEFAULT_TEMPLATE, values)).toBe('<@&777000000000000001> Sandy is live: Any% practice');
	});

	it('renders {role} as nothing when the watch has no role, without stray spaces', () => {
		expect(renderTemplate(DEFAULT_TEMPLATE, { ...values, roleId: null })).toBe('Sandy is live: Any% practice');
	});

	it('fills {game} with "No category" for a stream without one, and {url}', () => {
		expect(renderTemplate('{game} {url}', { ...values, game: '' })).toBe('No category https://twitch.tv/sandy');
	});

	it('escapes markdown in the stream title', () => {
		expect(renderTemplate('{title}', { ...values, title: '**bold** _it_ ||spoiler|| [link](https://x.y)' })).toBe(
			'\\*\\*bold\\*\\* \\_it\\_ \\|\\|spoiler\\|\\| \\[link](https://x.y)',
		);
	});

	it('keeps @everyone and a role mention typed into a title from reading as mentions', () => {
		const rendered = renderTemplate('{title}', { ...values, title: '@everyone come <@&777000000000000001> @here' });
		expect(rendered).not.toMatch(/@everyone|@here|<@&\d+>/);
		expect(rendered.replaceAll('\u200b', '')).toBe('@everyone come <@&777000000000000001> @here');
	});

	it('keeps text outside variables as the admin typed it', () => {
		expect(renderTemplate('Hey {ROLE}! {streamer} → {title}', values)).toBe(
			'Hey <@&777000000000000001>! Sandy → Any% practice',
		);
	});

	it('cuts an over-long message between grapheme clusters: no half flag or emoji at the cut point', () => {
		const flags = '\u{1F1EB}\u{1F1F7}'.repeat(3);
		const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';
		expect(renderTemplate('{title}', { ...values, title: `${'a'.repeat(1998)}${flags}` })).toBe(`${'a'.repeat(1998)}…`);
		expect(renderTemplate('{title}', { ...values, title: `${'a'.repeat(1990)}${family}` })).toBe(
			`${'a'.repeat(1990)}…`,
		);
	});

	it('strips the right-to-left override and other bidi controls from the Twitch values', () => {
		const filled = renderTemplate('{streamer} plays {game}: {title}', {
			...values,
			streamer: 'San\u202Edy',
			game: '\u2067Celeste\u2069',
			title: '\u202Ahello\u202C \u200Eworld\u200F\u061C',
		});
		expect(filled).toBe('Sandy plays Celeste: hello world');
	});
});
