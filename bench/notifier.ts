import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSilentLogger } from '../src/logger.ts';
import { openStore } from '../src/store/keyv.ts';
import { openRepositories } from '../src/store/repositories.ts';
import { startFakeDiscord } from '../test/fakes/discord/index.ts';
import { startFakeTwitch } from '../test/fakes/twitch/index.ts';
import type { WorkerReply, WorkerSetup } from './notifier-worker.ts';

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

/**
 * 10,000 watched channels across 1,000 guilds (10 each), 10% live, against both fakes, with the SQLite store.
 * The notifier runs in a child process (bench/notifier-worker.ts) so that its RSS and CPU are its own.
 */
export async function benchNotifier(): Promise<NotifierBenchResult> {
	const guildCount = 1_000;
	const perGuild = 10;
	const twitchFake = await startFakeTwitch({ rateLimit: { limit: 800, refillPerSecond: 800 / 60 } });
	const discordFake = await startFakeDiscord({ botToken: BOT_TOKEN, rateLimit: { limit: 1_000_000, windowMs: 1_000 } });
	const dataDir = mkdtempSync(join(tmpdir(), 'bench-notifier-'));
	let worker: ChildProcess | undefined;
	try {
		const { userIds, logins } = twitchFake.seedBulk({
			users: guildCount * perGuild,
			liveFraction: 0.1,
			loginPrefix: 'watched_',
		});
		const storageUrl = `sqlite://${join(dataDir, 'bench.sqlite')}`;
		// The watches are stored beforehand, as an admin's /watch add commands would have left them.
		const store = await openStore(storageUrl);
		const repositories = await openRepositories(store, createSilentLogger());
		await Promise.all(
			Array.from({ length: guildCount }, async (_, g) => {
				const guild = discordFake.addGuild({ name: `Guild ${g}` });
				const channel = discordFake.addChannel(guild.id, { name: 'live' });
				for (let w = 0; w < perGuild; w++) {
					const i = g * perGuild + w;
					await repositories.watches.add(
						{
							version: 1,
							guildId: guild.id,
							twitchUserId: userIds[i] ?? '',
							login: logins[i] ?? '',
							displayName: logins[i] ?? '',
							channelId: channel.id,
							roleId: null,
							template: null,
							createdAt: Date.now(),
							createdBy: 'bench',
						},
						100,
					);
				}
			}),
		);
		await store.close();
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

		// The compiled worker (npm run build), started the way the Docker image starts the bot: same V8 flag, same
		// MALLOC_ARENA_MAX (fewer glibc arenas for sqlite3's worker threads).
		const workerScript = fileURLToPath(new URL('../dist/bench/notifier-worker.js', import.meta.url));
		if (!existsSync(workerScript)) throw new Error('run `npm run build` first (npm run bench does)');
		const spawned = fork(workerScript, [setupFile], {
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
			execArgv: ['--max-semi-space-size=1'],
			env: { ...process.env, MALLOC_ARENA_MAX: '2' },
		});
		worker = spawned;
		const replies: WorkerReply[] = [];
		let wake: (() => void) | undefined;
		spawned.on('message', (reply: WorkerReply) => {
			replies.push(reply);
			wake?.();
		});
		const next = async <K extends WorkerReply['kind']>(kind: K): Promise<Extract<WorkerReply, { kind: K }>> => {
			for (;;) {
				const index = replies.findIndex((r) => r.kind === kind);
				if (index >= 0) return replies.splice(index, 1)[0] as Extract<WorkerReply, { kind: K }>;
				if (spawned.exitCode !== null) throw new Error('the notifier worker exited early');
				await new Promise<void>((resolve) => {
					wake = resolve;
				});
			}
		};
		const cycle = async () => {
			spawned.send('cycle');
			return next('cycle');
		};
		const ready = await next('ready');
		if (process.env.BENCH_DEBUG) console.error(ready);

		const helixBefore = twitchFake.stats.byRoute['/helix/streams'] ?? 0;
		const first = await cycle();
		const helixRequestsPerCycle = (twitchFake.stats.byRoute['/helix/streams'] ?? 0) - helixBefore;
		const postsInFirstCycle = discordFake.messages.length;

		const steady: Array<{ wallMs: number; cpuMs: number }> = [];
		for (let i = 0; i < 5; i++) steady.push(await cycle());

		const newcomer = userIds.find((id) => !twitchFake.getStream(id)) ?? '';
		const postsBefore = discordFake.messages.length;
		const started = performance.now();
		twitchFake.goLive(newcomer);
		const posted = discordFake.waitForMessage((m) => discordFake.messages.indexOf(m) >= postsBefore, 10_000);
		await cycle();
		await posted;
		const liveToPostMs = performance.now() - started;

		spawned.send('stop');
		const report = await next('report');
		return {
			watched: userIds.length,
			guilds: guildCount,
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
		worker?.kill();
		await discordFake.close();
		await twitchFake.close();
		rmSync(dataDir, { recursive: true, force: true });
	}
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
