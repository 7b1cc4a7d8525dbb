/**
 * Validation of message bodies (create/edit, interaction replies) against Discord's documented limits, answering
 * 400 Invalid Form Body (50035) or Cannot send an empty message (50006) where Discord would. A bot that builds an
 * announcement Discord refuses should fail against the fake too, not first in production.
 */
import { apiError, invalidFormBody } from './api-error.ts';
import { parseAllowedMentions } from './mentions.ts';
import type { AllowedMentionsBody } from './types.ts';

/** Discord's limits: message content, embeds per message, per-embed fields and the total embed text. */
const LIMITS = {
	content: 2000,
	embeds: 10,
	title: 256,
	description: 4096,
	fields: 25,
	fieldName: 256,
	fieldValue: 1024,
	footer: 2048,
	authorName: 256,
	embedTotal: 6000,
	nonce: 25,
	actionRows: 5,
	buttonLabel: 80,
	customId: 100,
	attachmentDescription: 1024,
} as const;

/**
 * One entry of a create/edit's `attachments`: `id` is an existing attachment's snowflake (an edit keeps that file)
 * or the n of an upload's `files[n]` part; `filename` and `description` set that file's metadata.
 */
export interface AttachmentRequest {
	id: string;
	filename?: string;
	description?: string;
}

export interface MessageBody {
	content?: string;
	embeds?: Record<string, unknown>[];
	components?: unknown[];
	allowedMentions?: AllowedMentionsBody | null;
	flags?: number;
	nonce?: string;
	enforceNonce?: boolean;
	/** As sent; on an edit, the whole set of files to keep. `null` is read as an empty list. */
	attachments?: AttachmentRequest[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkLength(value: unknown, max: number, field: string): number {
	if (value === undefined || value === null) return 0;
	if (typeof value !== 'string') {
		throw invalidFormBody(field, 'BASE_TYPE_STRING', 'Could not interpret value as string.');
	}
	if (value.length > max) {
		throw invalidFormBody(field, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
	}
	return value.length;
}

function checkUrl(value: unknown, field: string): void {
	if (value === undefined || value === null) return;
	let scheme: string;
	try {
		scheme = new URL(String(value)).protocol.replace(/:$/, '');
	} catch {
		throw invalidFormBody(field, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
	}
	if (!['http', 'https', 'attachment'].includes(scheme)) {
		throw invalidFormBody(
			field,
			'URL_TYPE_INVALID_SCHEME',
			`Scheme "${scheme}" is not supported. Scheme must be one of ('http', 'https').`,
		);
	}
}

/** Validates one embed and returns it as Discord echoes it back (type 'rich', timestamp normalised). */
function normaliseEmbed(embed: unknown, index: number): { embed: Record<string, unknown>; textLength: number } {
	const at = `embeds.${index}`;
	if (!isRecord(embed)) throw invalidFormBody(at, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
	let textLength = checkLength(embed.title, LIMITS.title, `${at}.title`);
	textLength += checkLength(embed.description, LIMITS.description, `${at}.description`);
	checkUrl(embed.url, `${at}.url`);
	const result: Record<string, unknown> = { type: 'rich', ...embed };
	if (embed.color !== undefined && embed.color !== null) {
		if (!Number.isInteger(embed.color) || (embed.color as number) < 0 || (embed.color as number) > 0xffffff) {
			throw invalidFormBody(`${at}.color`, 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 16777215.');
		}
	}
	if (embed.timestamp !== undefined && embed.timestamp !== null) {
		const parsed = Date.parse(String(embed.timestamp));
		if (Number.isNaN(parsed)) {
			throw invalidFormBody(`${at}.timestamp`, 'DATE_TIME_TYPE_PARSE', 'Could not parse timestamp.');
		}
		result.timestamp = new Date(parsed).toISOString().replace('Z', '+00:00');
	}
	for (const key of ['thumbnail', 'image'] as const) {
		const media = embed[key];
		if (media === undefined || media === null) continue;
		if (!isRecord(media)) throw invalidFormBody(`${at}.${key}`, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used');
		checkUrl(media.url, `${at}.${key}.url`);
	}
	if (isRecord(embed.footer)) {
		textLength += checkLength(embed.footer.text, LIMITS.footer, `${at}.footer.text`);
		checkUrl(embed.footer.icon_url, `${at}.footer.icon_url`);
	}
	if (isRecord(embed.author)) {
		textLength += checkLength(embed.author.name, LIMITS.authorName, `${at}.author.name`);
		checkUrl(embed.author.url, `${at}.author.url`);
		checkUrl(embed.author.icon_url, `${at}.author.icon_url`);
	}
	if (embed.fields !== undefined) {
		if (!Array.isArray(embed.fields)) {
			throw invalidFormBody(`${at}.fields`, 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
		}
		if (embed.fields.length > LIMITS.fields) {
			throw invalidFormBody(`${at}.fields`, 'BASE_TYPE_MAX_LENGTH', `Must be ${LIMITS.fields} or fewer in length.`);
		}
		for (const [fieldIndex, field] of embed.fields.entries()) {
			const fieldAt = `${at}.fields.${fieldIndex}`;
			if (!isRecord(field) || typeof field.name !== 'string' || typeof field.value !== 'string') {
				throw invalidFormBody(fieldAt, 'BASE_TYPE_REQUIRED', 'This field is required');
			}
			textLength += checkLength(field.name, LIMITS.fieldName, `${fieldAt}.name`);
			textLength += checkLength(field.value, LIMITS.fieldValue, `${fieldAt}.value`);
		}
	}
	return { embed: result, textLength };
}

/** Checks action rows of buttons (the only components an announcement needs); other components pass as-is. */
function checkComponents(components: unknown[]): void {
	if (components.length > LIMITS.actionRows) {
		throw invalidFormBody('components', 'BASE_TYPE_MAX_LENGTH', `Must be ${LIMITS.actionRows} or fewer in length.`);
	}
	for (const [rowIndex, row] of components.entries()) {
		if (!isRecord(row) || row.type !== 1 || !Array.isArray(row.components)) continue;
		for (const [index, component] of row.components.entries()) {
			const at = `components.${rowIndex}.components.${index}`;
			if (!isRecord(component) || component.type !== 2) continue;
			checkLength(component.label, LIMITS.buttonLabel, `${at}.label`);
			// A link button (style 5) carries a url and no custom_id; every other button the reverse.
			if (component.style === 5) {
				if (component.url === undefined)
					throw invalidFormBody(`${at}.url`, 'BASE_TYPE_REQUIRED', 'This field is required');
				checkUrl(component.url, `${at}.url`);
				if (component.custom_id !== undefined) {
					throw invalidFormBody(
						`${at}.custom_id`,
						'BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE',
						'A custom id and url cannot both be specified',
					);
				}
			} else if (component.style !== 6) {
				if (typeof component.custom_id !== 'string') {
					throw invalidFormBody(`${at}.custom_id`, 'BASE_TYPE_REQUIRED', 'This field is required');
				}
				checkLength(component.custom_id, LIMITS.customId, `${at}.custom_id`);
			}
		}
	}
}

/** Checks the `attachments` list of a create or edit (Discord's attachment request structure). */
function parseAttachments(raw: unknown): AttachmentRequest[] {
	if (!Array.isArray(raw)) {
		throw invalidFormBody('attachments', 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
	}
	return raw.map((entry, index) => {
		const at = `attachments.${index}`;
		if (!isRecord(entry))
			throw invalidFormBody(at, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
		// "snowflake or number": a new upload's index may come as 0 or '0'.
		const validId =
			(typeof entry.id === 'number' && Number.isInteger(entry.id) && entry.id >= 0) ||
			(typeof entry.id === 'string' && /^\d+$/.test(entry.id));
		if (!validId) throw invalidFormBody(`${at}.id`, 'BASE_TYPE_REQUIRED', 'This field is required');
		const request: AttachmentRequest = { id: String(entry.id) };
		if (entry.filename !== undefined && entry.filename !== null) {
			checkLength(entry.filename, Number.POSITIVE_INFINITY, `${at}.filename`);
			request.filename = entry.filename as string;
		}
		if (entry.description !== undefined && entry.description !== null) {
			checkLength(entry.description, LIMITS.attachmentDescription, `${at}.description`);
			request.description = entry.description as string;
		}
		return request;
	});
}

/**
 * Parses a message body. With `requireSomething` (creation), a message with no content, embeds or components is
 * refused with 50006 like Discord does (a create carrying files passes false: a file alone is a message).
 */
export function parseMessageBody(raw: unknown, requireSomething: boolean): MessageBody {
	if (!isRecord(raw))
		throw invalidFormBody('_root', 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
	const body: MessageBody = {};
	if (raw.content !== undefined) {
		checkLength(raw.content, LIMITS.content, 'content');
		body.content = raw.content === null ? '' : (raw.content as string);
	}
	if (raw.embeds !== undefined && raw.embeds !== null) {
		if (!Array.isArray(raw.embeds)) {
			throw invalidFormBody('embeds', 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
		}
		if (raw.embeds.length > LIMITS.embeds) {
			throw invalidFormBody('embeds', 'BASE_TYPE_MAX_LENGTH', `Must be ${LIMITS.embeds} or fewer in length.`);
		}
		let total = 0;
		body.embeds = raw.embeds.map((embed, index) => {
			const normalised = normaliseEmbed(embed, index);
			total += normalised.textLength;
			return normalised.embed;
		});
		if (total > LIMITS.embedTotal) {
			throw invalidFormBody(
				'embeds',
				'MESSAGE_EMBEDS_TOO_LONG',
				`Embed size exceeds maximum size of ${LIMITS.embedTotal}`,
			);
		}
	} else if (raw.embeds === null) {
		body.embeds = [];
	}
	if (raw.components !== undefined && raw.components !== null) {
		if (!Array.isArray(raw.components)) {
			throw invalidFormBody('components', 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
		}
		checkComponents(raw.components);
		body.components = raw.components;
	} else if (raw.components === null) {
		body.components = [];
	}
	if (raw.allowed_mentions !== undefined) body.allowedMentions = parseAllowedMentions(raw.allowed_mentions);
	if (raw.flags !== undefined && raw.flags !== null) {
		if (!Number.isInteger(raw.flags)) throw invalidFormBody('flags', 'NUMBER_TYPE_COERCE', 'Value is not int.');
		body.flags = raw.flags as number;
	}
	if (raw.nonce !== undefined && raw.nonce !== null) {
		if (typeof raw.nonce === 'number' && Number.isInteger(raw.nonce)) {
			body.nonce = String(raw.nonce);
		} else if (typeof raw.nonce === 'string') {
			checkLength(raw.nonce, LIMITS.nonce, 'nonce');
			body.nonce = raw.nonce;
		} else {
			throw invalidFormBody('nonce', 'BASE_TYPE_STRING', 'Could not interpret value as string.');
		}
	}
	if (raw.enforce_nonce === true) body.enforceNonce = true;
	if (raw.attachments !== undefined)
		body.attachments = raw.attachments === null ? [] : parseAttachments(raw.attachments);
	if (requireSomething) {
		const empty =
			(body.content ?? '') === '' && (body.embeds ?? []).length === 0 && (body.components ?? []).length === 0;
		if (empty) throw apiError(400, 50006);
	}
	return body;
}
