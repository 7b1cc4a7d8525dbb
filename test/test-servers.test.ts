import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from './store/throwaway-servers.ts';

const projectFolder = fileURLToPath(new URL('..', import.meta.url));
const vitestCli = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));

/** Runs vitest on `args` in a child, as a developer would, with this run's own VITEST_* and CI settings left out. */
function runVitest(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
	const inherited = Object.fromEntries(
		Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && !['CI', 'FORCE_COLOR'].includes(name)),
	);
	return new Promise((resolve) => {
		execFile(
			process.execPath,
			[vitestCli, 'run', ...args],
			{ cwd: projectFolder, env: { ...inherited, NO_COLOR: '1', ...env }, timeout: 120_000 },
			(error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
		);
	});
}

/** The line at the end of a run; it names PostgreSQL too when that is missing on this machine. */
const SKIP_LINE = /^.*tests? skipped — .*\. CI=true runs them, and fails without them\.$/gm;
const REDIS_PART =
	/Redis at 127\.0\.0\.1:(\d+) is not running: (\d+) tests skipped — start it \(redis-server\) or set TEST_REDIS_URL[;.]/;

describe('tests skipped outside CI without servers and failing under CI', () => {
	it('skips the Redis cases of a store test file with one line saying how to run them, and fails them under CI=true', async () => {
		const closed = await freePort();
		const storeTests = ['test/store/guild-settings-repository.test.ts'];
		const env = { TEST_REDIS_URL: `redis://127.0.0.1:${closed}` };

		const local = await runVitest(storeTests, env);
		expect(local.code).toBe(0);
		const lines = local.output.match(SKIP_LINE) ?? [];
		expect(lines).toHaveLength(1);
		const redis = REDIS_PART.exec(lines[0] ?? '');
		expect(redis?.[1]).toBe(String(closed));
		expect(Number(redis?.[2])).toBeGreaterThan(0);
		// Every test the line counts is one vitest reports skipped, and the other way round.
		const counted = [...(lines[0] ?? '').matchAll(/(\d+) tests? skipped/g)].reduce((sum, [, n]) => sum + Number(n), 0);
		expect(local.output).toMatch(new RegExp(`Tests +\\d+ passed \\| ${counted} skipped`));

		// --bail: one failure says enough, and each costs the store's 5 s connection deadline.
		const ci = await runVitest([...storeTests, '--bail=1'], { ...env, CI: 'true' });
		expect(ci.code).toBe(1);
		expect(ci.output).toMatch(/Tests +1 failed/);
		expect(ci.output).not.toMatch(SKIP_LINE);
	}, 120_000);

	it('skips the tests that start servers of their own when redis-server or PostgreSQL is not installed', async () => {
		const outside = await runVitest(['test/store/store-restart.test.ts'], {
			// Node's own folder alone: no redis-server on the PATH.
			PATH: dirname(process.execPath),
			TEST_POSTGRES_BIN: '/nonexistent',
		});
		expect(outside.code).toBe(0);
		expect(outside.output).toMatch(
			/^the PostgreSQL server \(initdb, pg_ctl\) is not installed: 2 tests skipped — install the postgresql package; redis-server is not installed: 3 tests skipped — install the redis-server package\. CI=true runs them, and fails without them\.$/m,
		);
		expect(outside.output).not.toMatch(/\bfailed\b/);

		const ci = await runVitest(['test/store/store-restart.test.ts', '-t', 'a Redis store', '--bail=1'], {
			PATH: dirname(process.execPath),
			CI: 'true',
		});
		expect(ci.code).toBe(1);
		expect(ci.output).toContain('redis-server is not installed (PATH): install the Debian package redis-server');
	}, 120_000);
});
