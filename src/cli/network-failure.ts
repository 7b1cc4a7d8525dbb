/** Where a request went, for describeNoAnswer. */
export interface RequestTarget {
	/** 'Discord' or 'Twitch'. */
	service: string;
	url: string;
	/** The setting that holds `url`, to check when it was set by hand. */
	setting: string;
	/** How long one request waited for an answer. */
	timeoutMs: number;
}

/**
 * A request that got no answer, in words an operator can act on; undefined when `error` is not a network failure.
 * Node's and undici's codes are read, never shown bare: a timeout surfaces as a DOMException AbortError whose `code`
 * is 20, which the tools used to print as "Cannot reach Discord (20)".
 */
export function describeNoAnswer(error: Error, target: RequestTarget): string | undefined {
	const { service, url, setting } = target;
	const codes = [error, error.cause]
		.map((candidate) => (candidate ?? {}) as { code?: unknown; name?: unknown })
		.flatMap((candidate) => [candidate.code, candidate.name])
		.filter((code): code is string => typeof code === 'string');
	const has = (...wanted: string[]) => codes.some((code) => wanted.includes(code));
	const check = `Check this machine's network connection (and ${setting}, if you set it), then try again.`;
	if (has('AbortError', 'TimeoutError', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT'))
		return `${service} did not answer at ${url} within ${formatSeconds(target.timeoutMs)}: ${service} may be having trouble, or the network is slow or blocked. ${check}`;
	if (has('ECONNREFUSED')) return `Nothing accepts connections at ${url} (the connection was refused). ${check}`;
	if (has('ENOTFOUND', 'EAI_AGAIN'))
		return `The host name in ${url} cannot be looked up (DNS): this machine may be offline. ${check}`;
	if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'))
		return `The connection to ${url} was cut off before ${service} answered. ${check}`;
	if (codes.some((code) => /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)))
		return `The TLS certificate at ${url} is not trusted (a proxy may be in the way). ${check}`;
	if (error.message === 'fetch failed' || has('ENETUNREACH', 'EHOSTUNREACH'))
		return `Cannot reach ${service} at ${url}. ${check}`;
	return undefined;
}

function formatSeconds(ms: number): string {
	const seconds = Math.round(ms / 100) / 10;
	return `${seconds} second${seconds === 1 ? '' : 's'}`;
}
