import { type Dispatcher, getGlobalDispatcher, errors as undiciErrors } from 'undici';
import type { HelixObserver } from './metrics.ts';

/** A whole HTTP exchange (headers and body) took longer than its deadline. */
export class HttpDeadlineError extends Error {
	override readonly name = 'HttpDeadlineError';
	constructor(timeoutMs: number, cause: unknown) {
		super(`timed out after ${timeoutMs} ms`, { cause });
	}
}

/** An answer read to its end. */
export interface TextAnswer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	text: string;
}

export type TextRequestOptions = Pick<Dispatcher.RequestOptions, 'method' | 'headers' | 'body'> & {
	dispatcher?: Dispatcher | undefined;
};

/** Where a request goes: the origin, and the path with its query. */
export interface HttpTarget {
	origin: string;
	path: string;
}

/**
 * Splits a base URL such as https://api.twitch.tv/helix once, so that each request is sent by origin and path:
 * undici then parses no URL per request (for a Helix URL of 100 logins that was a visible share of its cost).
 */
export function httpBase(baseUrl: string): (pathAndQuery: string) => HttpTarget {
	const base = new URL(baseUrl);
	const { origin } = base;
	const prefix = base.pathname.replace(/\/+$/, '');
	return (pathAndQuery) => ({ origin, path: `${prefix}${pathAndQuery}` });
}

/** Who hears of the attempt when it ends, and under which route name. */
export interface ObservedAttempt {
	observer: HelixObserver;
	/** e.g. 'streams', 'oauth2/token': no ids, no query. */
	endpoint: string;
}

/**
 * Sends one request and reads its whole body within `timeoutMs`, or fails with `HttpDeadlineError`. A total deadline,
 * not undici's headersTimeout/bodyTimeout: those are idle timeouts, and an answer trickling a byte at a time held a
 * call for 12 s under a 1 s timeout.
 */
export async function requestText(
	target: HttpTarget,
	options: TextRequestOptions,
	timeoutMs: number,
	observed?: ObservedAttempt,
): Promise<TextAnswer> {
	const startedAt = observed ? performance.now() : 0;
	const deadline = new AbortController();
	const timer = setTimeout(() => deadline.abort(), timeoutMs);
	try {
		const { dispatcher, method = 'GET', headers, body } = options;
		const response = await (dispatcher ?? getGlobalDispatcher()).request({
			origin: target.origin,
			path: target.path,
			method,
			...(headers === undefined ? {} : { headers }),
			...(body === undefined ? {} : { body }),
			signal: deadline.signal,
		});
		const text = await response.body.text();
		observed?.observer.request(observed.endpoint, response.statusCode, (performance.now() - startedAt) / 1000);
		return { status: response.statusCode, headers: response.headers, text };
	} catch (error) {
		const timedOut = deadline.signal.aborted || isUndiciTimeout(error);
		observed?.observer.request(
			observed.endpoint,
			timedOut ? 'timeout' : 'network',
			(performance.now() - startedAt) / 1000,
		);
		if (deadline.signal.aborted) throw new HttpDeadlineError(timeoutMs, error);
		throw error;
	} finally {
		clearTimeout(timer);
	}
}

/** undici's own timeouts (connect, headers, body idle): a timeout too, for whoever counts them. */
export function isUndiciTimeout(error: unknown): boolean {
	return (
		error instanceof undiciErrors.ConnectTimeoutError ||
		error instanceof undiciErrors.HeadersTimeoutError ||
		error instanceof undiciErrors.BodyTimeoutError
	);
}
