import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts'],
		testTimeout: 20_000,
		hookTimeout: 20_000,
		// Store tests share the real Redis and PostgreSQL servers; files run in parallel workers, so each test
		// file uses its own namespace.
		pool: 'forks',
		// Redis and PostgreSQL are probed once; outside CI the tests that need a missing one are skipped, and counted
		// in one line at the end (test/support/test-servers.ts).
		globalSetup: ['test/support/test-servers-setup.ts'],
		runner: './test/support/test-server-runner.ts',
	},
});
