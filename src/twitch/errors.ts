import { UserError } from '../errors.ts';

/** Base class of every error the Twitch client throws. */
export class TwitchError extends Error {
	override readonly name: string = 'TwitchError';
}

/** Minting the app access token failed for a reason the operator must fix (the message names the fix). */
export class TwitchAuthError extends TwitchError {
	override readonly name = 'TwitchAuthError';
	readonly status: number | undefined;
	constructor(message: string, status?: number) {
		super(message);
		this.status = status;
	}
}

/** Helix answered with an error status that retrying will not fix (400, 404, a second 401…). */
export class TwitchApiError extends TwitchError {
	override readonly name = 'TwitchApiError';
	readonly status: number;
	readonly endpoint: string;
	constructor(endpoint: string, status: number, twitchMessage: string) {
		super(`Twitch answered ${status} to ${endpoint}: ${twitchMessage}`);
		this.status = status;
		this.endpoint = endpoint;
	}
}

/** Twitch could not be reached or kept failing (network error, timeout, 5xx) after the bounded retries. */
export class TwitchUnavailableError extends TwitchError {
	override readonly name = 'TwitchUnavailableError';
	readonly endpoint: string;
	readonly attempts: number;
	constructor(endpoint: string, attempts: number, lastProblem: string) {
		super(`Twitch did not answer ${endpoint} after ${attempts} attempts (last: ${lastProblem})`);
		this.endpoint = endpoint;
		this.attempts = attempts;
	}
}

/** Twitch kept answering 429 for longer than the client is willing to wait. */
export class TwitchRateLimitError extends TwitchError {
	override readonly name = 'TwitchRateLimitError';
	readonly endpoint: string;
	constructor(endpoint: string, waitedMs: number) {
		super(`Twitch rate limit still exhausted for ${endpoint} after waiting ${Math.round(waitedMs / 1000)} s`);
		this.endpoint = endpoint;
	}
}

/** The body was not what Twitch documents: not JSON (an HTML error page), or JSON of another shape. */
export class TwitchResponseError extends TwitchError {
	override readonly name = 'TwitchResponseError';
	readonly endpoint: string;
	constructor(endpoint: string, problem: string) {
		super(`Twitch sent an unexpected response to ${endpoint}: ${problem}`);
		this.endpoint = endpoint;
	}
}

/** A login that Twitch cannot have: rejected before any request is made. */
export class InvalidLoginError extends UserError {
	override readonly name = 'InvalidLoginError';
	readonly login: string;
	constructor(login: string) {
		const shown = login.length > 40 ? `${login.slice(0, 40)}…` : login;
		super(
			`“${shown}” is not a Twitch login: logins are 1–25 letters, digits or underscores (the name in twitch.tv/<login>).`,
		);
		this.login = login;
	}
}
