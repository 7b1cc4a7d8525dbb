import { type ServerResponse, STATUS_CODES } from 'node:http';

/** Extra headers of one answer (e.g. Ratelimit-*). */
export type ExtraHeaders = Readonly<Record<string, string>>;

/** Twitch answers JSON with this content type. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A Helix error answer: `{"error":"Bad Request","status":400,"message":"…"}`. */
export class TwitchHttpError extends Error {
	readonly status: number;

	constructor(status: number, message: string) {
		super(message);
		this.name = 'TwitchHttpError';
		this.status = status;
	}

	/** Helix's error body names the status in words. */
	helixBody(): { error: string; status: number; message: string } {
		return { error: STATUS_CODES[this.status] ?? 'Error', status: this.status, message: this.message };
	}

	/** The id.twitch.tv (OAuth) error body has no `error` field: `{"status":400,"message":"invalid client"}`. */
	oauthBody(): { status: number; message: string } {
		return { status: this.status, message: this.message };
	}
}

export function badRequest(message: string): TwitchHttpError {
	return new TwitchHttpError(400, message);
}

/** Twitch's wording for a parameter it cannot use, e.g. more than 100 values. */
export function malformedParameter(name: string, reason: string): TwitchHttpError {
	return badRequest(`The parameter "${name}" was malformed: ${reason}`);
}

export function sendBody(
	res: ServerResponse,
	status: number,
	body: string,
	contentType: string,
	headers: ExtraHeaders = {},
): void {
	if (res.headersSent || res.destroyed) return;
	res.writeHead(status, {
		'Content-Type': contentType,
		'Content-Length': Buffer.byteLength(body),
		...headers,
	});
	res.end(body);
}

/**
 * Sends the headers at once and the body a byte at a time, spread over `ms`: every byte comes well within an idle
 * (body) timeout, the whole answer does not. Timers join `timers` so that closing the fake stops them.
 */
export function sendBodyTrickling(
	res: ServerResponse,
	status: number,
	body: string,
	contentType: string,
	headers: ExtraHeaders,
	ms: number,
	timers: Set<NodeJS.Timeout>,
): void {
	if (res.headersSent || res.destroyed) return;
	const bytes = Buffer.from(body);
	res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': bytes.length, ...headers });
	res.flushHeaders();
	let sent = 0;
	const timer = setInterval(
		() => {
			if (res.destroyed || sent >= bytes.length) {
				clearInterval(timer);
				timers.delete(timer);
				if (!res.destroyed) res.end();
				return;
			}
			res.write(bytes.subarray(sent, sent + 1));
			sent += 1;
		},
		Math.max(1, ms / Math.max(1, bytes.length)),
	);
	timers.add(timer);
}
