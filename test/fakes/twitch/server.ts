import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TwitchWorld } from './data.ts';
import { FakeEventSubService } from './eventsub.ts';
import { EVENTSUB_WS_PATH } from './eventsub-socket.ts';
import type { FakeEventSub } from './eventsub-types.ts';
import { FaultQueue, HTML_502_PAGE, INVALID_SHAPE_BODY, TRUNCATED_JSON_BODY } from './faults.ts';
import { HELIX_ROUTES } from './helix.ts';
import { type FakeApp, mintAppToken, revokeAppToken, validateToken } from './oauth.ts';
import { encodeCursor } from './params.ts';
import {
	DEFAULT_RATE_LIMIT,
	DEFAULT_REFILL_PER_SECOND,
	type RateLimitBucket,
	RateLimiter,
	type RateLimitHeaders,
} from './rate-limit.ts';
import { type ExtraHeaders, JSON_CONTENT_TYPE, sendBody, sendBodyTrickling, TwitchHttpError } from './responses.ts';
import { randomToken, TokenStore } from './tokens.ts';
import type {
	AnswerFault,
	ChannelSettings,
	FakeClientOptions,
	FakeFault,
	FakeRequestLogEntry,
	FakeTokenRecord,
	FakeTwitch,
	FakeTwitchOptions,
	FakeTwitchStats,
	RateLimitSettings,
	RawChannel,
	RawClip,
	RawGame,
	RawStream,
	RawUser,
	RawVideo,
	SeedBulkOptions,
} from './types.ts';

/** Twitch's usual expires_in for an app token (about two months). */
const DEFAULT_TOKEN_TTL_SECONDS = 5_011_271;
/** The request log keeps this many entries, so that a 10,000-user benchmark does not grow memory. */
const REQUEST_LOG_LIMIT = 5000;
/** The token endpoint takes a small form and EventSub a small JSON body; anything bigger is not a real client. */
const MAX_BODY_BYTES = 64 * 1024;

/** One request being answered: the answer's status lands in its log entry. */
interface Exchange {
	req: IncomingMessage;
	res: ServerResponse;
	url: URL;
	route: string;
	entry: FakeRequestLogEntry;
	/** A fault that alters the normal answer (a bad item, an endless cursor, a trickling body). */
	answerFault?: AnswerFault;
}

/**
 * Starts a fake Twitch (id.twitch.tv's /oauth2 and api.twitch.tv's /helix) on 127.0.0.1 at a free port.
 * Seed it, point the Helix client at `helixUrl`/`authUrl`, inject faults, read `stats`, then `close()`.
 */
export async function startFakeTwitch(options: FakeTwitchOptions = {}): Promise<FakeTwitch> {
	const fake = new FakeTwitchServer(options);
	await fake.listen();
	return fake;
}

class FakeTwitchServer implements FakeTwitch {
	/** The application of the options; `addClient` registers more. */
	readonly #app: FakeApp;
	readonly #apps = new Map<string, FakeApp>();
	readonly #tokenTtlSeconds: number;
	readonly #now: () => number;
	readonly #world: TwitchWorld;
	readonly #tokens: TokenStore;
	readonly #rateLimiter: RateLimiter;
	readonly #faults = new FaultQueue();
	readonly #server: Server;
	readonly #stats: FakeTwitchStats = { total: 0, byRoute: {}, mints: 0, validations: 0, status429: 0 };
	#log: FakeRequestLogEntry[] = [];
	readonly #delays = new Set<NodeJS.Timeout>();
	readonly #eventsub: FakeEventSubService;
	/** When (fake clock) each live stream went live through `goLive`: Get Streams hides it for `#streamsLagMs`. */
	readonly #liveSince = new Map<string, number>();
	#streamsLagMs: number;
	#origin = '';

	constructor(options: FakeTwitchOptions) {
		this.#now = options.now ?? Date.now;
		this.#app = {
			clientId: options.clientId ?? 'fake-client-id',
			clientSecret: options.clientSecret ?? 'fake-client-secret',
			clientType: options.clientType ?? 'confidential',
		};
		this.#apps.set(this.#app.clientId, this.#app);
		this.#tokenTtlSeconds = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
		this.#world = new TwitchWorld(this.#now);
		this.#tokens = new TokenStore(this.#now);
		this.#rateLimiter = new RateLimiter(
			options.rateLimit?.limit ?? DEFAULT_RATE_LIMIT,
			options.rateLimit?.refillPerSecond ?? DEFAULT_REFILL_PER_SECOND,
			this.#now,
		);
		this.#server = createServer((req, res) => this.#onRequest(req, res));
		this.#streamsLagMs = options.streamsLagMs ?? 0;
		this.#eventsub = new FakeEventSubService({
			...options,
			now: this.#now,
			world: this.#world,
			url: () => this.eventsubWsUrl,
		});
		this.#server.on('upgrade', (req, socket, head) => this.#eventsub.handleUpgrade(req, socket, head));
	}

	async listen(): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			this.#server.once('error', reject);
			// A deep accept backlog: the benchmark opens a thousand connections at once, and a full backlog would add
			// SYN retries (a second each) to its timings.
			this.#server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
				this.#server.off('error', reject);
				resolve();
			});
		});
		const { port } = this.#server.address() as AddressInfo;
		this.#origin = `http://127.0.0.1:${port}`;
	}

	get origin(): string {
		return this.#origin;
	}
	get helixUrl(): string {
		return `${this.#origin}/helix`;
	}
	get authUrl(): string {
		return `${this.#origin}/oauth2`;
	}
	get clientId(): string {
		return this.#app.clientId;
	}
	get clientSecret(): string {
		return this.#app.clientSecret;
	}
	get eventsubWsUrl(): string {
		return `${this.#origin.replace(/^http/, 'ws')}${EVENTSUB_WS_PATH}`;
	}
	get eventsub(): FakeEventSub {
		return this.#eventsub;
	}

	// ---- seeding ----

	addUser(user: Partial<RawUser> & { login: string }): RawUser {
		return this.#world.addUser(user);
	}
	renameUser(userId: string, newLogin: string): void {
		this.#world.renameUser(userId, newLogin);
	}
	addGame(game: Partial<RawGame> & { name: string }): RawGame {
		return this.#world.addGame(game);
	}
	goLive(userId: string, stream?: Partial<RawStream>): RawStream {
		// A restart (live again with a new stream) ends the previous stream first, as on Twitch.
		const user = this.#world.usersById.get(userId);
		if (user && this.#world.streamsByUserId.has(userId)) this.#eventsub.streamOffline(user);
		const started = this.#world.goLive(userId, stream);
		this.#liveSince.set(userId, this.#now());
		this.#eventsub.streamOnline(started);
		return started;
	}
	updateStream(userId: string, patch: Partial<RawStream>): RawStream {
		return this.#world.updateStream(userId, patch);
	}
	endStream(userId: string, opts: { archive?: boolean } = {}): void {
		this.#world.endStream(userId, opts.archive ?? true);
		this.#liveSince.delete(userId);
		this.#eventsub.streamOffline(this.#world.requireUser(userId));
	}
	updateChannel(userId: string, patch: Partial<ChannelSettings>): RawChannel {
		return this.#world.updateChannel(userId, patch);
	}
	addClip(clip: Partial<RawClip> & { broadcaster_id: string }): RawClip {
		return this.#world.addClip(clip);
	}
	addVideo(video: Partial<RawVideo> & { user_id: string }): RawVideo {
		return this.#world.addVideo(video);
	}
	seedBulk(opts: SeedBulkOptions): { userIds: string[]; logins: string[] } {
		return this.#world.seedBulk(opts);
	}
	getUser(idOrLogin: string): RawUser | undefined {
		return this.#world.findUser(idOrLogin);
	}
	getStream(userId: string): RawStream | undefined {
		return this.#world.streamsByUserId.get(userId);
	}

	// ---- tokens ----

	addClient(client: FakeClientOptions = {}): { clientId: string; clientSecret: string } {
		const app: FakeApp = {
			clientId: client.clientId ?? randomToken(),
			clientSecret: client.clientSecret ?? randomToken(),
			clientType: client.clientType ?? 'confidential',
		};
		if (this.#apps.has(app.clientId)) throw new Error(`fake twitch: client ${app.clientId} already exists`);
		this.#apps.set(app.clientId, app);
		return { clientId: app.clientId, clientSecret: app.clientSecret };
	}
	issueToken(opts: { ttlSeconds?: number; clientId?: string } = {}): string {
		const clientId = opts.clientId ?? this.#app.clientId;
		if (!this.#apps.has(clientId)) throw new Error(`fake twitch: no client ${clientId}`);
		return this.#tokens.issue(clientId, opts.ttlSeconds ?? this.#tokenTtlSeconds);
	}
	revokeToken(token: string): void {
		this.#tokens.revoke(token);
	}
	revokeAllTokens(): void {
		this.#tokens.revokeAll();
	}
	expireToken(token: string): void {
		this.#tokens.expire(token);
	}
	get tokens(): ReadonlyMap<string, FakeTokenRecord> {
		return this.#tokens.records;
	}

	// ---- faults ----

	injectFault(route: string, fault: FakeFault, times = 1): void {
		this.#faults.inject(route, fault, times);
	}
	clearFaults(): void {
		this.#faults.clear();
	}

	// ---- observation ----

	get stats(): FakeTwitchStats {
		return this.#stats;
	}
	get requests(): readonly FakeRequestLogEntry[] {
		return this.#log.slice(-REQUEST_LOG_LIMIT);
	}
	resetStats(): void {
		this.#stats.total = 0;
		this.#stats.byRoute = {};
		this.#stats.mints = 0;
		this.#stats.validations = 0;
		this.#stats.status429 = 0;
		this.#log = [];
	}
	setRateLimit(opts: RateLimitSettings): void {
		this.#rateLimiter.apply(opts, this.#apps.keys());
	}
	setStreamsLag(ms: number): void {
		this.#streamsLagMs = ms;
	}

	async close(): Promise<void> {
		await this.#eventsub.close();
		for (const timer of this.#delays) clearTimeout(timer);
		this.#delays.clear();
		await new Promise<void>((resolve) => {
			this.#server.close(() => resolve());
			// Keep-alive and in-flight (delayed) connections would hold close() open.
			this.#server.closeAllConnections();
		});
	}

	// ---- serving ----

	#onRequest(req: IncomingMessage, res: ServerResponse): void {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
		// The Twitch CLI mock API's layout (/mock = Helix, /auth = OAuth) is also served: it is the only way
		// @twurple/api can be pointed at a local server (TWURPLE_MOCK_API_PORT), which the benchmark does.
		const route = path.replace(/^\/mock\//, '/helix/').replace(/^\/auth\//, '/oauth2/');
		const entry: FakeRequestLogEntry = {
			method: req.method ?? 'GET',
			route,
			query: url.searchParams,
			headers: req.headers,
			at: this.#now(),
			status: 0,
		};
		this.#record(entry);
		const exchange: Exchange = { req, res, url, route, entry };

		// Faults come first: they stand for what happens in front of Twitch's handlers (edge, network, overload).
		const fault = this.#faults.take(route);
		if (fault?.kind === 'delay') {
			const timer = setTimeout(() => {
				this.#delays.delete(timer);
				this.#dispatch(exchange);
			}, fault.ms);
			this.#delays.add(timer);
			return;
		}
		if (fault?.kind === 'malformedItem' || fault?.kind === 'endlessCursor' || fault?.kind === 'trickle') {
			exchange.answerFault = fault;
		} else if (fault) {
			this.#serveFault(exchange, fault);
			return;
		}
		this.#dispatch(exchange);
	}

	#record(entry: FakeRequestLogEntry): void {
		this.#stats.total += 1;
		this.#stats.byRoute[entry.route] = (this.#stats.byRoute[entry.route] ?? 0) + 1;
		this.#log.push(entry);
		// Trim in batches: amortised O(1) per request.
		if (this.#log.length >= REQUEST_LOG_LIMIT * 2) this.#log = this.#log.slice(-REQUEST_LOG_LIMIT);
	}

	#dispatch(exchange: Exchange): void {
		const { route } = exchange;
		if (route === '/oauth2/token') {
			this.#serveTokenMint(exchange).catch((error: unknown) => this.#serveError(exchange, error, 'oauth'));
		} else if (route === '/oauth2/validate') {
			this.#serveValidate(exchange);
		} else if (route === '/oauth2/revoke') {
			this.#serveRevoke(exchange).catch((error: unknown) => this.#serveError(exchange, error, 'oauth'));
		} else if (route.startsWith('/helix/eventsub/')) {
			this.#serveEventSub(exchange).catch((error: unknown) => this.#serveError(exchange, error, 'helix'));
		} else if (route.startsWith('/helix/')) {
			this.#serveHelix(exchange);
		} else {
			this.#reply(exchange, 404, JSON.stringify({ error: 'Not Found', status: 404, message: '' }), JSON_CONTENT_TYPE);
		}
	}

	#reply(exchange: Exchange, status: number, body: string, contentType: string, headers?: ExtraHeaders): void {
		exchange.entry.status = status;
		if (status === 429) this.#stats.status429 += 1;
		const fault = exchange.answerFault;
		if (fault?.kind === 'trickle')
			sendBodyTrickling(exchange.res, status, body, contentType, headers ?? {}, fault.ms, this.#delays);
		else sendBody(exchange.res, status, body, contentType, headers);
	}

	#replyJson(exchange: Exchange, status: number, body: unknown, headers?: ExtraHeaders): void {
		this.#reply(exchange, status, JSON.stringify(body), JSON_CONTENT_TYPE, headers);
	}

	#serveError(exchange: Exchange, error: unknown, kind: 'oauth' | 'helix', headers?: ExtraHeaders): void {
		if (error instanceof TwitchHttpError) {
			this.#replyJson(exchange, error.status, kind === 'oauth' ? error.oauthBody() : error.helixBody(), headers);
			return;
		}
		// A bug in the fake: say so loudly in the answer rather than hang the test.
		const message = error instanceof Error ? error.message : String(error);
		this.#replyJson(exchange, 500, { error: 'Internal Server Error', status: 500, message: `fake twitch: ${message}` });
	}

	#serveFault(exchange: Exchange, fault: Exclude<FakeFault, AnswerFault | { kind: 'delay' }>): void {
		const helix = exchange.route.startsWith('/helix/');
		const rateHeaders = helix ? this.#peekRateHeaders(exchange.req) : undefined;
		switch (fault.kind) {
			case 'status': {
				if (fault.body !== undefined) {
					this.#reply(exchange, fault.status, fault.body, JSON_CONTENT_TYPE, rateHeaders);
					return;
				}
				const error = new TwitchHttpError(fault.status, 'injected fault');
				this.#replyJson(exchange, fault.status, helix ? error.helixBody() : error.oauthBody(), rateHeaders);
				return;
			}
			case 'html502':
				this.#reply(exchange, 502, HTML_502_PAGE, 'text/html');
				return;
			case 'drop':
				exchange.req.socket.destroy();
				return;
			case 'malformed':
				this.#reply(exchange, 200, TRUNCATED_JSON_BODY, JSON_CONTENT_TYPE, rateHeaders);
				return;
			case 'invalidShape':
				this.#reply(exchange, 200, INVALID_SHAPE_BODY, JSON_CONTENT_TYPE, rateHeaders);
				return;
			case 'rateLimited': {
				const limit = rateHeaders?.['Ratelimit-Limit'] ?? String(DEFAULT_RATE_LIMIT);
				this.#replyJson(exchange, 429, tooManyRequests(), {
					'Ratelimit-Limit': limit,
					'Ratelimit-Remaining': '0',
					'Ratelimit-Reset': String(Math.ceil(this.#now() / 1000) + fault.resetInSeconds),
				});
				return;
			}
		}
	}

	async #serveTokenMint(exchange: Exchange): Promise<void> {
		const params = await this.#readTokenForm(exchange);
		if (!params) return;
		const minted = mintAppToken(params, this.#apps, this.#tokens, this.#tokenTtlSeconds);
		this.#stats.mints += 1;
		this.#replyJson(exchange, 200, minted);
	}

	async #serveRevoke(exchange: Exchange): Promise<void> {
		const params = await this.#readTokenForm(exchange);
		if (!params) return;
		revokeAppToken(params, this.#apps, this.#tokens);
		this.#reply(exchange, 200, '', 'text/plain');
	}

	/**
	 * The fields of a POST to /oauth2/token or /oauth2/revoke: Twitch reads them from the form body or the query
	 * string, the body winning where both have one. Anything but a POST is answered 404 here (null).
	 */
	async #readTokenForm(exchange: Exchange): Promise<URLSearchParams | null> {
		if (exchange.req.method !== 'POST') {
			this.#replyJson(exchange, 404, { status: 404, message: 'Not Found' });
			return null;
		}
		const body = await readBody(exchange.req);
		const params = new URLSearchParams(exchange.url.searchParams);
		for (const [name, value] of parseTokenBody(body, exchange.req.headers['content-type'])) params.set(name, value);
		return params;
	}

	#serveValidate(exchange: Exchange): void {
		this.#stats.validations += 1;
		if (exchange.req.method !== 'GET') {
			this.#replyJson(exchange, 404, { status: 404, message: 'Not Found' });
			return;
		}
		try {
			this.#replyJson(exchange, 200, validateToken(exchange.req.headers.authorization, this.#tokens));
		} catch (error) {
			this.#serveError(exchange, error, 'oauth');
		}
	}

	#serveHelix(exchange: Exchange): void {
		const { req, route } = exchange;
		const handler = HELIX_ROUTES.get(route);
		if (!handler || req.method !== 'GET') {
			this.#replyJson(exchange, 404, { error: 'Not Found', status: 404, message: '' });
			return;
		}
		const headers = this.#admitHelix(exchange);
		if (!headers) return;
		const fault = exchange.answerFault;
		const query = new URLSearchParams(exchange.url.searchParams);
		if (fault?.kind === 'endlessCursor') query.delete('after');
		try {
			let body = handler(query, this.#world, this.#now());
			if (route === '/helix/streams' && this.#streamsLagMs > 0) body = this.#hideLaggingStreams(body);
			this.#replyJson(exchange, 200, fault ? alterAnswer(body, fault) : body, headers);
		} catch (error) {
			this.#serveError(exchange, error, 'helix', headers);
		}
	}

	/**
	 * Authenticates a Helix request and takes its point of the app's bucket: the Ratelimit headers to answer with,
	 * or undefined once it has answered 401 or 429.
	 */
	#admitHelix(exchange: Exchange): RateLimitHeaders | undefined {
		const { req } = exchange;
		const bucket = this.#bucketOf(req);
		try {
			this.#authorizeHelix(req, headerValue(req, 'client-id'));
		} catch (error) {
			this.#serveError(exchange, error, 'helix', bucket.headers());
			return undefined;
		}
		// Each Helix request costs one point of the app's bucket; an empty bucket answers 429 until it refills.
		if (!bucket.take()) {
			this.#replyJson(exchange, 429, tooManyRequests(), bucket.headers());
			return undefined;
		}
		return bucket.headers();
	}

	/** /helix/eventsub/…: conduits, shards and subscriptions, any method, JSON bodies. */
	async #serveEventSub(exchange: Exchange): Promise<void> {
		const headers = this.#admitHelix(exchange);
		if (!headers) return;
		const { req, route, url } = exchange;
		try {
			const method = req.method ?? 'GET';
			const body = method === 'POST' || method === 'PATCH' ? await readBody(req) : '';
			// #admitHelix checked that the token belongs to the Client-Id header's app.
			const clientId = headerValue(req, 'client-id') ?? '';
			const answer = this.#eventsub.serveRest({ method, route, query: url.searchParams, body, clientId });
			if (answer.body === undefined) this.#reply(exchange, answer.status, '', JSON_CONTENT_TYPE, headers);
			else {
				const fault = exchange.answerFault;
				this.#replyJson(exchange, answer.status, fault ? alterAnswer(answer.body, fault) : answer.body, headers);
			}
		} catch (error) {
			this.#serveError(exchange, error, 'helix', headers);
		}
	}

	/**
	 * Get Streams lags behind stream.online on real Twitch (minutes, sometimes): a stream that went live less than
	 * `streamsLagMs` ago (fake clock) is left out. Filtering the page may leave it short of `first`, as Twitch's
	 * pages sometimes are.
	 */
	#hideLaggingStreams(body: unknown): unknown {
		const page = body as { data: RawStream[]; pagination?: unknown };
		const now = this.#now();
		const data = page.data.filter((stream) => {
			const since = this.#liveSince.get(stream.user_id);
			return since === undefined || now - since >= this.#streamsLagMs;
		});
		return { ...page, data };
	}

	/** Helix needs both `Authorization: Bearer <token>` and `Client-Id`, and the token must be that client's. */
	#authorizeHelix(req: IncomingMessage, clientIdHeader: string | undefined): void {
		const match = /^Bearer\s+(\S+)$/i.exec(headerValue(req, 'authorization') ?? '');
		if (!match?.[1]) throw new TwitchHttpError(401, 'OAuth token is missing');
		// Missing Client-Id → 401 even with a good token.
		if (!clientIdHeader) throw new TwitchHttpError(401, 'Client-Id header required');
		const record = this.#tokens.findValid(match[1]);
		if (!record) throw new TwitchHttpError(401, 'Invalid OAuth token');
		if (record.clientId !== clientIdHeader) throw new TwitchHttpError(401, 'Client ID and OAuth token do not match');
	}

	/**
	 * The bucket of the request's app. A Client-Id the fake does not know gets the first app's figures in its
	 * headers (it is answered 401 anyway), so that stray ids do not grow the bucket map.
	 */
	#bucketOf(req: IncomingMessage): RateLimitBucket {
		const clientId = headerValue(req, 'client-id');
		return this.#rateLimiter.bucketFor(clientId && this.#apps.has(clientId) ? clientId : this.#app.clientId);
	}

	/** The bucket's headers for a fault answer, without taking a point. */
	#peekRateHeaders(req: IncomingMessage): RateLimitHeaders {
		return this.#bucketOf(req).headers();
	}
}

/** Applies a fault to a normal Helix answer; the world's own records are copied, never changed. */
function alterAnswer(body: unknown, fault: AnswerFault): unknown {
	if (typeof body !== 'object' || body === null || !Array.isArray((body as { data?: unknown }).data)) return body;
	const answer = body as { data: unknown[]; pagination?: unknown };
	if (fault.kind === 'endlessCursor') {
		// A cursor the fake never hands out otherwise, different on every page: a client cannot tell it from progress.
		return { ...answer, pagination: { cursor: encodeCursor(1_000_000 + Math.floor(Math.random() * 1_000_000_000)) } };
	}
	if (fault.kind !== 'malformedItem') return body;
	const where = Object.entries(fault.where ?? {});
	const data = answer.data.map((item) => {
		const record = item as Record<string, unknown>;
		return where.every(([field, value]) => record[field] === value) ? { ...record, ...fault.fields } : item;
	});
	return { ...answer, data };
}

function tooManyRequests(): { error: string; status: number; message: string } {
	return { error: 'Too Many Requests', status: 429, message: 'Too Many Requests' };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		const buffer = chunk as Buffer;
		size += buffer.length;
		if (size > MAX_BODY_BYTES) throw new TwitchHttpError(413, 'request body too large');
		chunks.push(buffer);
	}
	return Buffer.concat(chunks).toString('utf8');
}

/** Token request fields: form-encoded as Twitch documents, or JSON, which it accepts too. */
function parseTokenBody(body: string, contentType: string | undefined): Iterable<[string, string]> {
	if (body === '') return [];
	if (contentType?.includes('application/json')) {
		try {
			const fields: unknown = JSON.parse(body);
			if (fields && typeof fields === 'object') {
				return Object.entries(fields).flatMap(([name, value]) =>
					typeof value === 'string' ? [[name, value] as [string, string]] : [],
				);
			}
		} catch {
			throw new TwitchHttpError(400, 'invalid request body');
		}
		return [];
	}
	return new URLSearchParams(body);
}
