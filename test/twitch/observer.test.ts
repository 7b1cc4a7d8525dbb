import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TwitchClient } from '../../src/twitch/client.ts';
import type { HelixObserver } from '../../src/twitch/metrics.ts';
import { type FakeTwitch, startFakeTwitch } from '../fakes/twitch/index.ts';
import { capturingLogger, clientFor, WARN } from './helpers.ts';

type Seen =
	| { kind: 'request'; endpoint: string; status: number | 'network' | 'timeout'; durationSeconds: number }
	| { kind: 'rateLimit'; remaining: number; limit: number };

/** An observer that writes down what it is told, in order. */
function recordingObserver(): { observer: HelixObserver; seen: Seen[]; requests: () => string[] } {
	const seen: Seen[] = [];
	return {
		observer: {
			request: (endpoint, status, durationSeconds) => seen.push({ kind: 'request', endpoint, status, durationSeconds }),
			rateLimit: (remaining, limit) => seen.push({ kind: 'rateLimit', remaining, limit }),
		},
		seen,
		requests: () => seen.flatMap((event) => (event.kind === 'request' ? [`${event.endpoint} ${event.status}`] : [])),
	};
}

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

describe('Helix observer', () => {
	it('hears each attempt by route and status, with its duration, and the bucket of each Helix answer', async () => {
		fake.addUser({ login: 'alpha' });
		for (const name of ['Chess', 'Go']) fake.addGame({ name });
		const { observer, seen, requests } = recordingObserver();
		const twitch = client({ observer });

		await twitch.getUserByLogin('alpha');
		await twitch.getTopGames(10);
		await twitch.validateToken();

		expect(requests()).toEqual(['oauth2/token 200', 'users 200', 'games/top 200', 'oauth2/validate 200']);
		for (const event of seen) {
			if (event.kind === 'request') expect(event.durationSeconds).toBeGreaterThanOrEqual(0);
			if (event.kind === 'request') expect(event.durationSeconds).toBeLessThan(5);
		}
		// Every Helix answer carries the Ratelimit headers; the auth server's do not.
		const buckets = seen.filter((event) => event.kind === 'rateLimit');
		expect(buckets).toHaveLength(2);
		expect(buckets[0]).toEqual({ kind: 'rateLimit', remaining: expect.any(Number), limit: 800 });
		expect(seen.indexOf(buckets[0] as Seen)).toBe(2);
	});

	it('hears a 401, the mint it causes and the retry, in that order', async () => {
		fake.addUser({ login: 'alpha' });
		const { observer, requests } = recordingObserver();
		const twitch = client({ observer });
		await twitch.getUserByLogin('alpha');
		fake.revokeAllTokens();
		fake.addUser({ login: 'beta' });

		expect((await twitch.getUserByLogin('beta'))?.login).toBe('beta');

		expect(requests()).toEqual(['oauth2/token 200', 'users 200', 'users 401', 'oauth2/token 200', 'users 200']);
	});

	it('names an attempt without an answer network or timeout, and hears each retry', async () => {
		fake.addUser({ login: 'alpha' });
		const { observer, requests } = recordingObserver();
		const twitch = client({ observer, timeoutMs: 200 });
		await twitch.tokens.getToken();
		fake.injectFault('/helix/users', { kind: 'drop' });
		fake.injectFault('/helix/streams', { kind: 'delay', ms: 10_000 });
		fake.injectFault('/helix/games/top', { kind: 'status', status: 500 });

		await twitch.getUserByLogin('alpha');
		await twitch.getStreamByLogin('alpha');
		await twitch.getTopGames(1);

		expect(requests()).toEqual([
			'oauth2/token 200',
			'users network',
			'users 200',
			'streams timeout',
			'streams 200',
			'games/top 500',
			'games/top 200',
		]);
	});

	it('a throwing observer costs a warning, once, and no request', async () => {
		fake.addUser({ login: 'alpha' });
		const { logger, lines } = capturingLogger();
		const throwing: HelixObserver = {
			request: () => {
				throw new Error('metrics bug');
			},
			rateLimit: () => {
				throw new Error('metrics bug');
			},
		};
		const twitch = client({ observer: throwing, logger });

		expect((await twitch.getUserByLogin('alpha'))?.login).toBe('alpha');
		expect(await twitch.getStreamByLogin('alpha')).toBeNull();

		expect(lines.filter((line) => line.level === WARN && /observer/.test(line.msg))).toHaveLength(1);
	});
});
