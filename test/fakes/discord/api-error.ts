/**
 * A Discord REST error: thrown by the fake's route handlers and written out as Discord's JSON error body
 * `{ message, code, errors? }` with the HTTP status. discord.js turns exactly this into a DiscordAPIError.
 */
export class DiscordApiErrorResponse extends Error {
	readonly status: number;
	readonly code: number;
	readonly errors: unknown;

	constructor(status: number, code: number, message: string, errors?: unknown) {
		super(message);
		this.name = 'DiscordApiErrorResponse';
		this.status = status;
		this.code = code;
		this.errors = errors;
	}

	toBody(): Record<string, unknown> {
		return this.errors === undefined
			? { message: this.message, code: this.code }
			: { message: this.message, code: this.code, errors: this.errors };
	}
}

/** Messages Discord sends with its JSON error codes (Discord's "JSON Error Codes" table). */
const MESSAGE_BY_CODE: Readonly<Record<number, string>> = {
	10003: 'Unknown Channel',
	10004: 'Unknown Guild',
	10007: 'Unknown Member',
	10008: 'Unknown Message',
	10011: 'Unknown Role',
	10013: 'Unknown User',
	10015: 'Unknown Webhook',
	10062: 'Unknown interaction',
	10063: 'Unknown application command',
	30015: 'Maximum number of attachments in a message reached (10)',
	40005: 'Request entity too large',
	40060: 'Interaction has already been acknowledged.',
	50001: 'Missing Access',
	50006: 'Cannot send an empty message',
	50008: 'Cannot send messages in a non-text channel',
	50013: 'Missing Permissions',
	50035: 'Invalid Form Body',
	50109: 'The request body contains invalid JSON.',
};

/** The message Discord pairs with `code`, or a generic one built from the HTTP status. */
export function messageForCode(code: number, status: number): string {
	return MESSAGE_BY_CODE[code] ?? `${status}: ${STATUS_TEXT[status] ?? 'Error'}`;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
	400: 'Bad Request',
	401: 'Unauthorized',
	403: 'Forbidden',
	404: 'Not Found',
	405: 'Method Not Allowed',
	413: 'Payload Too Large',
	429: 'Too Many Requests',
	500: 'Internal Server Error',
	502: 'Bad Gateway',
	503: 'Service Unavailable',
};

/** An error whose status and message follow from a Discord JSON error code. */
export function apiError(status: number, code: number): DiscordApiErrorResponse {
	return new DiscordApiErrorResponse(status, code, messageForCode(code, status));
}

/** A 400 "Invalid Form Body" (50035) naming the field that broke the rule, in Discord's nested error format. */
export function invalidFormBody(field: string, errorCode: string, message: string): DiscordApiErrorResponse {
	const errors: Record<string, unknown> = {};
	let cursor = errors;
	const parts = field.split('.');
	for (const [index, part] of parts.entries()) {
		if (index === parts.length - 1) {
			cursor[part] = { _errors: [{ code: errorCode, message }] };
		} else {
			const next: Record<string, unknown> = {};
			cursor[part] = next;
			cursor = next;
		}
	}
	return new DiscordApiErrorResponse(400, 50035, 'Invalid Form Body', errors);
}
