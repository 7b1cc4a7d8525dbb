/**
 * /healthz, /readyz and /metrics of the real bot (gateway and notifier, SQLite store) against both fakes, on the
 * HTTP_PORT the operator sets (0 here: any free port).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningBot } from '../../src/bot.ts';
import { createWorld, type World } from '../support/bot-world.ts';
import { waitUntil } from '../support/notifier-world.ts';

let world: World;
let bot: RunningBot | undefined;
beforeEach(async () => {
	world = await createWorld({ HTTP_PORT: '0', HTTP_HOST: '127.0.0.1' });
});
afterEach(async () => {
	await bot?.stop();
	bot = undefined;
	await world.close();
});

async function get(path: string) {
	if (!bot?.opsUrl) throw new Error('the bot has no ops endpoints');
	const response = await fetch(`${bot.opsUrl}${path}`);
	return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
}

/** The value of one series in Prometheus text format (0 when the series is not there yet). */
function sample(metrics: string, series: string): number {
	const line = metrics.split('\n').find((text) => text.startsWith(`${series} `));
	return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('the health and metrics endpoints', () => {
	it('answers /healthz at once and /readyz once Discord is ready, the store answers and the first poll is done', async () => {
		bot = await world.startBot();
		expect(await get('/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
		await waitUntil(async () => (await get('/readyz')).status === 200, 10_000);
		expect(await get('/readyz')).toMatchObject({ status: 200, body: 'ready\n' });
		expect((await get('/nothing-here')).status).toBe(404);
	});

	it('answers /readyz 503 with the reason when the store stops answering', async () => {
		bot = await world.startBot();
		await waitUntil(async () => (await get('/readyz')).status === 200, 10_000);
		await bot.context.store.close();
		const answer = await get('/readyz');
		expect(answer.status).toBe(503);
		expect(answer.body).toMatch(/^not ready:\n- store not answering: /);
	});

	it('serves Prometheus metrics whose announcement counter moves after a post', async () => {
		const guild = world.discord.addGuild({ name: 'Streamers' });
		const general = world.discord.addChannel(guild.id, { name: 'general' });
		const alerts = world.discord.addChannel(guild.id, { name: 'alerts' });
		const streamer = world.twitch.addUser({ login: 'alpha' });
		bot = await world.startBot();
		const added = await world.discord.runCommand({
			guildId: guild.id,
			channelId: general.id,
			name: 'watch',
			subcommand: 'add',
			options: { channel: 'alpha', 'post-in': alerts.id },
		});
		expect(JSON.stringify(added.final)).toContain('Watching');

		const before = await get('/metrics');
		expect(before.status).toBe(200);
		expect(before.type).toContain('text/plain');
		for (const name of [
			'process_resident_memory_bytes',
			'nodejs_eventloop_lag_seconds',
			'twitch_helix_request_duration_seconds_bucket',
			'twitch_ratelimit_points_remaining',
			'bot_poll_cycle_duration_seconds_count',
			'bot_poll_channels',
			'bot_commands_total',
			'bot_command_duration_seconds_bucket',
			'twitch_eventsub_connected',
			'discord_gateway_shard_status',
		]) {
			expect(before.body, name).toContain(name);
		}
		expect(sample(before.body, 'bot_commands_total{command="watch",outcome="ok"}')).toBe(1);
		expect(sample(before.body, 'bot_announcements_total{outcome="posted"}')).toBe(0);

		world.twitch.goLive(streamer.id, { title: 'Counting' });
		await bot.context.notifier?.runCycle();
		expect(world.discord.channelMessages(alerts.id)).toHaveLength(1);

		const after = (await get('/metrics')).body;
		expect(sample(after, 'bot_announcements_total{outcome="posted"}')).toBe(1);
		expect(sample(after, 'bot_golive_post_delay_seconds_count')).toBe(1);
		expect(sample(after, 'discord_gateway_shard_status{shard="0"}')).toBe(0);
		// No label names a guild, a channel or a streamer.
		for (const value of [guild.id, alerts.id, streamer.id, 'alpha']) expect(after).not.toContain(`"${value}"`);
	});
});
