/**
 * Memory of a gateway process: the real bot with `BOT_ROLES=gateway` on the shards it is given, connected to the
 * fake Discord holding `guilds` guilds (each with 5 channels and 3 roles, as GUILD_CREATE sends them), on SQLite.
 * RSS is read from /proc once every shard is ready and the process has settled; node runs with production's flags.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeDiscord } from '../test/fakes/discord/index.ts';
import { startFakeTwitch } from '../test/fakes/twitch/index.ts';
import { BotProcess } from '../test/support/bot-fleet.ts';
import { FAKE_BOT_TOKEN, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, fakesEnv } from '../test/support/bot-world.ts';
import { productionNodeFlags } from './notifier.ts';

export interface GatewayMemoryResult {
	guilds: number;
	shards: number;
	rssMb: number;
}

function rssMbOf(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
	return kb / 1024;
}

export async function benchGatewayMemory(guilds: number, shards: number): Promise<GatewayMemoryResult> {
	const twitch = await startFakeTwitch({ clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET });
	const discord = await startFakeDiscord({ botToken: FAKE_BOT_TOKEN, recommendedShards: shards, maxConcurrency: 16 });
	for (let i = 0; i < guilds; i++) {
		const guild = discord.addGuild({ name: `Server ${i}` });
		for (let c = 0; c < 5; c++) discord.addChannel(guild.id, { name: `channel-${c}` });
		for (let r = 0; r < 3; r++) discord.addRole(guild.id, { name: `role-${r}` });
	}
	const folder = mkdtempSync(join(tmpdir(), 'twitchbot-bench-gateway-'));
	const bot = new BotProcess(
		'gateway',
		{
			...fakesEnv(twitch, discord, `sqlite://${join(folder, 'bot.sqlite')}`),
			BOT_ROLES: 'gateway',
			SHARD_COUNT: String(shards),
		},
		productionNodeFlags(),
	).start();
	try {
		await bot.waitForLog('connected to Discord', 120_000);
		await new Promise((resolve) => setTimeout(resolve, 3_000));
		return { guilds, shards, rssMb: rssMbOf(bot.pid ?? 0) };
	} finally {
		await bot.crash();
		await discord.close();
		await twitch.close();
		rmSync(folder, { recursive: true, force: true });
	}
}
