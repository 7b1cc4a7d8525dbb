import { Keyv } from 'keyv';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TwitchClient } from '../../src/twitch/client.ts';
import {
	InvalidLoginError,
	TwitchApiError,
	TwitchAuthError,
	TwitchResponseError,
	TwitchUnavailableError,
} from '../../src/twitch/errors.ts';
import { HELIX_MAX_PAGES } from '../../src/twitch/helix-lists.ts';
import { type FakeTwitch, startFakeTwitch } from '../fakes/twitch/index.ts';
import { capturingLogger, clientFor, WARN } from './helpers.ts';

let fake: FakeTwitch;
const clients: TwitchClient[] = [];
function client(...args: Parameters<typeof clientFor> extends [unknown, ...infer R] ? R : never): TwitchClient {
	const created = clientFor(fake, ...args);
	clients.push(created);
	return created;
}

beforeEach(async () => {
	fake = await startFakeTwitch();
});
afterEach(async () => {
	await Promise.all(clients.splice(0).map((c) => c.close()));
	await fake.close();
});

describe('app access token', () => {
	it('mints once for 1,000 concurrent cold calls', async () => {
		fake.addUser({ login: 'alpha' });
		const twitch = client();
		const results = await Promise.all(Array.from({ length: 1000 }, () => twitch.getUserByLogin('alpha')));
		expect(results.every((user) => user?.login === 'alpha')).toBe(true);
		expect(fake.stats.mints).toBe(1);
		expect(twitch.metrics.mints).toBe(1);
	});

	it('reuses a stored valid token after a restart: 0 mints', async () => {
		fake.addUser({ login: 'alpha' });
		const store = new Keyv();
		const first = client({ store });
		await first.getUserByLogin('alpha');
		expect(fake.stats.mints).toBe(1);
		await first.close();

		const restarted = client({ store });
		await restarted.getUserByLogin('alpha');
		expect(fake.stats.mints).toBe(1);
		expect(restarted.metrics.mints).toBe(0);
	});

	it('on 401 mints once and retries the request once', async () => {
		const alphaId = fake.addUser({ login: 'alpha' }).id;
		fake.addUser({ login: 'beta' });
		const twitch = client();
		await twitch.getUserByLogin('alpha');
		fake.revokeAllTokens();
		const before = fake.stats.byRoute['/helix/users'] ?? 0;
		// Two lookups fail with the same dead token: still only one new mint.
		const [alpha, beta] = await Promise.all([twitch.getUserById(alphaId), twitch.getUserByLogin('beta')]);
		expect(alpha?.login).toBe('alpha');
		expect(beta?.login).toBe('beta');
		expect(fake.stats.mints).toBe(2);
		// One rejected request (both lookups share it) and one retry each way at most.
		expect((fake.stats.byRoute['/helix/users'] ?? 0) - before).toBeLessThanOrEqual(4);
	});

	it('a second 401 in a row is an error, not a loop', async () => {
		fake.addUser({ login: 'alpha' });
		const twitch = client();
		fake.injectFault('/helix/users', { kind: 'status', status: 401 }, 2);
		await expect(twitch.getUserByLogin('alpha')).rejects.toBeInstanceOf(TwitchApiError);
		expect(fake.stats.byRoute['/helix/users']).toBe(2);
	});

	it('explains a wrong client secret with the fix', async () => {
		const twitch = client({ clientSecret: 'not-the-secret' });
		const error = await twitch.getUserByLogin('alpha').catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TwitchAuthError);
		expect((error as Error).message).toMatch(/TWITCH_CLIENT_SECRET/);
		expect((error as Error).message).toMatch(/Confidential/);
		expect((error as Error).message).not.toContain('not-the-secret');
	});

	it('explains an unknown client id with the fix', async () => {
		const twitch = client({ clientId: 'unknownclientid0000' });
		const error = await twitch.getUserByLogin('alpha').catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TwitchAuthError);
		expect((error as Error).message).toMatch(/TWITCH_CLIENT_ID/);
	});

	it('explains a Public client type (no secret) with the fix', async () => {
		await fake.close();
		fake = await startFakeTwitch({ clientType: 'public' });
		const twitch = client();
		const error = await twitch.getUserByLogin('alpha').catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TwitchAuthError);
		expect((error as Error).message).toMatch(/Confidential/);
	});

	it('validation replaces a token that Twitch no longer accepts', async () => {
		const twitch = client();
		const token = await twitch.tokens.getToken();
		fake.revokeToken(token);
		const result = await twitch.validateToken();
		expect(result.status).toBe('replaced');
		expect(await twitch.tokens.getToken()).not.toBe(token);
		expect(fake.stats.mints).toBe(2);
	});

	it('validation replaces a stored token that belongs to another client id', async () => {
		const store = new Keyv();
		const twitch = client({ store });
		const token = await twitch.tokens.getToken();
		await twitch.close();
		// The same store now serves a bot configured with another (also valid) application.
		const other = fake.addClient({ clientId: 'otherclientid00000', clientSecret: 'othersecret000000' });
		await store.set(`twitch:app-token:${other.clientId}`, {
			version: 1,
			clientId: other.clientId,
			accessToken: token,
			expiresAt: Date.now() + 86_400_000,
		});
		const second = client({ store, clientId: other.clientId, clientSecret: other.clientSecret });
		const result = await second.validateToken();
		expect(result.status).toBe('replaced');
		expect(await second.tokens.getToken()).not.toBe(token);
	});
});

describe('lists and batching', () => {
	it('splits 250 logins into 3 requests', async () => {
		const logins = Array.from({ length: 250 }, (_, i) => `user_${i}`);
		for (const login of logins) fake.addUser({ login });
		const twitch = client();
		const users = await twitch.getUsersByLogins(logins);
		expect(users).toHaveLength(250);
		expect(fake.stats.byRoute['/helix/users']).toBe(3);
		const sizes = fake.requests.filter((r) => r.route === '/helix/users').map((r) => r.query.getAll('login').length);
		expect(sizes.sort((a, b) => b - a)).toEqual([100, 100, 50]);
	});

	it('reads the live streams of 250 logins (duplicates, any case, @ forms) in 3 requests, each stream once', async () => {
		const logins = Array.from({ length: 250 }, (_, i) => `streamer_${i}`);
		for (const [i, login] of logins.entries()) {
			const { id } = fake.addUser({ login });
			if (i % 2 === 0) fake.goLive(id);
		}
		const asked = [...logins, 'STREAMER_0', '@streamer_2', 'streamer_4'];
		const twitch = client();
		const streams = await twitch.getStreamsByLogins(asked);
		expect(streams.map((stream) => stream.userLogin).sort()).toEqual(logins.filter((_, i) => i % 2 === 0).sort());
		const sent = fake.requests.filter((r) => r.route === '/helix/streams').map((r) => r.query.getAll('user_login'));
		expect(sent.map((part) => part.length).sort((a, b) => b - a)).toEqual([100, 100, 53]);
		expect(new Set(sent.flat()).size).toBe(250);
		expect(new Set(streams.map((stream) => stream.id)).size).toBe(streams.length);
		await expect(twitch.getStreamsByLogins([...logins, 'not a login!'])).rejects.toBeInstanceOf(InvalidLoginError);
		expect(fake.requests.filter((r) => r.route === '/helix/streams')).toHaveLength(3);
	});

	it('misses none of 30 live channels in one stream lookup (first=100)', async () => {
		const ids = Array.from({ length: 30 }, (_, i) => fake.addUser({ login: `caster_${i}` }).id);
		for (const id of ids) fake.goLive(id);
		const twitch = client();
		const streams = await twitch.getLiveStreams(ids);
		expect(streams.map((s) => s.userId).sort()).toEqual([...ids].sort());
		expect(fake.stats.byRoute['/helix/streams']).toBe(1);
		expect(fake.requests.find((r) => r.route === '/helix/streams')?.query.get('first')).toBe('100');
	});

	it('coalesces 1,000 concurrent lookups of different users into 10 requests', async () => {
		const logins = Array.from({ length: 1000 }, (_, i) => `viewer_${i}`);
		for (const login of logins) fake.addUser({ login });
		const twitch = client();
		const users = await Promise.all(logins.map((login) => twitch.getUserByLogin(login)));
		expect(users.every((user, i) => user?.login === logins[i])).toBe(true);
		expect(fake.stats.byRoute['/helix/users']).toBe(10);
	});

	it('follows cursors when asked for more than one page', async () => {
		for (let i = 0; i < 150; i++) fake.addGame({ name: `Game ${i}` });
		const twitch = client();
		const games = await twitch.getTopGames(150);
		expect(games).toHaveLength(150);
		expect(new Set(games.map((g) => g.id)).size).toBe(150);
		expect(fake.stats.byRoute['/helix/games/top']).toBe(2);
	});

	it('rejects a bad login before any request', async () => {
		const twitch = client();
		await expect(twitch.getUserByLogin('not a login!')).rejects.toBeInstanceOf(InvalidLoginError);
		await expect(twitch.getStreamsByLogins(['fine', 'x'.repeat(26)])).rejects.toBeInstanceOf(InvalidLoginError);
		expect(fake.stats.total).toBe(0);
	});

	it('accepts @login and twitch.tv URLs as logins', async () => {
		fake.addUser({ login: 'alpha' });
		const twitch = client();
		expect((await twitch.getUserByLogin('@Alpha'))?.login).toBe('alpha');
		expect((await twitch.getUserByLogin('https://www.twitch.tv/alpha'))?.login).toBe('alpha');
	});
});

describe('cache', () => {
	it('serves a repeated user and top-games lookup without a Helix call', async () => {
		fake.addUser({ login: 'alpha' });
		fake.addGame({ name: 'Chess' });
		const twitch = client();
		await twitch.getUserByLogin('alpha');
		await twitch.getTopGames(10);
		const before = fake.stats.total;
		await twitch.getUserByLogin('alpha');
		await twitch.getTopGames(5);
		expect(fake.stats.total).toBe(before);
		expect(twitch.metrics.cacheHits).toBeGreaterThanOrEqual(2);
	});

	it('remembers that a login does not exist, briefly', async () => {
		const twitch = client();
		expect(await twitch.getUserByLogin('nobody_here')).toBeNull();
		expect(await twitch.getUserByLogin('nobody_here')).toBeNull();
		expect(fake.stats.byRoute['/helix/users']).toBe(1);
	});

	it('never caches the poller’s stream lookups', async () => {
		const id = fake.addUser({ login: 'alpha' }).id;
		const twitch = client();
		expect(await twitch.getLiveStreams([id])).toHaveLength(0);
		fake.goLive(id);
		expect(await twitch.getLiveStreams([id])).toHaveLength(1);
	});
});

describe('rate limit', () => {
	it('waits for Reset after a 429 and succeeds, without stalling other calls', async () => {
		fake.addUser({ login: 'alpha' });
		fake.addGame({ name: 'Chess' });
		const twitch = client();
		await twitch.tokens.getToken();
		fake.injectFault('/helix/users', { kind: 'rateLimited', resetInSeconds: 2 });
		const order: string[] = [];
		const started = Date.now();
		const user = twitch.getUserByLogin('alpha').then((u) => {
			order.push('users');
			return u;
		});
		// Give the 429 time to arrive, then make an unrelated call.
		await new Promise((resolve) => setTimeout(resolve, 100));
		const games = twitch.getTopGames(1).then((g) => {
			order.push('games');
			return g;
		});
		expect((await games)[0]?.name).toBe('Chess');
		expect((await user)?.login).toBe('alpha');
		expect(order).toEqual(['games', 'users']);
		expect(Date.now() - started).toBeGreaterThanOrEqual(900);
		expect(twitch.metrics.rateLimited).toBe(1);
	});

	it('queues instead of sending into an empty bucket', async () => {
		const logins = Array.from({ length: 500 }, (_, i) => `user_${i}`);
		for (const login of logins) fake.addUser({ login });
		fake.setRateLimit({ limit: 3, remaining: 3, refillPerSecond: 30 });
		const twitch = client({ cache: false });
		const users = await Promise.all(logins.map((login) => twitch.getUsersByLogins([login])));
		expect(users.flat()).toHaveLength(500);
		expect(fake.stats.status429).toBe(0);
	});
});

describe('faults', () => {
	const faults = [
		['500', { kind: 'status', status: 500 }],
		['an HTML 502', { kind: 'html502' }],
		['a dropped connection', { kind: 'drop' }],
		['malformed JSON', { kind: 'malformed' }],
	] as const;

	for (const [name, fault] of faults) {
		it(`retries after ${name} and succeeds`, async () => {
			fake.addUser({ login: 'alpha' });
			const twitch = client();
			fake.injectFault('/helix/users', fault, 2);
			expect((await twitch.getUserByLogin('alpha'))?.login).toBe('alpha');
			expect(fake.stats.byRoute['/helix/users']).toBe(3);
			expect(twitch.metrics.retries).toBe(2);
		});
	}

	it('gives a typed error after a persistent 500', async () => {
		const twitch = client();
		fake.injectFault('/helix/users', { kind: 'status', status: 500 }, 10);
		await expect(twitch.getUserByLogin('alpha')).rejects.toBeInstanceOf(TwitchUnavailableError);
		expect(fake.stats.byRoute['/helix/users']).toBe(3);
	});

	it('gives a typed error after persistent HTML 502 pages', async () => {
		const twitch = client();
		fake.injectFault('/helix/streams', { kind: 'html502' }, 10);
		await expect(twitch.getStreamByLogin('alpha')).rejects.toBeInstanceOf(TwitchUnavailableError);
	});

	it('gives a typed error after timeouts', async () => {
		const twitch = client({ timeoutMs: 200 });
		// Far longer than the timeout: undici's timers are coarse under load, a near miss would let the answer through.
		fake.injectFault('/helix/users', { kind: 'delay', ms: 10_000 }, 10);
		const error = await twitch.getUserByLogin('alpha').catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TwitchUnavailableError);
		expect((error as Error).message).toMatch(/timed out/);
	});

	it('gives a typed error after persistent malformed JSON', async () => {
		const twitch = client();
		fake.injectFault('/helix/users', { kind: 'malformed' }, 10);
		await expect(twitch.getUserByLogin('alpha')).rejects.toBeInstanceOf(TwitchResponseError);
	});

	it('gives a typed error, without retrying, for a response of the wrong shape', async () => {
		const twitch = client();
		fake.injectFault('/helix/users', { kind: 'invalidShape' });
		await expect(twitch.getUserByLogin('alpha')).rejects.toBeInstanceOf(TwitchResponseError);
		expect(fake.stats.byRoute['/helix/users']).toBe(1);
	});

	it('does not retry a 400', async () => {
		const twitch = client();
		fake.injectFault('/helix/users', { kind: 'status', status: 400 });
		await expect(twitch.getUserByLogin('alpha')).rejects.toBeInstanceOf(TwitchApiError);
		expect(fake.stats.byRoute['/helix/users']).toBe(1);
	});
});

describe('malformed list items', () => {
	it('returns 99 of 100 live streams when one has started_at null, and logs and counts the bad one', async () => {
		const ids = Array.from({ length: 100 }, (_, i) => fake.addUser({ login: `caster_${i}` }).id);
		for (const id of ids) fake.goLive(id);
		const bad = ids[42] ?? '';
		fake.injectFault('/helix/streams', {
			kind: 'malformedItem',
			where: { user_id: bad },
			fields: { started_at: null },
		});
		const { logger, lines } = capturingLogger();
		const twitch = client({ logger });

		const streams = await twitch.getLiveStreams(ids);

		expect(streams).toHaveLength(99);
		expect(streams.map((s) => s.userId)).not.toContain(bad);
		expect(twitch.metrics.malformedItems).toBe(1);
		const warning = lines.find((line) => line.level === WARN && /list item/.test(line.msg));
		expect(warning).toMatchObject({ path: '/streams', userId: bad, id: fake.getStream(bad)?.id });
		expect(JSON.stringify(lines)).not.toContain(await twitch.tokens.getToken());
		expect(fake.stats.byRoute['/helix/streams']).toBe(1);
	});

	it('does not return a stream whose type is not live (Twitch sends "" on an error)', async () => {
		const [erring = '', fine = ''] = ['erring', 'fine'].map((login) => fake.addUser({ login }).id);
		fake.goLive(erring);
		fake.goLive(fine);
		fake.updateStream(erring, { type: '' });
		const twitch = client({ cache: false });

		expect((await twitch.getLiveStreams([erring, fine])).map((s) => s.userId)).toEqual([fine]);
		expect(await twitch.getStreamByLogin('erring')).toBeNull();
		expect(twitch.metrics.notLiveStreams).toBe(2);
	});

	it('drops a malformed user or game and keeps the others', async () => {
		const logins = ['alpha', 'beta', 'gamma'];
		for (const login of logins) fake.addUser({ login });
		for (const name of ['Chess', 'Go']) fake.addGame({ name });
		fake.injectFault('/helix/users', { kind: 'malformedItem', where: { login: 'beta' }, fields: { id: 42 } });
		fake.injectFault('/helix/games/top', { kind: 'malformedItem', where: { name: 'Go' }, fields: { name: undefined } });
		const twitch = client();

		expect((await twitch.getUsersByLogins(logins)).map((u) => u.login).sort()).toEqual(['alpha', 'gamma']);
		expect((await twitch.getTopGames(10)).map((g) => g.name)).toEqual(['Chess']);
		expect(twitch.metrics.malformedItems).toBe(2);
	});

	it('still rejects an answer whose data is not a list at all', async () => {
		const twitch = client();
		fake.injectFault('/helix/streams', { kind: 'invalidShape' });
		await expect(twitch.getLiveStreams(['1'])).rejects.toBeInstanceOf(TwitchResponseError);
	});
});

describe('priority lanes', () => {
	it('serves a command before the polling requests queued ahead of it, within one refill step', async () => {
		// A bucket of 5 refilled at 20 points/s: one refill step is 50 ms, and 40 polls need about 2 s.
		fake.setRateLimit({ limit: 5, remaining: 5, refillPerSecond: 20 });
		const ids = Array.from({ length: 40 }, (_, i) => fake.addUser({ login: `caster_${i}` }).id);
		fake.addUser({ login: 'asker' });
		const twitch = client({ cache: false });
		await twitch.getUserByLogin('asker'); // the token, and the bucket's size, are known from here on

		// Settled handlers at once: a failed assertion below must not leave rejections behind when the client closes.
		const polls = Promise.allSettled(ids.map((id) => twitch.getLiveStreams([id])));
		await vi.waitUntil(() => (fake.stats.byRoute['/helix/streams'] ?? 0) >= 6, { timeout: 5_000, interval: 2 });
		const pollsSentBefore = fake.stats.byRoute['/helix/streams'] ?? 0;
		const asked = performance.now();
		expect((await twitch.getUserByLogin('asker'))?.login).toBe('asker');
		const waited = performance.now() - asked;
		const pollsSentBy = fake.stats.byRoute['/helix/streams'] ?? 0;
		expect((await polls).every((poll) => poll.status === 'fulfilled')).toBe(true);

		const routes = fake.requests.map((r) => r.route);
		const command = routes.lastIndexOf('/helix/users');
		const pollsAhead = routes.slice(0, command).filter((route) => route === '/helix/streams').length;
		const pollsBehind = routes.slice(command).filter((route) => route === '/helix/streams').length;
		// Primary: the command overtook the queue; at most the one poll already granted went ahead of it.
		expect(pollsAhead).toBeLessThanOrEqual(pollsSentBefore + 1);
		expect(pollsBehind).toBeGreaterThanOrEqual(25);
		expect(pollsSentBy).toBeLessThanOrEqual(pollsSentBefore + 1);
		// Secondary: within one refill step (50 ms), with room for scheduling on a busy machine.
		expect(waited).toBeLessThan(50 + 250);
		expect(fake.stats.status429).toBe(0);
	});

	it('lets a command ask for the live streams as an interactive request', async () => {
		fake.setRateLimit({ limit: 5, remaining: 5, refillPerSecond: 20 });
		const ids = Array.from({ length: 30 }, (_, i) => fake.addUser({ login: `caster_${i}` }).id);
		const twitch = client({ cache: false });
		await twitch.getLiveStreams(ids.slice(0, 1));

		const polls = Promise.allSettled(ids.map((id) => twitch.getLiveStreams([id])));
		await vi.waitUntil(() => (fake.stats.byRoute['/helix/streams'] ?? 0) >= 6, { timeout: 5_000, interval: 2 });
		fake.resetStats();
		await twitch.getLiveStreams(['1', '2'], { priority: 'interactive' });
		await polls;
		const commandAt = fake.requests.findIndex((r) => r.query.getAll('user_id').length === 2);
		expect(commandAt).toBeGreaterThanOrEqual(0);
		expect(commandAt).toBeLessThanOrEqual(1);
		expect(fake.requests.length).toBeGreaterThan(15);
	});
});

describe('bounded work', () => {
	it('follows no cursor past ceil(ids/100) pages in an id-list stream lookup, and logs the bound', async () => {
		const ids = Array.from({ length: 150 }, (_, i) => fake.addUser({ login: `caster_${i}` }).id);
		for (const id of ids) fake.goLive(id);
		// Twitch misbehaving: a cursor on every page, forever (50 is enough to tell a loop from a bound).
		fake.injectFault('/helix/streams', { kind: 'endlessCursor' }, 50);
		const { logger, lines } = capturingLogger();
		const twitch = client({ logger });

		const streams = await twitch.getLiveStreams(ids);

		expect(streams).toHaveLength(150);
		expect(fake.stats.byRoute['/helix/streams']).toBe(2);
		expect(twitch.metrics.pageLimitHits).toBe(2);
		expect(lines.some((line) => line.level === WARN && line.path === '/streams' && /page/.test(line.msg))).toBe(true);
	});

	it('bounds a login stream lookup to one page too', async () => {
		const id = fake.addUser({ login: 'alpha' }).id;
		fake.goLive(id);
		fake.injectFault('/helix/streams', { kind: 'endlessCursor' }, 50);
		const twitch = client();
		expect((await twitch.getStreamByLogin('alpha'))?.userId).toBe(id);
		expect(fake.stats.byRoute['/helix/streams']).toBe(1);
	});

	it('stops any paginated call at the hard page cap when Twitch always sends a cursor', async () => {
		for (let i = 0; i < 3; i++) fake.addGame({ name: `Game ${i}` });
		fake.injectFault('/helix/games/top', { kind: 'endlessCursor' }, 200);
		const twitch = client();

		const games = await twitch.getTopGames(100_000);

		expect(fake.stats.byRoute['/helix/games/top']).toBe(HELIX_MAX_PAGES);
		expect(new Set(games.map((g) => g.id)).size).toBe(3);
		expect(twitch.metrics.pageLimitHits).toBe(1);
	});

	it('fails with the timeout error when an answer trickles in past the deadline, long before it ends', async () => {
		fake.addUser({ login: 'alpha' });
		const twitch = client({ timeoutMs: 300, attempts: 2 });
		await twitch.tokens.getToken();
		// A byte every few ms: an idle (between-bytes) timeout never fires; the whole answer would take 5 s.
		fake.injectFault('/helix/users', { kind: 'trickle', ms: 5_000 }, 10);
		const started = performance.now();

		const error = await twitch.getUserByLogin('alpha').catch((e: unknown) => e);

		expect(error).toBeInstanceOf(TwitchUnavailableError);
		expect((error as Error).message).toMatch(/timed out/);
		expect(performance.now() - started).toBeLessThan(2_000);
		expect(fake.stats.byRoute['/helix/users']).toBe(2);
	});

	it('fails a token mint with the timeout error when its answer trickles in past the deadline', async () => {
		const twitch = client({ timeoutMs: 300, retryBaseMs: 1 });
		fake.injectFault('/oauth2/token', { kind: 'trickle', ms: 5_000 }, 10);
		const started = performance.now();

		const error = await twitch.tokens.getToken().catch((e: unknown) => e);

		expect(error).toBeInstanceOf(TwitchUnavailableError);
		expect((error as Error).message).toMatch(/timed out/);
		expect(performance.now() - started).toBeLessThan(2_500);
	});
});

describe('endpoints', () => {
	it('parses every endpoint into camelCase domain objects', async () => {
		const user = fake.addUser({ login: 'alpha', display_name: 'Alpha', description: 'hi' });
		const game = fake.addGame({ name: 'Chess' });
		const stream = fake.goLive(user.id, { title: 'Opening prep', game_id: game.id, game_name: 'Chess' });
		fake.addClip({ broadcaster_id: user.id, title: 'Mate in one' });
		fake.endStream(user.id);
		fake.goLive(user.id, { title: 'Again', game_id: game.id, game_name: 'Chess' });
		const twitch = client();

		expect(await twitch.getUserByLogin('alpha')).toMatchObject({
			id: user.id,
			displayName: 'Alpha',
			description: 'hi',
		});
		expect(await twitch.getStreamByLogin('alpha')).toMatchObject({
			userId: user.id,
			title: 'Again',
			gameName: 'Chess',
		});
		expect(await twitch.getTopStreams({ gameId: game.id }, 5)).toHaveLength(1);
		expect(await twitch.getGameByName('chess')).toMatchObject({ id: game.id, name: 'Chess' });
		expect(await twitch.getGamesByIds([game.id])).toHaveLength(1);
		expect((await twitch.searchChannels('alp'))[0]).toMatchObject({ login: 'alpha', isLive: true });
		expect((await twitch.getTopClips(user.id, 'all'))[0]).toMatchObject({ title: 'Mate in one' });
		const archive = await twitch.getArchiveForStream(user.id, stream.id);
		expect(archive?.streamId).toBe(stream.id);
		expect((await twitch.getChannels([user.id]))[0]).toMatchObject({ broadcasterLogin: 'alpha' });
	});
});
