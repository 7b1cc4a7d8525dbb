import { ApiClient } from '@twurple/api';
import { AppTokenAuthProvider } from '@twurple/auth';
import { Pool } from 'undici';
import { createSilentLogger } from '../src/logger.ts';
import { TwitchClient } from '../src/twitch/client.ts';
import type { FakeTwitch } from '../test/fakes/twitch/index.ts';

/** One measured run of one scenario by one client. */
export interface HelixBenchRow {
	scenario: string;
	client: string;
	requests: number;
	wallMs: number;
	/** What the workload found (live streams, users): shows whether a client missed anything. */
	found: number;
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

/**
 * Runs the Helix workloads against the fake: our client, @twurple/api and the bare floor, each fresh (cold token,
 * empty cache) on the same server, with the bucket refilled before each run so that no client pays for another.
 */
export async function benchHelix(fake: FakeTwitch, logins: string[]): Promise<HelixBenchRow[]> {
	const rows: HelixBenchRow[] = [];
	// twurple reaches a local server only through its Twitch-CLI mock support: localhost:PORT/mock and /auth.
	process.env.TWURPLE_MOCK_API_PORT = new URL(fake.origin).port;
	for (const workload of workloads(logins)) {
		const measure = async (client: string, run: () => Promise<number>, prepare?: () => Promise<void>) => {
			fake.setRateLimit({ remaining: 800 });
			await prepare?.();
			const before = helixRequests(fake);
			const started = performance.now();
			const found = await run();
			rows.push({
				scenario: workload.name,
				client,
				requests: helixRequests(fake) - before,
				wallMs: performance.now() - started,
				found,
			});
		};
		const http = new BareHelix(fake);
		await measure(
			'bare undici (floor)',
			() => workload.floor(http),
			() => http.mint(),
		);
		await http.close();

		const ours = new TwitchClient({
			clientId: fake.clientId,
			clientSecret: fake.clientSecret,
			apiUrl: fake.helixUrl,
			authUrl: fake.authUrl,
			logger: createSilentLogger(),
		});
		await measure(
			'ours',
			() => workload.ours(ours),
			async () => {
				await ours.tokens.getToken();
			},
		);
		await ours.close();

		const api = new ApiClient({
			authProvider: new AppTokenAuthProvider(fake.clientId, fake.clientSecret),
			batchDelay: 1,
		});
		await measure(
			'@twurple/api',
			() => workload.twurple(api),
			async () => {
				await api.users.getUserById('0').catch(() => null);
			},
		);
	}
	return rows;
}

function helixRequests(fake: FakeTwitch): number {
	return Object.entries(fake.stats.byRoute)
		.filter(([route]) => route.startsWith('/helix') || route.startsWith('/mock'))
		.reduce((sum, [, count]) => sum + count, 0);
}
