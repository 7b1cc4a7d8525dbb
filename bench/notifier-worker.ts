// The bot's side of the notifier benchmark (it opens the store the parent seeded, loads it and polls), in a process of its own so that its RSS and CPU are the notifier's
// alone (the fakes run in the parent). Driven over IPC by bench/notifier.ts.
import { readFileSync } from 'node:fs';
import { REST } from '@discordjs/rest';
import { systemClock } from '../src/clock.ts';
import { createSilentLogger } from '../src/logger.ts';
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

export type WorkerReply =
	| { kind: 'ready'; startMs: number; rssMb: number; peakRssMb: number }
	| { kind: 'cycle'; wallMs: number; cpuMs: number }
	| { kind: 'report'; peakRssMb: number; rssMb: number };

const setup = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as WorkerSetup;
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
	peakRss = Math.max(peakRss, process.memoryUsage().rss);
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
// Discord's 50 requests/s is lifted against the fake so that the figures measure the notifier, not that limit.
const rest = new REST({ api: setup.discord.apiUrl, globalRequestsPerSecond: 1_000_000 }).setToken(setup.discord.token);
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
send({
	kind: 'ready',
	startMs: performance.now() - startStarted,
	rssMb: process.memoryUsage().rss / 1024 / 1024,
	peakRssMb: peakRss / 1024 / 1024,
});

process.on('message', async (message: string) => {
	if (message === 'cycle') {
		const cpu = process.cpuUsage();
		const started = performance.now();
		await notifier.runCycle();
		const used = process.cpuUsage(cpu);
		if (process.env.BENCH_DEBUG)
			console.error('rss', process.memoryUsage().rss / 1048576, 'heap', process.memoryUsage().heapUsed / 1048576);
		send({ kind: 'cycle', wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 });
	} else if (message === 'stop') {
		await notifier.stop();
		await twitch.close();
		await store.close();
		clearInterval(sampler);
		send({ kind: 'report', peakRssMb: peakRss / 1024 / 1024, rssMb: process.memoryUsage().rss / 1024 / 1024 });
		process.disconnect();
	}
});
