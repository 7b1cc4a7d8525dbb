import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeTwitch, type FakeTwitchOptions, startFakeTwitch } from './fakes/twitch/index.ts';

const START_MS = Date.parse('2025-03-01T12:00:00Z');

let fake: FakeTwitch;
let nowMs: number;
let token: string;

async function start(options: FakeTwitchOptions = {}): Promise<void> {
	await fake?.close();
	fake = await startFakeTwitch({ now: () => nowMs, ...options });
	token = fake.issueToken();
}

beforeEach(async () => {
	nowMs = START_MS;
	fake = await startFakeTwitch({ now: () => nowMs });
	token = fake.issueToken();
});

afterEach(async () => {
	await fake.close();
});

/** A Helix GET with the fake's client id and the test's token unless told otherwise. */
function helix(path: string, auth: { token?: string | null; clientId?: string | null } = {}): Promise<Response> {
	const headers: Record<string, string> = {};
	const bearer = auth.token === undefined ? token : auth.token;
	const clientId = auth.clientId === undefined ? fake.clientId : auth.clientId;
	if (bearer !== null) headers.Authorization = `Bearer ${bearer}`;
	if (clientId !== null) headers['Client-Id'] = clientId;
	return fetch(`${fake.origin}${path}`, { headers });
}

async function helixJson<T = { data: unknown[]; pagination?: { cursor?: string } }>(path: string): Promise<T> {
	const res = await helix(path);
	expect(res.status).toBe(200);
	return (await res.json()) as T;
}

function mint(fields: Record<string, string>, viaQuery = false): Promise<Response> {
	const form = new URLSearchParams(fields).toString();
	if (viaQuery) return fetch(`${fake.authUrl}/token?${form}`, { method: 'POST' });
	return fetch(`${fake.authUrl}/token`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: form,
	});
}

function goodMintFields(): Record<string, string> {
	return { client_id: fake.clientId, client_secret: fake.clientSecret, grant_type: 'client_credentials' };
}

/** Seeds `count` live users whose viewer counts all differ; returns their logins. */
function seedLiveUsers(count: number): string[] {
	const logins: string[] = [];
	for (let n = 0; n < count; n++) {
		const user = fake.addUser({ login: `streamer${n}` });
		fake.goLive(user.id, { viewer_count: 1000 + n });
		logins.push(user.login);
	}
	return logins;
}

describe('POST /oauth2/token', () => {
	it('mints a bearer app token from a form body and counts the mint', async () => {
		const res = await mint(goodMintFields());
		expect(res.status).toBe(200);
		const body = (await res.json()) as { access_token: string; expires_in: number; token_type: string };
		expect(body).toEqual({ access_token: expect.any(String), expires_in: 5011271, token_type: 'bearer' });
		expect(fake.stats.mints).toBe(1);
		expect(fake.tokens.get(body.access_token)?.clientId).toBe(fake.clientId);
	});

	it('accepts the fields in the query string and mints a different token each time', async () => {
		const first = (await (await mint(goodMintFields(), true)).json()) as { access_token: string };
		const second = (await (await mint(goodMintFields())).json()) as { access_token: string };
		expect(first.access_token).not.toBe(second.access_token);
		expect(fake.stats.mints).toBe(2);
	});

	it('answers like Twitch to an unknown client, a wrong secret and a missing grant type', async () => {
		const unknown = await mint({ ...goodMintFields(), client_id: 'nobody' });
		expect(unknown.status).toBe(400);
		expect(await unknown.json()).toEqual({ status: 400, message: 'invalid client' });

		const wrongSecret = await mint({ ...goodMintFields(), client_secret: 'wrong' });
		expect(wrongSecret.status).toBe(403);
		expect(await wrongSecret.json()).toEqual({ status: 403, message: 'invalid client secret' });

		const { grant_type: _, ...withoutGrant } = goodMintFields();
		const noGrant = await mint(withoutGrant);
		expect(noGrant.status).toBe(400);
		expect(await noGrant.json()).toEqual({ status: 400, message: 'missing grant type' });
		expect(fake.stats.mints).toBe(0);
	});

	it('refuses client credentials for a Public client type, whatever the secret', async () => {
		await start({ clientType: 'public' });
		const res = await mint(goodMintFields());
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ status: 400, message: 'invalid client secret' });
	});
});

describe('GET /oauth2/validate', () => {
	it('reports the client id and the seconds left of a valid token', async () => {
		nowMs += 10_000;
		const res = await fetch(`${fake.authUrl}/validate`, { headers: { Authorization: `OAuth ${token}` } });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ client_id: fake.clientId, scopes: [], expires_in: 5011271 - 10 });
		expect(fake.stats.validations).toBe(1);
	});

	it('answers 401 for an unknown or expired token', async () => {
		const unknown = await fetch(`${fake.authUrl}/validate`, { headers: { Authorization: 'OAuth nope' } });
		expect(unknown.status).toBe(401);
		expect(await unknown.json()).toEqual({ status: 401, message: 'invalid access token' });

		nowMs += 5011271 * 1000;
		const expired = await fetch(`${fake.authUrl}/validate`, { headers: { Authorization: `OAuth ${token}` } });
		expect(expired.status).toBe(401);
		expect(fake.stats.validations).toBe(2);
	});
});

describe('Helix authentication', () => {
	it('answers 401 without a Client-Id header even with a good token', async () => {
		const res = await helix('/helix/users?login=someone', { clientId: null });
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ error: 'Unauthorized', status: 401 });
	});

	it('answers 401 without a token, with an unknown token, and with another client id', async () => {
		expect((await helix('/helix/users?login=someone', { token: null })).status).toBe(401);
		expect((await helix('/helix/users?login=someone', { token: 'notatoken' })).status).toBe(401);
		const mismatch = await helix('/helix/users?login=someone', { clientId: 'other-client' });
		expect(mismatch.status).toBe(401);
		expect(await mismatch.json()).toMatchObject({ message: 'Client ID and OAuth token do not match' });
	});

	it('answers 401 once a token is revoked, and once it has expired', async () => {
		expect((await helix('/helix/users?login=someone')).status).toBe(200);
		fake.revokeToken(token);
		expect((await helix('/helix/users?login=someone')).status).toBe(401);

		const second = fake.issueToken();
		expect((await helix('/helix/users?login=someone', { token: second })).status).toBe(200);
		fake.expireToken(second);
		expect((await helix('/helix/users?login=someone', { token: second })).status).toBe(401);
	});

	it('keeps the tokens and rate-limit buckets of a second application apart', async () => {
		const other = fake.addClient({ clientId: 'otherclient', clientSecret: 'othersecret' });
		const res = await mint({
			client_id: other.clientId,
			client_secret: other.clientSecret,
			grant_type: 'client_credentials',
		});
		const { access_token } = (await res.json()) as { access_token: string };
		expect((await helix('/helix/users?login=someone', { token: access_token })).status).toBe(401);
		const served = await helix('/helix/users?login=someone', { token: access_token, clientId: other.clientId });
		expect(served.status).toBe(200);
		expect(served.headers.get('ratelimit-remaining')).toBe('799');
		expect((await helix('/helix/users?login=someone')).headers.get('ratelimit-remaining')).toBe('799');
	});

	it('accepts a token minted over HTTP', async () => {
		const { access_token } = (await (await mint(goodMintFields())).json()) as { access_token: string };
		expect((await helix('/helix/users?login=someone', { token: access_token })).status).toBe(200);
	});
});

describe('Helix rate limit', () => {
	it('sends the three Ratelimit headers and takes one point per request', async () => {
		const res = await helix('/helix/users?login=someone');
		expect(res.headers.get('ratelimit-limit')).toBe('800');
		expect(res.headers.get('ratelimit-remaining')).toBe('799');
		// One point is back after 60/800 s: the bucket is full again within a second.
		expect(Number(res.headers.get('ratelimit-reset'))).toBe(Math.ceil(START_MS / 1000) + 1);
		expect(res.headers.get('content-type')).toMatch(/^application\/json/);
	});

	it('answers 429 with Remaining 0 when the bucket is empty, then serves again after the refill', async () => {
		await start({ rateLimit: { limit: 10, refillPerSecond: 1 } });
		fake.setRateLimit({ remaining: 0 });
		const limited = await helix('/helix/users?login=someone');
		expect(limited.status).toBe(429);
		expect(await limited.json()).toMatchObject({ error: 'Too Many Requests', status: 429 });
		expect(limited.headers.get('ratelimit-remaining')).toBe('0');
		expect(Number(limited.headers.get('ratelimit-reset'))).toBe(Math.ceil(START_MS / 1000) + 10);
		expect(fake.stats.status429).toBe(1);

		nowMs += 1000;
		const served = await helix('/helix/users?login=someone');
		expect(served.status).toBe(200);
		expect(served.headers.get('ratelimit-remaining')).toBe('0');
	});

	it('empties the bucket after `limit` requests', async () => {
		await start({ rateLimit: { limit: 3, refillPerSecond: 0 } });
		const statuses: number[] = [];
		for (let n = 0; n < 4; n++) statuses.push((await helix('/helix/users?login=someone')).status);
		expect(statuses).toEqual([200, 200, 200, 429]);
	});
});

describe('GET /helix/users', () => {
	it('finds users by id and by login (any letter case) and leaves unknown ones out', async () => {
		const dev = fake.addUser({ login: 'TwitchDev', broadcaster_type: 'partner' });
		const other = fake.addUser({ login: 'other_one' });
		const body = await helixJson<{ data: Array<{ id: string; login: string; display_name: string }> }>(
			`/helix/users?login=twitchdev&login=ghost&id=${other.id}&id=999999`,
		);
		expect(body.data.map((user) => user.id).sort()).toEqual([dev.id, other.id].sort());
		expect(body.data.find((user) => user.id === dev.id)).toMatchObject({
			login: 'twitchdev',
			display_name: 'TwitchDev',
		});
		expect(body).not.toHaveProperty('pagination');
	});

	it('answers 400 for a login that is not a Twitch login', async () => {
		const res = await helix('/helix/users?login=not-a-login!');
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			error: 'Bad Request',
			status: 400,
			message: 'Invalid login names, emails or IDs in request',
		});
	});

	it('answers 400 naming the parameter beyond 100 values, ids and logins counted together', async () => {
		const logins = Array.from({ length: 101 }, (_, n) => `login=user${n}`).join('&');
		const res = await helix(`/helix/users?${logins}`);
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			error: 'Bad Request',
			status: 400,
			message: 'The parameter "login" was malformed: the value must be less than or equal to 100',
		});

		const mixed = [
			...Array.from({ length: 60 }, (_, n) => `login=user${n}`),
			...Array.from({ length: 41 }, (_, n) => `id=${n + 1}`),
		].join('&');
		expect((await helix(`/helix/users?${mixed}`)).status).toBe(400);
		const hundred = Array.from({ length: 100 }, (_, n) => `id=${n + 1}`).join('&');
		expect((await helix(`/helix/users?${hundred}`)).status).toBe(200);
	});
});

describe('GET /helix/streams', () => {
	it('returns 20 streams by default: a lookup of 30 live channels without first misses 10', async () => {
		const logins = seedLiveUsers(30);
		const query = logins.map((login) => `user_login=${login}`).join('&');
		const page = await helixJson(`/helix/streams?${query}`);
		expect(page.data).toHaveLength(20);
		expect(page.pagination?.cursor).toEqual(expect.any(String));
		const full = await helixJson(`/helix/streams?${query}&first=100`);
		expect(full.data).toHaveLength(30);
		expect(full.pagination).toEqual({});
	});

	it('answers 400 for first outside 1–100 and for more than 100 user ids', async () => {
		expect((await helix('/helix/streams?first=0')).status).toBe(400);
		const tooBig = await helix('/helix/streams?first=101');
		expect(tooBig.status).toBe(400);
		const ids = Array.from({ length: 101 }, (_, n) => `user_id=${n + 1}`).join('&');
		const res = await helix(`/helix/streams?${ids}`);
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({
			message: 'The parameter "user_id" was malformed: the value must be less than or equal to 100',
		});
	});

	it('walks every live stream once through the cursors, most viewers first', async () => {
		seedLiveUsers(45);
		const offline = fake.addUser({ login: 'offline_person' });
		const seen: Array<{ user_id: string; viewer_count: number }> = [];
		let cursor: string | undefined;
		let pages = 0;
		do {
			const after = cursor ? `&after=${encodeURIComponent(cursor)}` : '';
			const page = await helixJson<{
				data: Array<{ user_id: string; viewer_count: number }>;
				pagination: { cursor?: string };
			}>(`/helix/streams?first=10${after}`);
			seen.push(...page.data);
			cursor = page.pagination.cursor;
			pages += 1;
		} while (cursor);
		expect(pages).toBe(5);
		expect(new Set(seen.map((stream) => stream.user_id)).size).toBe(45);
		expect(seen.some((stream) => stream.user_id === offline.id)).toBe(false);
		const viewers = seen.map((stream) => stream.viewer_count);
		expect(viewers).toEqual([...viewers].sort((a, b) => b - a));
	});

	it('filters by game and language, and drops a channel once its stream ends', async () => {
		const game = fake.addGame({ name: 'Chess' });
		const a = fake.addUser({ login: 'player_a' });
		const b = fake.addUser({ login: 'player_b' });
		fake.goLive(a.id, { game_id: game.id, language: 'fr' });
		fake.goLive(b.id, { game_id: game.id, language: 'en' });
		const inGame = await helixJson<{ data: Array<{ user_id: string; game_name: string }> }>(
			`/helix/streams?game_id=${game.id}`,
		);
		expect(inGame.data.map((stream) => stream.game_name)).toEqual(['Chess', 'Chess']);
		const french = await helixJson<{ data: Array<{ user_id: string }> }>('/helix/streams?language=fr');
		expect(french.data.map((stream) => stream.user_id)).toEqual([a.id]);

		fake.endStream(a.id);
		const after = await helixJson<{ data: Array<{ user_id: string }> }>(`/helix/streams?user_id=${a.id}`);
		expect(after.data).toEqual([]);
	});

	it('serves the new login of a renamed live channel', async () => {
		const user = fake.addUser({ login: 'oldname' });
		fake.goLive(user.id);
		fake.renameUser(user.id, 'NewName');
		const body = await helixJson<{ data: Array<{ user_login: string; user_name: string }> }>(
			'/helix/streams?user_login=newname',
		);
		expect(body.data).toEqual([expect.objectContaining({ user_login: 'newname', user_name: 'NewName' })]);
		expect((await helixJson('/helix/streams?user_login=oldname')).data).toEqual([]);
	});
});

describe('games', () => {
	it('orders top games by live viewers and pages them', async () => {
		const small = fake.addGame({ name: 'Small Game' });
		const big = fake.addGame({ name: 'Big Game' });
		fake.addGame({ name: 'Nobody Plays This' });
		fake.goLive(fake.addUser({ login: 'smallstreamer' }).id, { game_id: small.id, viewer_count: 10 });
		fake.goLive(fake.addUser({ login: 'bigstreamer' }).id, { game_id: big.id, viewer_count: 5000 });
		const first = await helixJson<{ data: Array<{ name: string }>; pagination: { cursor?: string } }>(
			'/helix/games/top?first=2',
		);
		expect(first.data.map((game) => game.name)).toEqual(['Big Game', 'Small Game']);
		const rest = await helixJson<{ data: Array<{ name: string }>; pagination: object }>(
			`/helix/games/top?first=2&after=${first.pagination.cursor}`,
		);
		expect(rest.data.map((game) => game.name)).toEqual(['Nobody Plays This']);
		expect(rest.pagination).toEqual({});
	});

	it('finds games by id, name and igdb_id', async () => {
		const game = fake.addGame({ id: '509658', name: 'Just Chatting', igdb_id: '1234' });
		for (const query of ['id=509658', 'name=Just%20Chatting', 'igdb_id=1234']) {
			const body = await helixJson(`/helix/games?${query}`);
			expect(body.data).toEqual([game]);
		}
	});
});

describe('GET /helix/search/channels', () => {
	it('matches logins and display names, marks who is live, and filters live_only', async () => {
		const live = fake.addUser({ login: 'cooking_live', display_name: 'Cooking_Live' });
		fake.addUser({ login: 'chef_pierre', display_name: 'CookingWithPierre' });
		fake.addUser({ login: 'unrelated' });
		fake.goLive(live.id, { title: 'Pasta night' });
		const all = await helixJson<{ data: Array<{ broadcaster_login: string; is_live: boolean; started_at: string }> }>(
			'/helix/search/channels?query=COOKING',
		);
		expect(all.data).toEqual([
			expect.objectContaining({ broadcaster_login: 'cooking_live', is_live: true, started_at: '2025-03-01T12:00:00Z' }),
			expect.objectContaining({ broadcaster_login: 'chef_pierre', is_live: false, started_at: '' }),
		]);
		const liveOnly = await helixJson('/helix/search/channels?query=cooking&live_only=true');
		expect(liveOnly.data).toHaveLength(1);
		expect((await helix('/helix/search/channels')).status).toBe(400);
	});
});

describe('GET /helix/clips', () => {
	it('needs exactly one of broadcaster_id, game_id and id', async () => {
		const user = fake.addUser({ login: 'clipper' });
		expect((await helix('/helix/clips')).status).toBe(400);
		expect((await helix(`/helix/clips?broadcaster_id=${user.id}&game_id=1`)).status).toBe(400);
		expect((await helix(`/helix/clips?broadcaster_id=${user.id}`)).status).toBe(200);
	});

	it('returns the most viewed clips of the period first', async () => {
		const user = fake.addUser({ login: 'clipper' });
		fake.addClip({ broadcaster_id: user.id, title: 'old', view_count: 9999, created_at: '2024-01-01T00:00:00Z' });
		fake.addClip({ broadcaster_id: user.id, title: 'low', view_count: 5, created_at: '2025-02-28T00:00:00Z' });
		fake.addClip({ broadcaster_id: user.id, title: 'high', view_count: 500, created_at: '2025-02-27T00:00:00Z' });
		const all = await helixJson<{ data: Array<{ title: string }> }>(`/helix/clips?broadcaster_id=${user.id}`);
		expect(all.data.map((clip) => clip.title)).toEqual(['old', 'high', 'low']);
		const week = await helixJson<{ data: Array<{ title: string }> }>(
			`/helix/clips?broadcaster_id=${user.id}&started_at=2025-02-22T12:00:00Z&ended_at=2025-03-01T12:00:00Z`,
		);
		expect(week.data.map((clip) => clip.title)).toEqual(['high', 'low']);
	});
});

describe('GET /helix/videos and /helix/channels', () => {
	it('lists the VOD of an ended stream as an archive carrying the stream id', async () => {
		const user = fake.addUser({ login: 'vodder' });
		const stream = fake.goLive(user.id, { title: 'Long stream' });
		fake.addVideo({ user_id: user.id, type: 'highlight' });
		nowMs += 2 * 3600_000 + 5 * 60_000;
		fake.endStream(user.id);
		const archives = await helixJson<{ data: Array<{ stream_id: string | null; type: string; duration: string }> }>(
			`/helix/videos?user_id=${user.id}&type=archive`,
		);
		expect(archives.data).toEqual([
			expect.objectContaining({ stream_id: stream.id, type: 'archive', duration: '2h5m0s', title: 'Long stream' }),
		]);
		expect((await helixJson(`/helix/videos?user_id=${user.id}`)).data).toHaveLength(2);
		expect((await helix('/helix/videos')).status).toBe(400);
	});

	it('serves channel information shaped like Twitch', async () => {
		const game = fake.addGame({ name: 'Art' });
		const user = fake.addUser({ login: 'painter', display_name: 'Painter' });
		fake.updateChannel(user.id, { title: 'Painting', game_id: game.id });
		const body = await helixJson(`/helix/channels?broadcaster_id=${user.id}&broadcaster_id=424242`);
		expect(body.data).toEqual([
			{
				broadcaster_id: user.id,
				broadcaster_login: 'painter',
				broadcaster_name: 'Painter',
				broadcaster_language: 'en',
				game_id: game.id,
				game_name: 'Art',
				title: 'Painting',
				delay: 0,
				tags: [],
				content_classification_labels: [],
				is_branded_content: false,
			},
		]);
	});
});

describe('faults', () => {
	it('serves an injected 500 with a Twitch JSON error, `times` times, then answers normally', async () => {
		fake.injectFault('/helix/users', { kind: 'status', status: 500 }, 2);
		const first = await helix('/helix/users?login=someone');
		expect(first.status).toBe(500);
		expect(await first.json()).toMatchObject({ error: 'Internal Server Error', status: 500 });
		expect((await helix('/helix/users?login=someone')).status).toBe(500);
		expect((await helix('/helix/users?login=someone')).status).toBe(200);
	});

	it('serves a fault injected on * to whichever route comes next', async () => {
		fake.injectFault('*', { kind: 'status', status: 503 });
		expect((await helix('/helix/streams')).status).toBe(503);
		expect((await helix('/helix/streams')).status).toBe(200);
	});

	it('leaves other routes alone', async () => {
		fake.injectFault('/helix/streams', { kind: 'status', status: 503 });
		expect((await helix('/helix/users?login=someone')).status).toBe(200);
		expect((await helix('/helix/streams')).status).toBe(503);
	});

	it('serves an HTML 502 page', async () => {
		fake.injectFault('/helix/streams', { kind: 'html502' });
		const res = await helix('/helix/streams');
		expect(res.status).toBe(502);
		expect(res.headers.get('content-type')).toMatch(/^text\/html/);
		expect(await res.text()).toContain('<html>');
	});

	it('answers normally but late with a delay', async () => {
		fake.injectFault('/helix/users', { kind: 'delay', ms: 60 });
		const started = performance.now();
		const res = await helix('/helix/users?login=someone');
		expect(res.status).toBe(200);
		expect(performance.now() - started).toBeGreaterThanOrEqual(55);
	});

	it('drops the connection without an answer', async () => {
		fake.injectFault('/helix/users', { kind: 'drop' });
		await expect(helix('/helix/users?login=someone')).rejects.toThrow();
		expect((await helix('/helix/users?login=someone')).status).toBe(200);
	});

	it('serves a truncated JSON body as application/json', async () => {
		fake.injectFault('/helix/users', { kind: 'malformed' });
		const res = await helix('/helix/users?login=someone');
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toMatch(/^application\/json/);
		await expect(res.json()).rejects.toThrow();
	});

	it('serves valid JSON whose data is not an array', async () => {
		fake.injectFault('/helix/users', { kind: 'invalidShape' });
		const res = await helix('/helix/users?login=someone');
		expect(await res.json()).toEqual({ data: 'oops' });
	});

	it('serves a 429 whose Reset is the given number of seconds ahead', async () => {
		fake.injectFault('/helix/users', { kind: 'rateLimited', resetInSeconds: 7 });
		const res = await helix('/helix/users?login=someone');
		expect(res.status).toBe(429);
		expect(res.headers.get('ratelimit-remaining')).toBe('0');
		expect(Number(res.headers.get('ratelimit-reset'))).toBe(Math.ceil(START_MS / 1000) + 7);
		expect(fake.stats.status429).toBe(1);
	});

	it('overwrites fields of the matching list items only, leaving the world and the other items alone', async () => {
		const [first = '', second = ''] = seedLiveUsers(2);
		const bad = fake.getUser(first)?.id ?? '';
		fake.injectFault('/helix/streams', {
			kind: 'malformedItem',
			where: { user_id: bad },
			fields: { started_at: null },
		});
		const page = await helixJson<{ data: Array<{ user_login: string; started_at: unknown }> }>(
			`/helix/streams?user_login=${first}&user_login=${second}`,
		);
		expect(page.data.find((s) => s.user_login === first)?.started_at).toBeNull();
		expect(page.data.find((s) => s.user_login === second)?.started_at).toEqual(expect.any(String));
		expect(fake.getStream(bad)?.started_at).toEqual(expect.any(String));
		const next = await helixJson<{ data: Array<{ started_at: unknown }> }>(`/helix/streams?user_login=${first}`);
		expect(next.data[0]?.started_at).toEqual(expect.any(String));
	});

	it('answers with a new cursor on every page, from the first page again, with an endless cursor', async () => {
		const [login = ''] = seedLiveUsers(1);
		fake.injectFault('/helix/streams', { kind: 'endlessCursor' }, 2);
		const first = await helixJson(`/helix/streams?user_login=${login}&first=100`);
		const cursor = first.pagination?.cursor ?? '';
		expect(cursor).not.toBe('');
		const second = await helixJson(`/helix/streams?user_login=${login}&first=100&after=${cursor}`);
		expect(second.data).toEqual(first.data);
		expect(second.pagination?.cursor).toEqual(expect.any(String));
		expect(second.pagination?.cursor).not.toBe(cursor);
		expect((await helixJson(`/helix/streams?user_login=${login}&first=100`)).pagination).toEqual({});
	});

	it('trickles the body a byte at a time over the given time, headers first', async () => {
		fake.injectFault('/helix/users', { kind: 'trickle', ms: 400 });
		const started = performance.now();
		const res = await helix('/helix/users?login=someone');
		expect(res.status).toBe(200);
		expect(performance.now() - started).toBeLessThan(300);
		expect(await res.json()).toEqual({ data: [] });
		expect(performance.now() - started).toBeGreaterThanOrEqual(300);
	});

	it('injects faults on the token endpoint too, and clears them', async () => {
		fake.injectFault('/oauth2/token', { kind: 'status', status: 500 });
		expect((await mint(goodMintFields())).status).toBe(500);
		fake.injectFault('/oauth2/token', { kind: 'status', status: 500 });
		fake.clearFaults();
		expect((await mint(goodMintFields())).status).toBe(200);
		expect(fake.stats.mints).toBe(1);
	});
});

describe('observation and bulk seeding', () => {
	it('counts requests per route and logs them with their status', async () => {
		await helix('/helix/users?login=someone');
		await helix('/helix/streams', { token: 'bad' });
		await fetch(`${fake.origin}/helix/nothing-here`);
		expect(fake.stats.total).toBe(3);
		expect(fake.stats.byRoute).toEqual({ '/helix/users': 1, '/helix/streams': 1, '/helix/nothing-here': 1 });
		expect(fake.requests.map((entry) => [entry.route, entry.status])).toEqual([
			['/helix/users', 200],
			['/helix/streams', 401],
			['/helix/nothing-here', 404],
		]);
		expect(fake.requests[0]?.query.get('login')).toBe('someone');
		fake.resetStats();
		expect(fake.stats.total).toBe(0);
		expect(fake.requests).toEqual([]);
	});

	it('seeds 10,000 users with a share of them live, all reachable by login', async () => {
		const { userIds, logins } = fake.seedBulk({ users: 10_000, liveFraction: 0.25, games: 10, loginPrefix: 'bench' });
		expect(userIds).toHaveLength(10_000);
		expect(new Set(logins).size).toBe(10_000);
		const batch = logins.slice(0, 100);
		const users = await helixJson(`/helix/users?${batch.map((login) => `login=${login}`).join('&')}`);
		expect(users.data).toHaveLength(100);
		const live = await helixJson(`/helix/streams?first=100&${batch.map((login) => `user_login=${login}`).join('&')}`);
		expect(live.data).toHaveLength(25);
		const liveCount = logins.filter((_, index) => fake.getStream(userIds[index] ?? '') !== undefined).length;
		expect(liveCount).toBe(2500);
		const top = await helixJson('/helix/games/top?first=100');
		expect(top.data).toHaveLength(10);
	});
});
