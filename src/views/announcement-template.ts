import { DISCORD_LIMITS, safeText, truncate } from './discord-limits.ts';

/** The variables an announcement template may use, in the order they are listed to admins. */
export const TEMPLATE_VARIABLES = ['streamer', 'title', 'game', 'url', 'role'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** The message above the embed when a watch has no template of its own. */
export const DEFAULT_TEMPLATE = '{role} {streamer} is live: {title}';

/** Longest template an admin may save: it leaves room under Discord's 2,000-character content limit for values. */
export const MAX_TEMPLATE_LENGTH = 1000;

const VARIABLE_PATTERN = /\{([^{}]*)\}/g;
const KNOWN_VARIABLES = new Set<string>(TEMPLATE_VARIABLES);

export type TemplateValidation = { ok: true; template: string } | { ok: false; error: string };

/** The raw values a template is filled with; escaping happens in `renderTemplate`. */
export interface TemplateValues {
	/** The streamer's display name. */
	streamer: string;
	title: string;
	/** The category name, '' when the stream has none. */
	game: string;
	/** The channel page, as `channelUrl` makes it. */
	url: string;
	/** The role to mention, or null. */
	roleId: string | null;
}

/**
 * Checks a template an admin wants to save: not empty, at most 1,000 characters, and only known `{variables}`.
 * The error text is meant for the admin and lists the variables that are allowed.
 */
export function validateTemplate(text: string): TemplateValidation {
	const template = text.trim();
	const allowed = TEMPLATE_VARIABLES.map((name) => `{${name}}`).join(', ');
	if (template.length === 0) return { ok: false, error: `The message template is empty. You can use ${allowed}.` };
	if (template.length > MAX_TEMPLATE_LENGTH) {
		return {
			ok: false,
			error: `The message template is ${template.length} characters long; the limit is ${MAX_TEMPLATE_LENGTH}.`,
		};
	}
	const unknown = [...template.matchAll(VARIABLE_PATTERN)]
		.map((match) => match[1] ?? '')
		.filter((name) => !KNOWN_VARIABLES.has(name.trim().toLowerCase()));
	if (unknown.length > 0) {
		const names = [...new Set(unknown)].map((name) => `{${name}}`).join(', ');
		return {
			ok: false,
			error: `The message template uses ${unknown.length === 1 ? 'an unknown variable' : 'unknown variables'}: ${names}. You can use ${allowed}.`,
		};
	}
	return { ok: true, template };
}

/**
 * Fills a template. Values coming from Twitch are escaped (markdown) and defused (no `@everyone`, no `<@&id>`
 * built from a stream title): `allowed_mentions` already stops the pings, this also keeps the text from showing
 * as a mention. `{role}` becomes `<@&id>`, or nothing when the watch has no role. Unknown variables stay as typed.
 */
export function renderTemplate(template: string, values: TemplateValues): string {
	const replacements: Record<TemplateVariable, string> = {
		streamer: safeText(values.streamer),
		title: safeText(values.title),
		game: safeText(values.game || 'No category'),
		url: values.url,
		role: values.roleId ? `<@&${values.roleId}>` : '',
	};
	const filled = template.replace(VARIABLE_PATTERN, (whole, name: string) => {
		const key = name.trim().toLowerCase();
		return KNOWN_VARIABLES.has(key) ? replacements[key as TemplateVariable] : whole;
	});
	// An empty {role} leaves doubled or leading spaces behind.
	const tidy = filled
		.split('\n')
		.map((line) => line.replace(/ {2,}/g, ' ').trim())
		.join('\n')
		.trim();
	return truncate(tidy, DISCORD_LIMITS.content);
}
