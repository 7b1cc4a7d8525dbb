import type { DiscordAPIError, HTTPError, RateLimitError } from '@discordjs/rest';

/** Why posting to (or editing in) one target failed, in words an admin can act on, and what to do next. */
export interface DeliveryProblem {
	/** Discord's JSON error code (50013…), else the HTTP status; null for a network failure or a missing channel. */
	code: number | null;
	/** Shown in `/watch list`. */
	message: string;
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

/** Classifies an error thrown by discord.js's REST client for one message create, edit or delete. */
export function describeDeliveryError(error: unknown): DeliveryProblem {
	const problem = { backoff: true, retryAfterMs: 0, messageGone: false };
	if (isRestError<DiscordAPIError>(error, 'DiscordAPIError')) {
		const code = typeof error.code === 'number' ? error.code : error.status;
		if (code === DiscordErrorCode.UnknownMessage) {
			return { ...problem, code, message: EXPLANATIONS[code] ?? error.message, backoff: false, messageGone: true };
		}
		return { ...problem, code, message: EXPLANATIONS[code] ?? `Discord refused the post (${code}): ${error.message}` };
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
		return { ...problem, code: error.status, message: `Discord answered HTTP ${error.status}; will retry.` };
	}
	const message = error instanceof Error ? error.message : String(error);
	return { ...problem, code: null, message: `Could not reach Discord (${message}); will retry.` };
}
