import { KNOWN_VARIABLES, type TemplateVariable, VARIABLE_PATTERN } from '../watch/template-rules.ts';
import { DISCORD_LIMITS, safeText, truncate } from './discord-limits.ts';

export {
	MAX_TEMPLATE_LENGTH,
	TEMPLATE_VARIABLES,
	type TemplateValidation,
	type TemplateVariable,
	validateTemplate,
} from '../watch/template-rules.ts';

/** The message above the embed when a watch has no template of its own. */
export const DEFAULT_TEMPLATE = '{role} {streamer} is live: {title}';

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
