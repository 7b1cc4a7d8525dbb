/**
 * Go-live → post through EventSub: 200 channels go live one after another (25 ms apart) against both fakes, and each time the
 * clock runs from the fake Twitch's go-live (which sends stream.online over the conduit WebSocket) to the post
 * arriving at the fake Discord. The path includes Get Channel Information and the Discord post. Get Streams is made
 * to lag (as on real Twitch), so no poll can be the one that posts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REST } from 'discord.js';
import { systemClock } from '../src/clock.ts';
import { createSilentLogger } from '../src/logger.ts';
import { notifierRestOptions } from '../src/notify/discord-messages.ts';
import { createNotifier } from '../src/notify/notifier.ts';
import { openStore } from '../src/store/keyv.ts';
import { openRepositories } from '../src/store/repositories.ts';
import { TwitchClient } from '../src/twitch/client.ts';
import { announcementRenderer } from '../src/views/announcement.ts';
import { startFakeDiscord } from '../test/fakes/discord/index.ts';
import { startFakeTwitch } from '../test/fakes/twitch/index.ts';
import { watchOfUser } from '../test/support/fixtures.ts';

export interface EventSubBenchResult {
	goLives: number;
	p50Ms: number;
	p99Ms: number;
	maxMs: number;
}

const BOT_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAw.GbEnCh.bench_bot_token_for_local_runs_only';

export async function benchEventSub(goLives = 200): Promise<EventSubBenchResult> {
	const twitchFake = await startFakeTwitch({ streamsLagMs: 60 * 60_000 });
	const discordFake = await startFakeDiscord({ botToken: BOT_TOKEN });
	const dataDir = mkdtempSync(join(tmpdir(), 'bench-eventsub-'));
	const logger = createSilentLogger();
	const store = await openStore(`sqlite://${join(dataDir, 'bench.sqlite')}`);
	const twitch = new TwitchClient({
		clientId: twitchFake.clientId,
		clientSecret: twitchFake.clientSecret,
		apiUrl: twitchFake.helixUrl,
		authUrl: twitchFake.authUrl,
		logger,
	});
	const rest = new REST(notifierRestOptions(discordFake.apiUrl)).setToken(discordFake.botToken);
	try {
		const repositories = await openRepositories(store, logger);
		const guild = discordFake.addGuild({ name: 'Bench' });
		const channels = new Map<string, string>();
		for (let i = 0; i < goLives; i++) {
			const user = twitchFake.addUser({ login: `pushed_${i}` });
			const channel = discordFake.addChannel(guild.id, { name: `live-${i}` });
			channels.set(user.id, channel.id);
			await repositories.watches.add(watchOfUser(guild.id, user, channel.id), goLives);
		}
		const notifier = createNotifier({
			twitch,
			repositories,
			rest,
			renderer: announcementRenderer,
			logger,
			clock: systemClock,
			// A long interval: this measures the push, not the poll.
			config: { pollIntervalSeconds: 3_600 },
			eventsub: { url: twitchFake.eventsubWsUrl, store, twitch },
		});
		await notifier.start();
		await notifier.eventsub?.reconcile();
		// Creating 400 subscriptions spent half the bucket: measure from a full one, as a minute later would be.
		twitchFake.setRateLimit({ limit: 800, refillPerSecond: 800 / 60 });
		const samples: number[] = [];
		for (const [userId, channelId] of channels) {
			// 40 go-lives a second: under Discord's 50 requests/s, which would otherwise pace the posts (throughput,
			// not the latency measured here).
			await new Promise((resolve) => setTimeout(resolve, 25));
			const started = performance.now();
			const posted = discordFake.waitForMessage((message) => message.channelId === channelId, 10_000);
			twitchFake.goLive(userId);
			await posted;
			samples.push(performance.now() - started);
		}
		await notifier.stop();
		samples.sort((a, b) => a - b);
		const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
		return { goLives: samples.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: samples.at(-1) ?? 0 };
	} finally {
		rest.clearHashSweeper();
		rest.clearHandlerSweeper();
		await twitch.close();
		await store.close();
		await discordFake.close();
		await twitchFake.close();
		rmSync(dataDir, { recursive: true, force: true });
	}
}
