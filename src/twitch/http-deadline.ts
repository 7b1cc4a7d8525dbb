import { type Dispatcher, request, errors as undiciErrors } from 'undici';
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
	url: string,
	options: TextRequestOptions,
	timeoutMs: number,
	observed?: ObservedAttempt,
): Promise<TextAnswer> {
	const startedAt = observed ? performance.now() : 0;
	const deadline = new AbortController();
	const timer = setTimeout(() => deadline.abort(), timeoutMs);
	try {
		const { dispatcher, ...rest } = options;
		const response = await request(url, {
			...rest,
			...(dispatcher ? { dispatcher } : {}),
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
