import { connect } from 'node:net';

/**
 * The servers some tests need besides the fakes: Redis and PostgreSQL already running (the store tests, on
 * TEST_REDIS_URL and TEST_POSTGRES_URL), and the two installed, for the tests that start, stop and freeze servers of
 * their own (test/store/throwaway-servers.ts). Outside CI a test whose server is missing is skipped and counted
 * in one line at the end of the run (test-servers-setup.ts); under CI=true it runs, and fails.
 * Plain Node: the global setup (vitest's main process) and the test workers both read it.
 */

/** Redis and PostgreSQL running at the test URLs; their programs installed. */
export type TestServer = 'redis' | 'postgres' | 'redis-install' | 'postgres-install';

/** The store tests' servers; PostgreSQL trusts local connections (.ci/run starts both). */
export function testServerUrls(env: NodeJS.ProcessEnv = process.env): { redis: string; postgres: string } {
	return {
		redis: env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
		postgres: env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
	};
}

/** Whether this is a CI run (CI=true, as GitHub Actions and most CI services set): missing servers fail tests. */
export function isCiRun(env: NodeJS.ProcessEnv = process.env): boolean {
	const value = env.CI?.trim().toLowerCase();
	return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** host:port of a redis:// or postgres:// URL, with the default port of its scheme. */
export function addressOf(url: string): { host: string; port: number } {
	const parsed = new URL(url);
	const defaultPort = parsed.protocol.startsWith('redis') ? 6379 : 5432;
	return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || defaultPort) };
}

/** Whether something accepts TCP connections at `url`'s host and port within `timeoutMs`. */
export function isListening(url: string, timeoutMs = 1_000): Promise<boolean> {
	const { host, port } = addressOf(url);
	return new Promise((resolve) => {
		const socket = connect({ host, port });
		const settle = (listening: boolean) => {
			socket.destroy();
			resolve(listening);
		};
		socket.setTimeout(timeoutMs, () => settle(false));
		socket.once('connect', () => settle(true));
		socket.once('error', () => settle(false));
	});
}

/** Which of the running servers answer, found once per run by the global setup. */
export interface RunningTestServers {
	redis: boolean;
	postgres: boolean;
}

export async function probeTestServers(env: NodeJS.ProcessEnv = process.env): Promise<RunningTestServers> {
	const urls = testServerUrls(env);
	const [redis, postgres] = await Promise.all([isListening(urls.redis), isListening(urls.postgres)]);
	return { redis, postgres };
}

const hostPort = (url: string) => {
	const { host, port } = addressOf(url);
	return `${host}:${port}`;
};

/** Why a test was skipped: its skip note, counted by the line at the end of the run. */
export function missingServerNote(server: TestServer, env: NodeJS.ProcessEnv = process.env): string {
	const urls = testServerUrls(env);
	switch (server) {
		case 'redis':
			return `Redis at ${hostPort(urls.redis)} is not running`;
		case 'postgres':
			return `PostgreSQL at ${hostPort(urls.postgres)} is not running`;
		case 'redis-install':
			return 'redis-server is not installed';
		case 'postgres-install':
			return 'the PostgreSQL server (initdb, pg_ctl) is not installed';
	}
}

/** What to do about each missing server, after its count. */
const REMEDIES: Record<TestServer, string> = {
	redis: 'start it (redis-server) or set TEST_REDIS_URL',
	postgres: 'start it (trust auth, a database named test) or set TEST_POSTGRES_URL',
	'redis-install': 'install the redis-server package',
	'postgres-install': 'install the postgresql package',
};

/**
 * The one line printed at the end of a run that skipped tests for missing servers, e.g. "Redis at
 * 127.0.0.1:6379 is not running: 40 tests skipped — start it (redis-server) or set TEST_REDIS_URL. CI=true runs
 * them, and fails without them." Undefined when none was skipped.
 */
export function skippedTestsLine(skippedBy: ReadonlyMap<TestServer, number>, env = process.env): string | undefined {
	const parts = [...skippedBy]
		.filter(([, count]) => count > 0)
		.map(
			([server, count]) =>
				`${missingServerNote(server, env)}: ${count} test${count === 1 ? '' : 's'} skipped — ${REMEDIES[server]}`,
		);
	return parts.length === 0 ? undefined : `${parts.join('; ')}. CI=true runs them, and fails without them.`;
}
