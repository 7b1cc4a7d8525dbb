import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ApiClient } from '@twurple/api';
import { AppTokenAuthProvider } from '@twurple/auth';
import { Pool } from 'undici';
import { createSilentLogger } from '../src/logger.ts';
import { TwitchClient } from '../src/twitch/client.ts';
import type { FakeTwitch } from '../test/fakes/twitch/index.ts';

/** One scenario run by one client: the median of the timed rounds. */
export interface HelixBenchRow {
	scenario: string;
	client: string;
	requests: number;
	wallMs: number;
	/** What the workload found (live streams, users): shows whether a client missed anything. */
	found: number;
	/** Fastest and slowest of the timed runs (`wallMs` is their median). */
	minMs?: number;
	maxMs?: number;
}

interface Workload {
	name: string;
	ours(client: TwitchClient): Promise<number>;
	twurple(api: ApiClient): Promise<number>;
	floor(http: BareHelix): Promise<number>;
}

/** The floor: a bare undici loop making the same HTTP calls with a token minted beforehand, no parsing layer. */
class BareHelix {
	private readonly pool: Pool;
	private readonly fake: FakeTwitch;
	private token = '';
	constructor(fake: FakeTwitch) {
		this.fake = fake;
		this.pool = new Pool(fake.origin, { connections: 16 });
	}
	async mint(): Promise<void> {
		const response = await this.pool.request({
			method: 'POST',
			path: '/oauth2/token',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: `client_id=${this.fake.clientId}&client_secret=${this.fake.clientSecret}&grant_type=client_credentials`,
		});
		this.token = ((await response.body.json()) as { access_token: string }).access_token;
	}
	async get(path: string, query: URLSearchParams): Promise<Array<Record<string, unknown>>> {
		const response = await this.pool.request({
			method: 'GET',
			path: `/helix${path}?${query}`,
			headers: { authorization: `Bearer ${this.token}`, 'client-id': this.fake.clientId },
		});
		const body = JSON.parse(await response.body.text()) as { data: Array<Record<string, unknown>> };
		return body.data;
	}
	close(): Promise<void> {
		return this.pool.close();
	}
}

function chunks<T>(items: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}

function workloads(logins: string[]): Workload[] {
	const lookups = logins.slice(0, 1000);
	const userLogin = logins[0] ?? 'bench_0';
	return [
		{
			name: '(a) 10,000 logins → live streams',
			ours: async (client) => (await client.getStreamsByLogins(logins)).length,
			// twurple's batched lookup is its best path for many logins (it groups them into requests of 100).
			twurple: async (api) =>
				(await Promise.all(logins.map((login) => api.streams.getStreamByUserNameBatched(login)))).filter(Boolean)
					.length,
			floor: async (http) =>
				(
					await Promise.all(
						chunks(logins, 100).map((part) => {
							const query = new URLSearchParams({ first: '100' });
							for (const login of part) query.append('user_login', login);
							return http.get('/streams', query);
						}),
					)
				).flat().length,
		},
		{
			name: '(b) 1,000 concurrent single-user lookups',
			ours: async (client) =>
				(await Promise.all(lookups.map((login) => client.getUserByLogin(login)))).filter(Boolean).length,
			twurple: async (api) =>
				(await Promise.all(lookups.map((login) => api.users.getUserByNameBatched(login)))).filter(Boolean).length,
			floor: async (http) =>
				(
					await Promise.all(
						chunks(lookups, 100).map((part) => {
							const query = new URLSearchParams();
							for (const login of part) query.append('login', login);
							return http.get('/users', query);
						}),
					)
				).flat().length,
		},
		{
			name: '(c) 200 /user commands repeated',
			// What /user reads: the profile, then whether the channel is live.
			ours: async (client) => {
				let found = 0;
				for (let i = 0; i < 200; i++) {
					const user = await client.getUserByLogin(userLogin);
					if (user) {
						await client.getStreamByUserId(user.id);
						found++;
					}
				}
				return found;
			},
			twurple: async (api) => {
				let found = 0;
				for (let i = 0; i < 200; i++) {
					const user = await api.users.getUserByName(userLogin);
					if (user) {
						await api.streams.getStreamByUserId(user.id);
						found++;
					}
				}
				return found;
			},
			floor: async (http) => {
				let found = 0;
				for (let i = 0; i < 200; i++) {
					const [user] = await http.get('/users', new URLSearchParams({ login: userLogin }));
					if (user) {
						await http.get('/streams', new URLSearchParams({ user_id: String(user.id), first: '100' }));
						found++;
					}
				}
				return found;
			},
		},
	];
}

/** The contenders, in the order of the first round; later rounds rotate it. */
const CONTENDERS = ['bare undici (floor)', 'ours', '@twurple/api'] as const;
type Contender = (typeof CONTENDERS)[number];

/** Timed rounds: 9 puts each contender in each position (first, middle, last) three times. */
export const HELIX_BENCH_ROUNDS = 9;

/**
 * Runs the Helix workloads against the fake: our client, @twurple/api and the bare floor. First one untimed run of
 * every scenario by every contender (the JIT compiles each one's hot paths, the fake's too), then `rounds` timed
 * rounds in which the order of the contenders rotates, so that none is always first (cold) or always last (paying
 * for the garbage of the others). Every run, warm-up included, uses a fresh client (empty cache, new connection
 * pool) that has made one Helix request before the clock starts (see `prepare`), a refilled bucket, and starts after
 * a full garbage collection.
 *
 * Prints the order of every round and each contender's runs; returns one row per scenario and contender whose
 * `wallMs` is the median of the timed runs.
 */
export async function benchHelix(
	fake: FakeTwitch,
	logins: string[],
	rounds = HELIX_BENCH_ROUNDS,
): Promise<HelixBenchRow[]> {
	// twurple reaches a local server only through its Twitch-CLI mock support: localhost:PORT/mock and /auth.
	process.env.TWURPLE_MOCK_API_PORT = new URL(fake.origin).port;
	const collectGarbage = exposeGc();
	const scenarios = workloads(logins);

	const once = async (workload: Workload, contender: Contender): Promise<TimedRun> => {
		collectGarbage();
		fake.setRateLimit({ remaining: 800 });
		const prepared = await prepare(fake, workload, contender);
		const before = helixRequests(fake);
		const started = performance.now();
		const found = await prepared.run();
		const wallMs = performance.now() - started;
		const requests = helixRequests(fake) - before;
		await prepared.close();
		return { requests, wallMs, found };
	};

	for (const workload of scenarios) for (const contender of CONTENDERS) await once(workload, contender);
	console.log('Warm-up: one untimed run of every scenario by every client, in the order of round 1.');

	const runs = new Map(scenarios.map((workload) => [workload, new Map<Contender, TimedRun[]>()]));
	for (let round = 0; round < rounds; round++) {
		const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length] as Contender);
		console.log(`Round ${round + 1}: ${order.join(' → ')} (in every scenario)`);
		for (const workload of scenarios) {
			const byContender = runs.get(workload);
			for (const contender of order) {
				const run = await once(workload, contender);
				byContender?.set(contender, [...(byContender.get(contender) ?? []), run]);
			}
		}
	}

	const rows: HelixBenchRow[] = [];
	const lines = ['| scenario | client | median | min–max | each round |', '|---|---|---|---|---|'];
	for (const workload of scenarios) {
		for (const contender of CONTENDERS) {
			const list = runs.get(workload)?.get(contender) ?? [];
			const sorted = list.map((run) => run.wallMs).sort((a, b) => a - b);
			const row: HelixBenchRow = {
				scenario: workload.name,
				client: contender,
				requests: list.at(-1)?.requests ?? 0,
				wallMs: median(sorted),
				found: list.at(-1)?.found ?? 0,
				minMs: sorted[0] ?? Number.NaN,
				maxMs: sorted.at(-1) ?? Number.NaN,
			};
			rows.push(row);
			// Requests and finds do not depend on timing: if they varied between rounds, that is a finding of its own.
			const varied = new Set(list.map((run) => `${run.requests} requests, found ${run.found}`));
			lines.push(
				`| ${row.scenario} | ${row.client} | ${row.wallMs.toFixed(1)} ms | ${row.minMs?.toFixed(1)}–${row.maxMs?.toFixed(1)} ms | ${list.map((run) => run.wallMs.toFixed(0)).join(' ')} |${varied.size > 1 ? ` varied: ${[...varied].join('; ')}` : ''}`,
			);
		}
	}
	console.log(`\nWall time of each timed run (ms, rounds 1–${rounds}), median and spread:\n\n${lines.join('\n')}\n`);
	return rows;
}

interface TimedRun {
	requests: number;
	wallMs: number;
	found: number;
}

interface PreparedRun {
	run(): Promise<number>;
	close(): Promise<void>;
}

/**
 * A fresh client of this contender that has made one Helix request (a lookup of user id 0, which matches no one):
 * its token is minted and a connection open, and ours knows the bucket's size. The same for every contender:
 * twurple mints its token only on a first request, and ours sends its very first request alone, until the
 * Ratelimit headers say how big the bucket is (a cost paid once in the life of a process, not per lookup). The clock
 * then measures the workload alone.
 */
async function prepare(fake: FakeTwitch, workload: Workload, contender: Contender): Promise<PreparedRun> {
	switch (contender) {
		case 'bare undici (floor)': {
			const http = new BareHelix(fake);
			await http.mint();
			await http.get('/users', new URLSearchParams({ id: '0' }));
			return { run: () => workload.floor(http), close: () => http.close() };
		}
		case 'ours': {
			const ours = new TwitchClient({
				clientId: fake.clientId,
				clientSecret: fake.clientSecret,
				apiUrl: fake.helixUrl,
				authUrl: fake.authUrl,
				logger: createSilentLogger(),
			});
			await ours.getUserById('0');
			return { run: () => workload.ours(ours), close: () => ours.close() };
		}
		case '@twurple/api': {
			const api = new ApiClient({
				authProvider: new AppTokenAuthProvider(fake.clientId, fake.clientSecret),
				batchDelay: 1,
			});
			await api.users.getUserById('0').catch(() => null);
			return { run: () => workload.twurple(api), close: async () => {} };
		}
	}
}

/**
 * A full garbage collection between runs, so that no run pays for the garbage of the one before. `--expose-gc` can
 * be switched on at run time; the function itself then lives only in a fresh context.
 */
function exposeGc(): () => void {
	if (typeof globalThis.gc === 'function') return globalThis.gc;
	setFlagsFromString('--expose-gc');
	return runInNewContext('gc') as () => void;
}

function median(sorted: readonly number[]): number {
	if (sorted.length === 0) return Number.NaN;
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1
		? (sorted[middle] ?? Number.NaN)
		: ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

function helixRequests(fake: FakeTwitch): number {
	return Object.entries(fake.stats.byRoute)
		.filter(([route]) => route.startsWith('/helix') || route.startsWith('/mock'))
		.reduce((sum, [, count]) => sum + count, 0);
}
