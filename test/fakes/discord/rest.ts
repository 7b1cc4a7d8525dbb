/**
 * The fake REST API (v10, any /api/vN accepted): routing, `Authorization: Bot <token>`, rate-limit headers and
 * 429s in the shape @discordjs/rest's queue reads (X-RateLimit-*, Retry-After, X-RateLimit-Scope), faults on
 * demand, and a log of every request.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DiscordApiErrorResponse, messageForCode } from './api-error.ts';
import type { RestFault, RestLogEntry } from './types.ts';

export interface RouteContext {
	params: Record<string, string>;
	body: unknown;
	query: URLSearchParams;
	/** The file parts of a multipart/form-data body, in order; empty for a JSON body. */
	files: UploadedFile[];
}

/** One file part of a multipart/form-data request. */
export interface UploadedFile {
	/** The part's name, e.g. 'files[0]'. */
	field: string;
	/** The n of a part named `files[n]` (what `attachments[].id` refers to); null for any other name. */
	index: number | null;
	/** From the part's Content-Disposition; null when it had none (Discord requires one). */
	filename: string | null;
	contentType: string | null;
	data: Buffer;
}

const routeResultTag = Symbol('routeResult');

/** A response with an explicit status (e.g. 201 Created); handlers otherwise return the body (null → 204). */
export function withStatus(status: number, body: unknown): unknown {
	return { status, body, [routeResultTag]: true };
}

export interface RouteDefinition {
	method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
	/** Segments starting with ':' are parameters, e.g. '/channels/:channelId/messages'. */
	pattern: string;
	/** Interaction callbacks and webhooks authenticate by their token in the path, not the bot token. */
	auth: boolean;
	/** Parameters that make the rate-limit bucket distinct (Discord's "major parameters"). */
	major?: string[];
	/** Returns the response body (null → 204 No Content), or `withStatus(...)` for another status than 200. */
	handle(context: RouteContext): unknown;
}

export interface FakeRestOptions {
	botToken: string;
	routes: RouteDefinition[];
	rateLimit: { limit: number; windowMs: number };
	now: () => number;
	log(entry: RestLogEntry): void;
}

interface ArmedFault {
	route: RegExp | string;
	fault: RestFault;
	remaining: number;
}

interface CompiledRoute {
	definition: RouteDefinition;
	segments: string[];
	bucketHash: string;
}

interface Reply {
	status: number;
	body: unknown;
	headers: Record<string, string>;
	/** Never answer (a hanging Discord): the request stays open until the client gives up or the fake closes. */
	hang?: boolean;
}

/** Default wait for a 429 fault: short, so tests that prove the retry do not sleep long. */
const DEFAULT_FAULT_RETRY_AFTER_SECONDS = 0.1;

export class FakeRestApi {
	readonly #options: FakeRestOptions;
	readonly #routes: CompiledRoute[];
	readonly #faults: ArmedFault[] = [];
	readonly #buckets = new Map<string, { count: number; resetAt: number }>();

	constructor(options: FakeRestOptions) {
		this.#options = options;
		this.#routes = options.routes.map((definition) => ({
			definition,
			segments: definition.pattern.split('/').filter(Boolean),
			bucketHash: createHash('sha1').update(`${definition.method} ${definition.pattern}`).digest('hex').slice(0, 16),
		}));
	}

	failNext(route: RegExp | string, fault: RestFault, times = 1): void {
		if (!Number.isInteger(times) || times < 1) throw new Error('fake Discord: failNext needs times ≥ 1');
		this.#faults.push({ route, fault, remaining: times });
	}

	async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const method = (request.method ?? 'GET').toUpperCase();
		const url = new URL(request.url ?? '/', 'http://fake');
		const prefix = /^\/api(?:\/v\d+)?(?=\/|$)/.exec(url.pathname);
		const path = prefix ? url.pathname.slice(prefix[0].length) || '/' : url.pathname;
		let body: unknown = null;
		let files: UploadedFile[] = [];
		let reply: Reply;
		try {
			({ body, files } = await readBody(request));
			reply = prefix ? this.#route(method, path, url.searchParams, { body, files }, request) : notFound();
		} catch (error) {
			reply = errorReply(error);
		}
		const entry: RestLogEntry = {
			method,
			path,
			query: url.search,
			status: reply.status,
			body,
			response: reply.body,
			at: this.#options.now(),
		};
		if (files.length > 0) {
			entry.files = files.map((file) => ({
				field: file.field,
				filename: file.filename ?? '',
				size: file.data.length,
				contentType: file.contentType,
			}));
		}
		this.#options.log(entry);
		if (reply.hang) return;
		const headers: Record<string, string> = { ...reply.headers };
		if (reply.body === null || reply.status === 204) {
			response.writeHead(reply.status === 200 ? 204 : reply.status, headers);
			response.end();
			return;
		}
		headers['content-type'] = 'application/json';
		response.writeHead(reply.status, headers);
		response.end(JSON.stringify(reply.body));
	}

	#route(
		method: string,
		path: string,
		query: URLSearchParams,
		{ body, files }: { body: unknown; files: UploadedFile[] },
		request: IncomingMessage,
	): Reply {
		const fault = this.#takeFault(method, path);
		const matches = this.#routes
			.map((route) => ({ route, params: matchSegments(route.segments, path) }))
			.filter((match): match is { route: CompiledRoute; params: Record<string, string> } => match.params !== null);
		const match = matches.find((candidate) => candidate.route.definition.method === method);
		if (!match) {
			if (fault) return faultReply(fault, {});
			return matches.length > 0 ? methodNotAllowed() : notFound();
		}
		const { route, params } = match;
		const rateLimit = this.#rateLimit(route, params);
		if (fault) return faultReply(fault, rateLimit.headers);
		if (rateLimit.exceeded) return rateLimit.exceeded;
		if (route.definition.auth && request.headers.authorization !== `Bot ${this.#options.botToken}`) {
			return { status: 401, body: { message: '401: Unauthorized', code: 0 }, headers: rateLimit.headers };
		}
		try {
			const result = route.definition.handle({ params, body, query, files });
			if (isRouteResult(result)) return { status: result.status, body: result.body, headers: rateLimit.headers };
			return { status: result === null ? 204 : 200, body: result ?? null, headers: rateLimit.headers };
		} catch (error) {
			const reply = errorReply(error);
			return { ...reply, headers: { ...rateLimit.headers, ...reply.headers } };
		}
	}

	#takeFault(method: string, path: string): RestFault | null {
		const key = `${method} ${path}`;
		const index = this.#faults.findIndex(({ route }) => {
			if (typeof route === 'string') return route === path || route === key;
			route.lastIndex = 0;
			return route.test(key);
		});
		const armed = this.#faults[index];
		if (!armed) return null;
		armed.remaining -= 1;
		if (armed.remaining === 0) this.#faults.splice(index, 1);
		return armed.fault;
	}

	/** A fixed-window counter per bucket and major parameter; Discord's headers describe it to the client. */
	#rateLimit(
		route: CompiledRoute,
		params: Record<string, string>,
	): { headers: Record<string, string>; exceeded: Reply | null } {
		const { limit, windowMs } = this.#options.rateLimit;
		const major = (route.definition.major ?? []).map((name) => params[name] ?? '').join(':');
		const key = `${route.bucketHash}:${major}`;
		const now = Date.now();
		let bucket = this.#buckets.get(key);
		if (!bucket || now >= bucket.resetAt) {
			bucket = { count: 0, resetAt: now + windowMs };
			this.#buckets.set(key, bucket);
		}
		const resetAfterSeconds = (bucket.resetAt - now) / 1000;
		const headers = (remaining: number): Record<string, string> => ({
			'x-ratelimit-limit': String(limit),
			'x-ratelimit-remaining': String(remaining),
			'x-ratelimit-reset': (bucket.resetAt / 1000).toFixed(3),
			'x-ratelimit-reset-after': resetAfterSeconds.toFixed(3),
			'x-ratelimit-bucket': route.bucketHash,
		});
		if (bucket.count >= limit) {
			return {
				headers: headers(0),
				exceeded: {
					status: 429,
					body: { message: 'You are being rate limited.', retry_after: resetAfterSeconds, global: false },
					headers: { ...headers(0), 'retry-after': resetAfterSeconds.toFixed(3), 'x-ratelimit-scope': 'user' },
				},
			};
		}
		bucket.count += 1;
		return { headers: headers(limit - bucket.count), exceeded: null };
	}
}

function isRouteResult(value: unknown): value is { status: number; body: unknown } {
	return typeof value === 'object' && value !== null && routeResultTag in value;
}

function matchSegments(pattern: string[], path: string): Record<string, string> | null {
	const segments = path.split('/').filter(Boolean);
	if (segments.length !== pattern.length) return null;
	const params: Record<string, string> = {};
	for (const [index, expected] of pattern.entries()) {
		const actual = decodeURIComponent(segments[index] ?? '');
		if (expected.startsWith(':')) params[expected.slice(1)] = actual;
		else if (expected !== actual) return null;
	}
	return params;
}

function notFound(): Reply {
	return { status: 404, body: { message: '404: Not Found', code: 0 }, headers: {} };
}

function methodNotAllowed(): Reply {
	return { status: 405, body: { message: '405: Method Not Allowed', code: 0 }, headers: {} };
}

function errorReply(error: unknown): Reply {
	if (error instanceof DiscordApiErrorResponse) return { status: error.status, body: error.toBody(), headers: {} };
	// A bug in the fake itself: say so loudly in the body rather than pretend Discord failed.
	return {
		status: 500,
		body: { message: '500: Internal Server Error', code: 0, fake_discord_error: String(error) },
		headers: {},
	};
}

/** A fault as Discord would send it; a 429 carries what @discordjs/rest needs to wait and retry. */
function faultReply(fault: RestFault, rateLimitHeaders: Record<string, string>): Reply {
	if (fault.hang) return { status: 0, body: null, headers: {}, hang: true };
	if (fault.status === 429) {
		const retryAfter = fault.retryAfter ?? DEFAULT_FAULT_RETRY_AFTER_SECONDS;
		const body: Record<string, unknown> = {
			message: fault.message ?? 'You are being rate limited.',
			retry_after: retryAfter,
			global: false,
		};
		if (fault.code !== undefined) body.code = fault.code;
		return {
			status: 429,
			body,
			headers: {
				...rateLimitHeaders,
				'x-ratelimit-remaining': '0',
				'x-ratelimit-reset-after': String(retryAfter),
				'x-ratelimit-reset': ((Date.now() + retryAfter * 1000) / 1000).toFixed(3),
				'retry-after': String(retryAfter),
				'x-ratelimit-scope': 'user',
			},
		};
	}
	const code = fault.code ?? 0;
	return {
		status: fault.status,
		body: { message: fault.message ?? messageForCode(code, fault.status), code },
		headers: rateLimitHeaders,
	};
}

/**
 * Reads a JSON body, or a multipart/form-data one as Discord takes it (how discord.js sends files): the JSON from
 * the `payload_json` part (or, without one, the other text parts as fields), and the file parts.
 */
async function readBody(request: IncomingMessage): Promise<{ body: unknown; files: UploadedFile[] }> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	const raw = Buffer.concat(chunks);
	if (raw.length === 0) return { body: null, files: [] };
	const contentType = request.headers['content-type'] ?? '';
	if (/^multipart\/form-data/i.test(contentType)) return readMultipart(raw, contentType);
	return { body: parseJson(raw.toString('utf8')), files: [] };
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		throw new DiscordApiErrorResponse(400, 50109, messageForCode(50109, 400));
	}
}

/** Parses multipart/form-data with the WHATWG parser Node ships (undici's), not a hand-rolled one. */
async function readMultipart(raw: Buffer, contentType: string): Promise<{ body: unknown; files: UploadedFile[] }> {
	let form: FormData;
	try {
		form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
	} catch {
		throw new DiscordApiErrorResponse(400, 50109, messageForCode(50109, 400));
	}
	const files: UploadedFile[] = [];
	const fields: Record<string, string> = {};
	let payloadJson: string | null = null;
	for (const [field, value] of form.entries()) {
		const index = /^files\[(\d+)\]$/.exec(field)?.[1];
		if (typeof value === 'string') {
			if (field === 'payload_json') payloadJson = value;
			// A `files[n]` part without a filename arrives as text: still a file, one Discord refuses.
			else if (index !== undefined)
				files.push({ field, index: Number(index), filename: null, contentType: null, data: Buffer.from(value) });
			else fields[field] = value;
			continue;
		}
		files.push({
			field,
			index: index === undefined ? null : Number(index),
			filename: value.name === '' ? null : value.name,
			contentType: value.type === '' ? null : value.type,
			data: Buffer.from(await value.arrayBuffer()),
		});
	}
	const body = payloadJson !== null ? parseJson(payloadJson) : Object.keys(fields).length > 0 ? fields : null;
	return { body, files };
}
