/**
 * Who a new message pings, by Discord's rules: only mentions written in `content` count (never in embeds);
 * `allowed_mentions` decides which of them are parsed (absent = parse all); @everyone/@here and roles that are not
 * mentionable need the Mention Everyone permission.
 */
import { invalidFormBody } from './api-error.ts';
import type { AllowedMentionsBody, PingedMentions } from './types.ts';

const ALLOWED_PARSE_TYPES = new Set(['everyone', 'roles', 'users']);
const USER_MENTION = /<@!?(\d{15,21})>/g;
const ROLE_MENTION = /<@&(\d{15,21})>/g;

/** Validates `allowed_mentions` as Discord does (400 Invalid Form Body) and returns it typed, or null if absent. */
export function parseAllowedMentions(value: unknown): AllowedMentionsBody | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'object' || Array.isArray(value)) {
		throw invalidFormBody('allowed_mentions', 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
	}
	const body = value as Record<string, unknown>;
	const result: AllowedMentionsBody = {};
	if (body.parse !== undefined) {
		if (!Array.isArray(body.parse) || body.parse.some((entry) => !ALLOWED_PARSE_TYPES.has(entry as string))) {
			throw invalidFormBody(
				'allowed_mentions.parse',
				'ENUM_TYPE_COERCE',
				'Value must be one of everyone, roles, users.',
			);
		}
		result.parse = [...(body.parse as Array<'everyone' | 'roles' | 'users'>)];
	}
	for (const kind of ['roles', 'users'] as const) {
		const ids = body[kind];
		if (ids === undefined) continue;
		if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
			throw invalidFormBody(
				`allowed_mentions.${kind}`,
				'LIST_TYPE_CONVERT',
				'Only iterables may be used in a ListType',
			);
		}
		if (ids.length > 100) {
			throw invalidFormBody(`allowed_mentions.${kind}`, 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
		}
		// Discord rejects naming ids for a type that is also parsed wholesale: the two are mutually exclusive.
		if (ids.length > 0 && result.parse?.includes(kind)) {
			throw invalidFormBody(
				`allowed_mentions.${kind}`,
				'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
				`parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.`,
			);
		}
		result[kind] = [...(ids as string[])];
	}
	if (typeof body.replied_user === 'boolean') result.replied_user = body.replied_user;
	return result;
}

export interface MentionContext {
	/** Whether the author may mention @everyone, @here and every role in this channel. */
	canMentionEveryone: boolean;
	/** Whether the role exists in the guild and is mentionable by anyone. */
	roleMentionable(roleId: string): boolean | undefined;
}

/** The pings a message with `content` and `allowedMentions` (null = not sent) sends, per Discord's rules. */
export function computePings(
	content: string,
	allowedMentions: AllowedMentionsBody | null,
	context: MentionContext,
): PingedMentions {
	const parseAll = allowedMentions === null;
	const parse = new Set(allowedMentions?.parse ?? []);
	const allowedRoles = new Set(allowedMentions?.roles ?? []);
	const allowedUsers = new Set(allowedMentions?.users ?? []);

	const mentionsEveryone = /@(everyone|here)\b/.test(content);
	const everyone = mentionsEveryone && (parseAll || parse.has('everyone')) && context.canMentionEveryone;

	const roles: string[] = [];
	for (const [, roleId] of content.matchAll(ROLE_MENTION)) {
		if (roleId === undefined || roles.includes(roleId)) continue;
		const mentionable = context.roleMentionable(roleId);
		if (mentionable === undefined) continue; // not a role of this guild: shown as text, pings nobody
		if (!(parseAll || parse.has('roles') || allowedRoles.has(roleId))) continue;
		if (mentionable || context.canMentionEveryone) roles.push(roleId);
	}

	const users: string[] = [];
	for (const [, userId] of content.matchAll(USER_MENTION)) {
		if (userId === undefined || users.includes(userId)) continue;
		if (parseAll || parse.has('users') || allowedUsers.has(userId)) users.push(userId);
	}
	return { everyone, roles, users };
}
