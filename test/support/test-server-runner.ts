import { inject, type RunnerTestSuite, TestRunner } from 'vitest';
import { isCiRun, missingServerNote, type RunningTestServers, type TestServer } from './test-servers.ts';

declare module 'vitest' {
	export interface ProvidedContext {
		/** What the global setup's probe found running (test-servers-setup.ts). */
		runningTestServers: RunningTestServers;
	}
}

/** Thrown where a missing server stops a beforeAll hook: the runner below skips that suite instead of failing it. */
export class TestServerMissing extends Error {
	override readonly name = 'TestServerMissing';
}

/**
 * Whether the tests may use Redis or PostgreSQL at the test URLs: the global setup found it listening, or this is
 * a CI run, where the tests use it whatever the probe said (and fail without it).
 */
export function isTestServerUsable(server: 'redis' | 'postgres'): boolean {
	return isCiRun() || inject('runningTestServers')[server];
}

/**
 * Skips what is running because `server` is missing: the current test (from the test or its beforeEach), or the
 * suite whose beforeAll calls this. The note names the server; the global setup's teardown counts the notes.
 * Callers decide first that this is not a CI run.
 */
export function skipForMissingServer(server: TestServer): never {
	const note = missingServerNote(server);
	const test = TestRunner.getCurrentTest();
	if (test) test.context.skip(note);
	throw new TestServerMissing(note);
}

/**
 * vitest's runner, plus one thing: vitest can skip a test at run time (`context.skip`) but not a suite, so a
 * suite whose beforeAll failed first with TestServerMissing is reported skipped with that note (its tests were
 * marked skipped already) instead of failed. Later errors, an afterAll tripping over what the beforeAll never
 * made, follow from the missing server and go with it.
 */
export default class TestServerRunner extends TestRunner {
	override async onAfterRunSuite(suite: RunnerTestSuite): Promise<void> {
		const result = suite.result;
		const [first] = result?.errors ?? [];
		if (result && first?.name === 'TestServerMissing') {
			delete result.errors;
			// `note` is what ctx.skip(note) sets on a test's result; vitest's types declare it for tests only.
			Object.assign(result, { state: 'skip', note: first.message });
		}
		await super.onAfterRunSuite(suite);
	}
}
