import type { DiscordAPIError, HTTPError, RateLimitError } from '@discordjs/rest';
import { incidentHint, newIncidentId } from '../incident-id.ts';
import type { Logger } from '../logger.ts';

/** Why posting to (or editing in) one target failed, in words an admin can act on, and what to do next. */
export interface DeliveryProblem {
	/** Discord's JSON error code (50013…), else the HTTP status; null for a network failure or a missing channel. */
	code: number | null;
	/**
	 * Shown in `/watch list` (which adds when the next try is) and stored on the watch: plain words written here,
	 * never an error's own text (a library's or Discord's message may carry internals, and means nothing to an admin).
	 */
	message: string;
	/**
	 * Set when the failure is not one this bot explains by a known Discord code: the id under which its raw detail was
	 * logged. `message` ends by naming it, so that an admin can hand it to the operator.
	 */
	incidentId?: string;
	/** Wait before trying this target again (a channel that keeps failing must not be hammered: Discord bans IPs that
	 * make 10,000 invalid requests in 10 minutes). */
	backoff: boolean;
	/** The least wait Discord asked for (ms), for a 429. */
	retryAfterMs: number;
	/** The message to edit or delete no longer exists (10008): nothing to retry. */
	messageGone: boolean;
}

/** Discord JSON error codes the notifier meets when posting (Discord's "JSON Error Codes" table). */
export const DiscordErrorCode = {
	UnknownChannel: 10003,
	UnknownMessage: 10008,
	MissingAccess: 50001,
	MissingPermissions: 50013,
} as const;

const EXPLANATIONS: Readonly<Record<number, string>> = {
	[DiscordErrorCode.UnknownChannel]: 'Unknown Channel: the post channel was deleted. Choose another one.',
	[DiscordErrorCode.UnknownMessage]: 'Unknown Message: the announcement was deleted, so it cannot be updated.',
	[DiscordErrorCode.MissingAccess]: 'Missing Access: the bot cannot see the post channel (View Channel).',
	[DiscordErrorCode.MissingPermissions]:
		'Missing Permissions: the bot needs View Channel, Send Messages and Embed Links in the post channel.',
};

/** The problem recorded on a watch that has no channel of its own while its guild has no default channel. */
export function noChannelProblem(): DeliveryProblem {
	return {
		code: null,
		message: 'No channel to post in: give the watch a channel, or set a default one with /watch settings.',
		backoff: true,
		retryAfterMs: 0,
		messageGone: false,
	};
}

// @discordjs/rest ships a CommonJS and an ESM build: discord.js's REST throws the CommonJS classes, a REST made from
// '@discordjs/rest' in ESM throws the others, so `instanceof` would miss one of them. The class name is the same.
function isRestError<T>(error: unknown, className: 'DiscordAPIError' | 'RateLimitError' | 'HTTPError'): error is T {
	return error instanceof Error && error.constructor.name === className;
}

/** Where describeDeliveryError logs the raw detail of a failure it cannot explain by a known code. */
export interface DeliveryErrorLog {
	logger: Pick<Logger, 'warn'>;
	/** Fields that place the failure (guild, channel, stream…) in the log line. */
	context?: Record<string, unknown>;
}

/**
 * Classifies an error thrown by discord.js's REST client for one message create, edit or delete, in words. A
 * failure without a known Discord code (network trouble, an unexpected refusal) gets an incident id: its raw
 * detail is logged under that id with `log`, and the message names the id.
 */
export function describeDeliveryError(error: unknown, log?: DeliveryErrorLog): DeliveryProblem {
	const problem = { backoff: true, retryAfterMs: 0, messageGone: false };
	if (isRestError<DiscordAPIError>(error, 'DiscordAPIError')) {
		const code = typeof error.code === 'number' ? error.code : error.status;
		const explained = EXPLANATIONS[code];
		if (code === DiscordErrorCode.UnknownMessage && explained) {
			return { ...problem, code, message: explained, backoff: false, messageGone: true };
		}
		if (explained) return { ...problem, code, message: explained };
		return { ...problem, code, ...withIncident(`Discord refused the post (error ${code}).`, error, log) };
	}
	if (isRestError<RateLimitError>(error, 'RateLimitError')) {
		// Only thrown when the REST client is set to reject on rate limits instead of waiting them out itself.
		return {
			...problem,
			code: 429,
			message: `Rate limited by Discord (retry after ${Math.ceil(error.retryAfter / 1000)} s).`,
			retryAfterMs: error.retryAfter,
		};
	}
	if (isRestError<HTTPError>(error, 'HTTPError')) {
		return {
			...problem,
			code: error.status,
			message: `Discord had a problem on its side (HTTP ${error.status}); this usually passes on its own.`,
		};
	}
	return { ...problem, code: null, ...withIncident(networkFailureText(error), error, log) };
}

/** `text` followed by a new incident id, under which the raw error is logged. */
function withIncident(
	text: string,
	error: unknown,
	log: DeliveryErrorLog | undefined,
): Pick<DeliveryProblem, 'message' | 'incidentId'> {
	const incidentId = newIncidentId();
	log?.logger.warn({ ...log.context, incidentId, err: error }, `Discord delivery failed (incident ${incidentId})`);
	return { message: `${text} ${incidentHint(incidentId)}`, incidentId };
}

// Node's and undici's error codes, on the error or on its `cause` (fetch throws "fetch failed" with the reason there).
const TIMEOUT_CODES = new Set([
	'ETIMEDOUT',
	'UND_ERR_CONNECT_TIMEOUT',
	'UND_ERR_HEADERS_TIMEOUT',
	'UND_ERR_BODY_TIMEOUT',
]);
// The REST client's abort timer (AbortError), AbortSignal.timeout, and the notifier's own request deadline.
const TIMEOUT_ERROR_NAMES = new Set(['AbortError', 'TimeoutError', 'DiscordDeadlineError']);
const CONNECTION_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'EPIPE',
	'UND_ERR_SOCKET',
	'UND_ERR_CLOSED',
]);

/** What a failure that never got an answer from Discord means, in words. */
function networkFailureText(error: unknown): string {
	const names: string[] = [];
	const codes: string[] = [];
	// Follow `cause` a few levels: fetch and the REST client wrap the error that says what happened.
	for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
		names.push(current.name);
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string') codes.push(code);
	}
	// @discordjs/rest aborts a request that takes longer than its timeout (15 s by default): an AbortError.
	if (names.some((name) => TIMEOUT_ERROR_NAMES.has(name)) || codes.some((c) => TIMEOUT_CODES.has(c))) {
		return 'Discord did not answer in time; this usually passes on its own.';
	}
	if (codes.some((code) => CONNECTION_CODES.has(code))) {
		return 'The bot could not connect to Discord (a network problem); this usually passes on its own.';
	}
	return 'Sending to Discord failed for an unexpected reason.';
}
