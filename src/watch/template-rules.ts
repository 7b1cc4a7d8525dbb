/**
 * What an announcement template may be, checked when an admin saves one: the rules of the domain, rendered by
 * src/views/announcement-template.ts.
 */

/** The variables an announcement template may use, in the order they are listed to admins. */
export const TEMPLATE_VARIABLES = ['streamer', 'title', 'game', 'url', 'role'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** Longest template an admin may save: it leaves room under Discord's 2,000-character content limit for values. */
export const MAX_TEMPLATE_LENGTH = 1000;

export const VARIABLE_PATTERN = /\{([^{}]*)\}/g;
export const KNOWN_VARIABLES = new Set<string>(TEMPLATE_VARIABLES);

export type TemplateValidation = { ok: true; template: string } | { ok: false; error: string };

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
