import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BotOptions, type RunningBot, startBot } from '../../src/bot.ts';
import type { Clock } from '../../src/clock.ts';
import { parseConfig } from '../../src/config.ts';
import { createSilentLogger, type Logger } from '../../src/logger.ts';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord/index.ts';
import { type FakeTwitch, startFakeTwitch } from '../fakes/twitch/index.ts';

/** A token shaped like Discord's (three dot-separated parts), accepted by config validation. */
export const FAKE_BOT_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAw.GfAkEd.fake_bot_token_for_local_tests_only';
export const FAKE_CLIENT_ID = 'fakeclientid0000000000000000000';
export const FAKE_CLIENT_SECRET = 'fakeclientsecret00000000000000';

/** What a test or the demo may change in how the bot is started (everything else comes from the world's env). */
export type BotOverrides = Pick<BotOptions, 'clock' | 'notifierTuning'>;

export interface WorldOptions {
	/**
	 * The time of both fakes and of the bot (default: the system clock). Sharing one clock lets a test jump past the
	 * stream-end grace period: stream start times, VOD durations, nonce windows and grace all move together.
	 */
	clock?: Clock;
	/** Applied to every `startBot` of this world unless that call overrides them. */
	bot?: BotOverrides;
}

export interface World {
	twitch: FakeTwitch;
	discord: FakeDiscord;
	dataDir: string;
	env: Record<string, string>;
	/** Starts (or restarts) the real bot against the fakes, with the same store. */
	startBot(logger?: Logger, overrides?: BotOverrides): Promise<RunningBot>;
	close(): Promise<void>;
}

/** The settings that point the bot at both fakes with the fakes' credentials, and at `storageUrl`. */
export function fakesEnv(
	twitch: Pick<FakeTwitch, 'helixUrl' | 'authUrl' | 'eventsubWsUrl'>,
	discord: Pick<FakeDiscord, 'apiUrl'>,
	storageUrl: string,
): Record<string, string> {
	return {
		DISCORD_TOKEN: FAKE_BOT_TOKEN,
		TWITCH_CLIENT_ID: FAKE_CLIENT_ID,
		TWITCH_CLIENT_SECRET: FAKE_CLIENT_SECRET,
		TWITCH_API_URL: twitch.helixUrl,
		TWITCH_AUTH_URL: twitch.authUrl,
		TWITCH_EVENTSUB_WS_URL: twitch.eventsubWsUrl,
		DISCORD_API_URL: discord.apiUrl,
		STORAGE_URL: storageUrl,
	};
}

/** Both fakes on 127.0.0.1 and the settings that point the real bot at them, with a SQLite store in a temp dir. */
export async function createWorld(extraEnv: Record<string, string> = {}, options: WorldOptions = {}): Promise<World> {
	const clock = options.clock;
	const now = clock ? () => clock.now() : undefined;
	const twitch = await startFakeTwitch({
		clientId: FAKE_CLIENT_ID,
		clientSecret: FAKE_CLIENT_SECRET,
		...(now ? { now } : {}),
	});
	const discord = await startFakeDiscord({ botToken: FAKE_BOT_TOKEN, ...(now ? { now } : {}) });
	const dataDir = mkdtempSync(join(tmpdir(), 'twitch-bot-e2e-'));
	const env = {
		...fakesEnv(twitch, discord, `sqlite://${join(dataDir, 'bot.sqlite')}`),
		LOG_LEVEL: 'silent',
		...extraEnv,
	};
	const bots: RunningBot[] = [];
	return {
		twitch,
		discord,
		dataDir,
		env,
		async startBot(logger = createSilentLogger(), overrides = {}) {
			const chosen: BotOverrides = { ...(clock ? { clock } : {}), ...options.bot, ...overrides };
			const bot = await startBot({ config: parseConfig(env), logger, twitchRetryBaseMs: 5, ...chosen });
			bots.push(bot);
			return bot;
		},
		async close() {
			for (const bot of bots) await bot.stop();
			await discord.close();
			await twitch.close();
			rmSync(dataDir, { recursive: true, force: true });
		},
	};
}
