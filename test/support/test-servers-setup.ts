import type { RunnerTask } from 'vitest';
import type { TestProject } from 'vitest/node';
import { missingServerNote, probeTestServers, skippedTestsLine, type TestServer } from './test-servers.ts';

const SERVERS: TestServer[] = ['redis', 'postgres', 'redis-install', 'postgres-install'];

/**
 * vitest's global setup: probes Redis and PostgreSQL at the test URLs once for the whole run (test workers read
 * the result with inject), and at the end prints one line counting the tests skipped for a missing server.
 */
export default async function setup(project: TestProject): Promise<() => void> {
	project.provide('runningTestServers', await probeTestServers());
	return () => {
		const line = skippedTestsLine(countSkippedByServer(project.vitest.state.getFiles()));
		if (line) console.log(`\n${line}\n`);
	};
}

/** Skipped tests whose note (their own, or a suite's above them) names a missing server, by server. */
function countSkippedByServer(files: readonly RunnerTask[]): Map<TestServer, number> {
	const serverByNote = new Map(SERVERS.map((server) => [missingServerNote(server), server]));
	const counts = new Map<TestServer, number>();
	const visit = (task: RunnerTask, inheritedNote: string | undefined) => {
		// The note of ctx.skip(note), or of a suite the runner skipped (test-server-runner.ts).
		const note = (task.result as { note?: string } | undefined)?.note ?? inheritedNote;
		if (task.type === 'suite') {
			for (const child of task.tasks) visit(child, note);
			return;
		}
		const server = note === undefined ? undefined : serverByNote.get(note);
		if (task.result?.state === 'skip' && server) counts.set(server, (counts.get(server) ?? 0) + 1);
	};
	for (const file of files) visit(file, undefined);
	return counts;
}
