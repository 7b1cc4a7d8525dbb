// The bot's side of the notifier benchmark (it opens the store the parent seeded, loads it and polls), in a process of its own so that its RSS and CPU are the notifier's
// alone (the fakes run in the parent). Driven over IPC by bench/notifier.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { REST } from '@discordjs/rest';
import { systemClock } from '../src/clock.ts';
import { createSilentLogger } from '../src/logger.ts';
import { notifierRestOptions } from '../src/notify/discord-messages.ts';
import { createNotifier } from '../src/notify/notifier.ts';
import { openStore } from '../src/store/keyv.ts';
import { openRepositories } from '../src/store/repositories.ts';
import { TwitchClient } from '../src/twitch/client.ts';
import { announcementRenderer } from '../src/views/announcement.ts';

export interface WorkerSetup {
	storageUrl: string;
	twitch: { helixUrl: string; authUrl: string; clientId: string; clientSecret: string };
	discord: { apiUrl: string; token: string };
}

/** The process's memory at one moment (MB). */
export interface MemorySample {
	rssMb: number;
	heapUsedMb: number;
}

export type WorkerReply =
	| {
			kind: 'ready';
			startMs: number;
			/** With the modules loaded, before any data (ES imports are evaluated before this file's body). */
			modules: MemorySample;
			/** With the watches and states loaded and the token minted. */
			loaded: MemorySample;
	  }
	| { kind: 'cycle'; wallMs: number; cpuMs: number; after: MemorySample }
	| { kind: 'report'; peakRssMb: number; peakHeapUsedMb: number; after: MemorySample };

const MB = 1024 * 1024;
const sample = (): MemorySample => {
	const usage = process.memoryUsage();
	return { rssMb: usage.rss / MB, heapUsedMb: usage.heapUsed / MB };
};
const modules = sample();

/** The kernel's figures of this process (/proc/self/status), where there is a /proc (Linux). */
const procStatus = (): string | undefined => {
	try {
		return readFileSync('/proc/self/status', 'utf8');
	} catch {
		return undefined;
	}
};

/**
 * The kernel's high-water mark of this process's resident set (VmHWM), which no sampling interval can miss; where
 * there is no /proc, the highest of the samples taken every 10 ms.
 */
const kernelPeakRssMb = (): number | undefined => {
	const match = /^VmHWM:\s+(\d+) kB$/m.exec(procStatus() ?? '');
	return match ? Number(match[1]) / 1024 : undefined;
};

/** BENCH_DEBUG: where the RSS is at the end (V8's spaces, used/committed; the rest by kind of mapping). */
const memoryBreakdown = () => {
	const usage = process.memoryUsage();
	const spaces = Object.fromEntries(
		getHeapSpaceStatistics().map((space) => [
			space.space_name,
			`${(space.space_used_size / MB).toFixed(1)}/${(space.physical_space_size / MB).toFixed(1)}`,
		]),
	);
	return {
		rss: usage.rss / MB,
		heapTotal: usage.heapTotal / MB,
		heapUsed: usage.heapUsed / MB,
		external: usage.external / MB,
		arrayBuffers: usage.arrayBuffers / MB,
		spacesUsedPerCommitted: spaces,
		kernel: (procStatus() ?? '')
			.split('\n')
			.filter((line) => /^(VmRSS|VmHWM|RssAnon|RssFile)/.test(line))
			.join(', '),
	};
};

const setup = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as WorkerSetup;
let peakRss = modules.rssMb;
let peakHeapUsed = modules.heapUsedMb;
const sampler = setInterval(() => {
	const now = sample();
	peakRss = Math.max(peakRss, now.rssMb);
	peakHeapUsed = Math.max(peakHeapUsed, now.heapUsedMb);
}, 10);
const send = (reply: WorkerReply) => process.send?.(reply);

const startStarted = performance.now();
const store = await openStore(setup.storageUrl);
const logger = createSilentLogger();
const repositories = await openRepositories(store, logger);
const twitch = new TwitchClient({
	...setup.twitch,
	apiUrl: setup.twitch.helixUrl,
	authUrl: setup.twitch.authUrl,
	logger,
});
// The REST options the bot uses (src/bot.ts), with Discord's 50 requests/s lifted against the fake so that the figures
// measure the notifier, not that limit.
const rest = new REST({ ...notifierRestOptions(setup.discord.apiUrl), globalRequestsPerSecond: 1_000_000 }).setToken(
	setup.discord.token,
);
const notifier = createNotifier({
	twitch,
	repositories,
	rest,
	renderer: announcementRenderer,
	logger,
	clock: systemClock,
	config: { pollIntervalSeconds: 60 },
});
await notifier.prepare();
await twitch.tokens.getToken();
const loaded = sample();
const startMs = performance.now() - startStarted;
/**
 * BENCH_HEAP_SNAPSHOTS=<folder>: heap snapshots (each after a full GC, so only what is retained) when loaded, after
 * the first cycle and at the end, for finding where the memory goes. They take seconds and distort the figures.
 */
const snapshotFolder = process.env.BENCH_HEAP_SNAPSHOTS;
const snapshot = (phase: string) => {
	if (snapshotFolder) writeHeapSnapshot(join(snapshotFolder, `notifier-${phase}.heapsnapshot`));
};
snapshot('loaded');
/**
 * BENCH_HEAP_PROFILE=<file>: a sampling profile, from the end of the first cycle to the last, of the allocations that
 * outlived the young generation (those still alive, and those a full GC collected since): what makes the old
 * generation grow between full GCs. Written as a .heapprofile (Chrome DevTools, Memory tab).
 */
const profileFile = process.env.BENCH_HEAP_PROFILE;
const profiler = profileFile ? new Session() : undefined;
profiler?.connect();
send({ kind: 'ready', startMs, modules, loaded });
let cycles = 0;

process.on('message', async (message: string) => {
	if (message === 'cycle') {
		const cpu = process.cpuUsage();
		const started = performance.now();
		await notifier.runCycle();
		const used = process.cpuUsage(cpu);
		const after = sample();
		if (++cycles === 1) {
			snapshot('first-cycle');
			await profiler?.post('HeapProfiler.startSampling', {
				samplingInterval: 16_384,
				includeObjectsCollectedByMajorGC: true,
				includeObjectsCollectedByMinorGC: false,
			});
		}
		send({
			kind: 'cycle',
			wallMs: performance.now() - started,
			cpuMs: (used.user + used.system) / 1000,
			after,
		});
	} else if (message === 'stop') {
		const after = sample();
		if (process.env.BENCH_DEBUG) console.error(memoryBreakdown());
		snapshot('last-cycle');
		if (profiler && profileFile) {
			const { profile } = await profiler.post('HeapProfiler.stopSampling');
			writeFileSync(profileFile, JSON.stringify(profile));
		}
		await notifier.stop();
		await twitch.close();
		await store.close();
		clearInterval(sampler);
		send({
			kind: 'report',
			peakRssMb: Math.max(peakRss, kernelPeakRssMb() ?? 0),
			peakHeapUsedMb: peakHeapUsed,
			after,
		});
		process.disconnect();
	}
});
