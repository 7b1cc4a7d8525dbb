import { badRequest, malformedParameter } from './responses.ts';

/** Helix takes at most 100 values of a list parameter, and at most 100 items per page. */
export const MAX_LIST_VALUES = 100;
/** `first` defaults to 20 when absent: a lookup of 30 live channels without first=100 misses 10. */
export const DEFAULT_PAGE_SIZE = 20;

/** The values of a repeated parameter (`?login=a&login=b`), at most 100. */
export function listParam(query: URLSearchParams, name: string, max = MAX_LIST_VALUES): string[] {
	const values = query.getAll(name);
	if (values.length > max) {
		throw malformedParameter(name, `the value must be less than or equal to ${max}`);
	}
	return values;
}

/** A parameter Twitch takes once (e.g. clips' broadcaster_id); undefined when absent. */
export function singleParam(query: URLSearchParams, name: string): string | undefined {
	const values = query.getAll(name);
	if (values.length > 1) throw malformedParameter(name, 'only one value may be specified');
	return values[0];
}

export function requiredParam(query: URLSearchParams, name: string): string {
	const value = singleParam(query, name);
	if (value === undefined || value === '') throw badRequest(`Missing required parameter "${name}"`);
	return value;
}

/** `first`: an integer 1–100, default 20. */
export function pageSizeParam(query: URLSearchParams): number {
	const raw = singleParam(query, 'first');
	if (raw === undefined) return DEFAULT_PAGE_SIZE;
	if (!/^-?[0-9]+$/.test(raw)) throw malformedParameter('first', 'the value must be an integer');
	const first = Number(raw);
	if (first < 1) throw malformedParameter('first', 'the value must be greater than or equal to 1');
	if (first > MAX_LIST_VALUES) {
		throw malformedParameter('first', `the value must be less than or equal to ${MAX_LIST_VALUES}`);
	}
	return first;
}

export function booleanParam(query: URLSearchParams, name: string): boolean | undefined {
	const raw = singleParam(query, name);
	if (raw === undefined) return undefined;
	if (raw === 'true') return true;
	if (raw === 'false') return false;
	throw malformedParameter(name, 'the value must be true or false');
}

/** An RFC 3339 timestamp parameter, in ms. */
export function timestampParam(query: URLSearchParams, name: string): number | undefined {
	const raw = singleParam(query, name);
	if (raw === undefined) return undefined;
	const ms = Date.parse(raw);
	if (Number.isNaN(ms)) throw malformedParameter(name, 'the value must be an RFC3339 timestamp');
	return ms;
}

// Twitch's cursors are opaque base64 of a JSON position; ours hold the offset of the next page's first item.

export function encodeCursor(offset: number): string {
	return Buffer.from(JSON.stringify({ b: null, a: { Offset: offset } })).toString('base64url');
}

function decodeCursor(cursor: string): number {
	try {
		const position: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
		const offset = (position as { a?: { Offset?: unknown } } | null)?.a?.Offset;
		if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
	} catch {
		// Not base64 JSON: same answer as a JSON of the wrong shape.
	}
	throw malformedParameter('after', 'the cursor is invalid');
}

/** A page of a list answer: `pagination.cursor` when more follow, `pagination: {}` on the last page. */
export interface Page<T> {
	data: T[];
	pagination: { cursor?: string };
}

/** Cuts the page that `first` and `after` ask for out of the whole ordered list. */
export function paginate<T>(items: readonly T[], query: URLSearchParams): Page<T> {
	const first = pageSizeParam(query);
	const after = singleParam(query, 'after');
	const start = after === undefined || after === '' ? 0 : decodeCursor(after);
	const end = start + first;
	const data = items.slice(start, end);
	return { data, pagination: end < items.length ? { cursor: encodeCursor(end) } : {} };
}
