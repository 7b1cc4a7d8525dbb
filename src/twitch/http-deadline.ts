import { type Dispatcher, request } from 'undici';

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

/**
 * Sends one request and reads its whole body within `timeoutMs`, or fails with `HttpDeadlineError`. A total deadline,
 * not undici's headersTimeout/bodyTimeout: those are idle timeouts, and an answer trickling a byte at a time held a
 * call for 12 s under a 1 s timeout.
 */
export async function requestText(url: string, options: TextRequestOptions, timeoutMs: number): Promise<TextAnswer> {
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
		return { status: response.statusCode, headers: response.headers, text };
	} catch (error) {
		if (deadline.signal.aborted) throw new HttpDeadlineError(timeoutMs, error);
		throw error;
	} finally {
		clearTimeout(timer);
	}
}
