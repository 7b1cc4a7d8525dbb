import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/store/keyv.ts';
import type { Watch } from '../src/store/records.ts';
import { WatchRepository } from '../src/store/watch-repository.ts';
import { type FakeDiscord, startFakeDiscord } from '../test/fakes/discord/index.ts';
import { type FakeTwitch, startFakeTwitch } from '../test/fakes/twitch/index.ts';
import { watchOfUser } from '../test/support/fixtures.ts';
import type { MemorySample, WorkerReply, WorkerSetup } from './notifier-worker.ts';

export interface NotifierBenchResult {
	watched: number;
	guilds: number;
	live: number;
	helixRequestsPerCycle: number;
	/** Median wall time of a steady-state cycle (no one goes live or ends). */
	cycleWallMs: number;
	/** CPU (user + system) of that cycle. */
	cycleCpuMs: number;
	/** The first cycle: every live channel's go-live decided and posted. */
	firstCycleWallMs: number;
	postsInFirstCycle: number;
	/** From a channel going live in the fake Twitch to its post arriving at the fake Discord, polling at once. */
	liveToPostMs: number;
	/** The notifier process's peak resident memory. */
	peakRssMb: number;
}

const BOT_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAw.GbEnCh.bench_bot_token_for_local_runs_only';
/** Watches per guild, as in the 10,000-channel bench from the start: 1,000 guilds there, 10,000 at 100,000. */
const WATCHES_PER_GUILD = 10;
/** Share of the watched channels live (the same in every notifier figure). */
const LIVE_FRACTION = 0.1;

/**
 * 10,000 watched channels across 1,000 guilds (10 each), 10% live, against both fakes, with the SQLite store.
 * The notifier runs in a child process (bench/notifier-worker.ts) so that its RSS and CPU are its own.
 */
export async function benchNotifier(): Promise<NotifierBenchResult> {
	const world = await startNotifierWorld({
		channels: 10_000,
		twitchBucket: { limit: 800, refillPerSecond: 800 / 60 },
	});
	try {
		const { twitchFake, discordFake, userIds } = world;
		const helixBefore = twitchFake.stats.byRoute['/helix/streams'] ?? 0;
		const first = await world.cycle();
		const helixRequestsPerCycle = (twitchFake.stats.byRoute['/helix/streams'] ?? 0) - helixBefore;
		const postsInFirstCycle = discordFake.messages.length;

		const steady: Array<{ wallMs: number; cpuMs: number }> = [];
		for (let i = 0; i < 5; i++) steady.push(await world.cycle());

		const newcomer = userIds.find((id) => !twitchFake.getStream(id)) ?? '';
		const postsBefore = discordFake.messages.length;
		const started = performance.now();
		twitchFake.goLive(newcomer);
		const posted = discordFake.waitForMessage((m) => discordFake.messages.indexOf(m) >= postsBefore, 10_000);
		await world.cycle();
		await posted;
		const liveToPostMs = performance.now() - started;

		const report = await world.stop();
		return {
			watched: userIds.length,
			guilds: world.guilds,
			live: userIds.filter((id) => twitchFake.getStream(id)).length,
			helixRequestsPerCycle,
			cycleWallMs: median(steady.map((s) => s.wallMs)),
			cycleCpuMs: median(steady.map((s) => s.cpuMs)),
			firstCycleWallMs: first.wallMs,
			postsInFirstCycle,
			liveToPostMs,
			peakRssMb: report.peakRssMb,
		};
	} finally {
		await world.close();
	}
}

export interface NotifierMemoryResult {
	watched: number;
	guilds: number;
	/** Live in Twitch at the start (and, give or take the churn, all along). */
	live: number;
	cycles: number;
	/** Posts the fake Discord received over the run (the first cycle's burst, then the churn's go-lives). */
	posts: number;
	/** Channels that went live, and as many that ended, before each cycle after the first. */
	churnPerCycle: number;
	/** The notifier process with its modules loaded, before it opened the store. */
	modules: MemorySample;
	/** After loading the watches and stream states, before the first cycle. */
	loaded: MemorySample;
	/** After the first cycle (every live channel's go-live posted). */
	afterFirstCycle: MemorySample;
	/** The kernel's high-water mark of the process's RSS over the whole run. */
	peakRssMb: number;
	/** Median RSS after each of the last 10 cycles. */
	steadyRssMb: number;
	/** Median V8 heap in use after each of the last 10 cycles. */
	steadyHeapUsedMb: number;
	/** The highest V8 heap in use seen (sampled every 10 ms). */
	peakHeapUsedMb: number;
	firstCycleWallMs: number;
	/** Median wall time of the cycles after the first. */
	cycleWallMs: number;
	setupMs: { seedMs: number; workerStartMs: number };
}

/**
 * Peak and steady memory of the notifier process over `cycles` back-to-back poll cycles (no wait between them) with
 * `channels` watched channels, 10 per guild, 10% live, SQLite store. The first cycle posts every live channel's
 * go-live (the burst); before each later one, 0.1% of the channels go live and as many live ones end (the churn), so
 * that posting goes on, and every live stream's viewer count changes, as on Twitch. Twitch's bucket is lifted in the
 * fake (back-to-back cycles would otherwise wait for it), but the poller still plans the budget of the real one: 560
 * requests a cycle, 56,000 channels plus every live one.
 */
export async function benchNotifierMemory(channels: number, cycles = 40): Promise<NotifierMemoryResult> {
	const world = await startNotifierWorld({ channels, twitchBucket: { limit: 1_000_000, refillPerSecond: 1_000_000 } });
	try {
		const { twitchFake, discordFake, userIds } = world;
		const live = userIds.filter((id) => twitchFake.getStream(id)).length;
		const churn = Math.max(1, Math.round(channels / 1_000));
		// Go-lives from the channels not live, endings from those live longest, in seeding order: the same every run.
		const offline = userIds.filter((id) => !twitchFake.getStream(id));
		const online = new Set(userIds.filter((id) => twitchFake.getStream(id)));
		const results: Array<WorkerReply & { kind: 'cycle' }> = [];
		for (let c = 0; c < cycles; c++) {
			if (c > 0) {
				for (const id of [...online].slice(0, churn)) {
					twitchFake.endStream(id, { archive: false });
					online.delete(id);
				}
				for (const id of offline.splice(0, churn)) {
					twitchFake.goLive(id);
					online.add(id);
				}
				// As on Twitch, a live stream's viewer count is not the same from one poll to the next.
				let n = 0;
				for (const id of online) twitchFake.updateStream(id, { viewer_count: (c * 7_919 + n++ * 104_729) % 50_000 });
			}
			const result = await world.cycle();
			if (process.env.BENCH_DEBUG) console.error(JSON.stringify({ cycle: c + 1, ...result }));
			results.push(result);
		}
		const report = await world.stop();
		const lastTen = results.slice(-10);
		return {
			watched: userIds.length,
			guilds: world.guilds,
			live,
			cycles,
			posts: discordFake.messages.length,
			churnPerCycle: churn,
			modules: world.ready.modules,
			loaded: world.ready.loaded,
			afterFirstCycle: results[0]?.after ?? { rssMb: 0, heapUsedMb: 0 },
			peakRssMb: report.peakRssMb,
			steadyRssMb: median(lastTen.map((r) => r.after.rssMb)),
			steadyHeapUsedMb: median(lastTen.map((r) => r.after.heapUsedMb)),
			peakHeapUsedMb: report.peakHeapUsedMb,
			firstCycleWallMs: results[0]?.wallMs ?? 0,
			cycleWallMs: median(results.slice(1).map((r) => r.wallMs)),
			setupMs: world.setupMs,
		};
	} finally {
		await world.close();
	}
}

interface NotifierWorld {
	twitchFake: FakeTwitch;
	discordFake: FakeDiscord;
	userIds: string[];
	guilds: number;
	ready: Extract<WorkerReply, { kind: 'ready' }>;
	setupMs: { seedMs: number; workerStartMs: number };
	/** One poll cycle in the worker, resolving once its Discord work is done. */
	cycle(): Promise<Extract<WorkerReply, { kind: 'cycle' }>>;
	/** Stops the notifier in the worker and returns its report. */
	stop(): Promise<Extract<WorkerReply, { kind: 'report' }>>;
	close(): Promise<void>;
}

/**
 * Both fakes in this process, `channels` watched channels (10 per guild, 10% live) stored in a SQLite file, and the
 * notifier worker started on it, loaded and ready for its first cycle.
 */
async function startNotifierWorld(options: {
	channels: number;
	twitchBucket: { limit: number; refillPerSecond: number };
}): Promise<NotifierWorld> {
	const twitchFake = await startFakeTwitch({ rateLimit: options.twitchBucket });
	const discordFake = await startFakeDiscord({ botToken: BOT_TOKEN, rateLimit: { limit: 1_000_000, windowMs: 1_000 } });
	const dataDir = mkdtempSync(join(tmpdir(), 'bench-notifier-'));
	let worker: ChildProcess | undefined;
	const close = async () => {
		worker?.kill();
		await discordFake.close();
		await twitchFake.close();
		rmSync(dataDir, { recursive: true, force: true });
	};
	try {
		const guildCount = Math.ceil(options.channels / WATCHES_PER_GUILD);
		const { userIds } = twitchFake.seedBulk({
			users: options.channels,
			liveFraction: LIVE_FRACTION,
			loginPrefix: 'watched_',
		});
		const storageUrl = `sqlite://${join(dataDir, 'bench.sqlite')}`;
		const seedStarted = performance.now();
		const guilds = Array.from({ length: guildCount }, (_, g) => {
			const guild = discordFake.addGuild({ name: `Guild ${g}` });
			const channel = discordFake.addChannel(guild.id, { name: 'live' });
			const watches = userIds
				.slice(g * WATCHES_PER_GUILD, (g + 1) * WATCHES_PER_GUILD)
				.map((id) => watchOfUser(guild.id, twitchFake.getUser(id) ?? { id, login: id, display_name: id }, channel.id));
			return { guildId: guild.id, watches };
		});
		await seedWatches(storageUrl, guilds);
		const seedMs = performance.now() - seedStarted;

		const setup: WorkerSetup = {
			storageUrl,
			twitch: {
				helixUrl: twitchFake.helixUrl,
				authUrl: twitchFake.authUrl,
				clientId: twitchFake.clientId,
				clientSecret: twitchFake.clientSecret,
			},
			discord: { apiUrl: discordFake.apiUrl, token: BOT_TOKEN },
		};
		const setupFile = join(dataDir, 'setup.json');
		writeFileSync(setupFile, JSON.stringify(setup));

		// The compiled worker (npm run build), started as the bot is started in production: the node flags of
		// `npm start` (the Dockerfile's CMD has the same) and the image's glibc malloc settings (fewer arenas for
		// sqlite3's worker threads; freed memory given back to the system sooner).
		const workerScript = fileURLToPath(new URL('../dist/bench/notifier-worker.js', import.meta.url));
		if (!existsSync(workerScript)) throw new Error('run `npm run build` first (npm run bench does)');
		const workerStarted = performance.now();
		const spawned = fork(workerScript, [setupFile], {
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
			// BENCH_NODE_FLAGS: extra flags for experiments (e.g. --trace-gc, --max-old-space-size=…).
			execArgv: [...productionNodeFlags(), ...(process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? [])],
			env: { ...process.env, ...imageMallocEnv() },
		});
		worker = spawned;
		const replies: WorkerReply[] = [];
		let wake: (() => void) | undefined;
		spawned.on('message', (reply: WorkerReply) => {
			replies.push(reply);
			wake?.();
		});
		spawned.on('exit', () => wake?.());
		const next = async <K extends WorkerReply['kind']>(kind: K): Promise<Extract<WorkerReply, { kind: K }>> => {
			for (;;) {
				const index = replies.findIndex((r) => r.kind === kind);
				if (index >= 0) return replies.splice(index, 1)[0] as Extract<WorkerReply, { kind: K }>;
				if (spawned.exitCode !== null || spawned.signalCode !== null) {
					throw new Error('the notifier worker exited early');
				}
				await new Promise<void>((resolve) => {
					wake = resolve;
				});
			}
		};
		const ready = await next('ready');
		if (process.env.BENCH_DEBUG) console.error(ready);
		return {
			twitchFake,
			discordFake,
			userIds,
			guilds: guildCount,
			ready,
			setupMs: { seedMs, workerStartMs: performance.now() - workerStarted },
			cycle: () => {
				spawned.send('cycle');
				return next('cycle');
			},
			stop: () => {
				spawned.send('stop');
				return next('report');
			},
			close,
		};
	} catch (error) {
		await close();
		throw error;
	}
}

/**
 * Stores the guilds' watches as /watch add would have left them, in a few batched writes: WatchRepository.add
 * rewrites the guild list for every new guild, which is quadratic in guilds (10,000 guilds at 100,000 channels).
 * The layout written here is WatchRepository's (`watch-guilds`, `watches:<guildId>`); reading it back through
 * WatchRepository checks that it still is.
 */
async function seedWatches(
	storageUrl: string,
	guilds: ReadonlyArray<{ guildId: string; watches: Watch[] }>,
): Promise<void> {
	const store = await openStore(storageUrl);
	try {
		const entries = guilds.map(({ guildId, watches }) => ({ key: `watches:${guildId}`, value: watches }));
		for (let i = 0; i < entries.length; i += 1_000) await store.keyv.setMany(entries.slice(i, i + 1_000));
		await store.keyv.set(
			'watch-guilds',
			guilds.map((guild) => guild.guildId),
		);
		const check = new WatchRepository(store, {
			onCorrupt: (key, error) => {
				throw new Error(`the bench seeded an unreadable watch list under ${key}`, { cause: error });
			},
		});
		await check.load();
		const expected = guilds.reduce((sum, guild) => sum + guild.watches.length, 0);
		if (check.guildCount() !== guilds.length || check.watchedUserIds().length !== expected) {
			throw new Error(
				`the bench seeded ${guilds.length} guilds and ${expected} watches, WatchRepository reads ${check.guildCount()} and ${check.watchedUserIds().length}: its storage layout changed`,
			);
		}
	} finally {
		await store.close();
	}
}

/** The node flags of package.json's `start` script (`node <flags> dist/src/index.js`): the bench runs as production. */
export function productionNodeFlags(): string[] {
	const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
		scripts?: { start?: string };
	};
	const words = (pkg.scripts?.start ?? '').split(/\s+/);
	return words.slice(words.indexOf('node') + 1).filter((word) => word.startsWith('--'));
}

/** The glibc malloc settings of the Docker image (its `ENV` lines `MALLOC_…=n`), for running the bot as the image does. */
export function imageMallocEnv(): Record<string, string> {
	const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
	return Object.fromEntries([...dockerfile.matchAll(/\b(MALLOC_[A-Z_]+)=(\d+)/g)].map((match) => [match[1], match[2]]));
}

/** The middle value (the upper one of an even count); 0 for none. */
export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
