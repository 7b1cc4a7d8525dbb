import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts'],
		testTimeout: 20_000,
		hookTimeout: 20_000,
		// Store tests share the real Redis and PostgreSQL servers; files run in parallel workers, so each test
		// file uses its own namespace.
		pool: 'forks',
	},
});
