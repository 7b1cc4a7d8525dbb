import { describe, expect, it } from 'vitest';
import { createBotMetrics } from '../../src/observe/metrics.ts';

/** The value of one series in Prometheus text format (undefined when it is not there). */
function sample(text: string, series: string): number | undefined {
	const line = text.split('\n').find((row) => row.startsWith(`${series} `));
	return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('bot metrics', () => {
	it('counts what each part reports, under bounded labels', async () => {
		const metrics = createBotMetrics({ processMetrics: false });
		metrics.helix.request('streams', 200, 0.03);
		metrics.helix.request('streams', 'timeout', 10);
		metrics.helix.rateLimit(795, 800);
		for (const outcome of ['posted', 'posted', 'edited', 'ended', 'filtered', 'failed'] as const) {
			metrics.notifier.announcement(outcome);
		}
		metrics.notifier.goLivePosted(4.2);
		metrics.notifier.pollCycle(0.08, 1_000);
		metrics.notifier.pollFailed();
		metrics.notifier.eventSubNotification('stream.online');
		metrics.notifier.eventSubDuplicate();
		metrics.notifier.eventSubConnected(true);
		metrics.commands.command('live', 'ok', 0.2);
		metrics.commands.command('watch', 'user-error', 0.1);
		metrics.commands.command('watch', 'error', 0.1);
		metrics.watchShards({
			shards: () => [
				{ id: 0, status: 0, pingMs: 42 },
				{ id: 1, status: 1, pingMs: -1 },
			],
		});

		const { contentType, body } = await metrics.render();
		expect(contentType).toContain('text/plain');
		const expected: Array<[string, number]> = [
			['twitch_helix_request_duration_seconds_count{endpoint="streams",status="200"}', 1],
			['twitch_helix_request_duration_seconds_count{endpoint="streams",status="timeout"}', 1],
			['twitch_ratelimit_points_remaining', 795],
			['twitch_ratelimit_points_limit', 800],
			['bot_announcements_total{outcome="posted"}', 2],
			['bot_announcements_total{outcome="edited"}', 1],
			['bot_announcements_total{outcome="ended"}', 1],
			['bot_announcements_total{outcome="filtered"}', 1],
			['bot_announcements_total{outcome="failed"}', 1],
			['bot_golive_post_delay_seconds_bucket{le="5"}', 1],
			['bot_poll_cycle_duration_seconds_count', 1],
			['bot_poll_channels', 1_000],
			['bot_poll_cycles_total{result="ok"}', 1],
			['bot_poll_cycles_total{result="failed"}', 1],
			['twitch_eventsub_notifications_total{type="stream.online"}', 1],
			['twitch_eventsub_duplicates_dropped_total', 1],
			['twitch_eventsub_connected', 1],
			['bot_commands_total{command="live",outcome="ok"}', 1],
			['bot_commands_total{command="watch",outcome="user-error"}', 1],
			['bot_commands_total{command="watch",outcome="error"}', 1],
			['bot_command_duration_seconds_count{command="live",outcome="ok"}', 1],
			['discord_gateway_shard_status{shard="0"}', 0],
			['discord_gateway_shard_status{shard="1"}', 1],
			['discord_gateway_shard_ping_seconds{shard="0"}', 0.042],
		];
		for (const [series, value] of expected) expect(sample(body, series), series).toBe(value);
		expect(sample(body, 'discord_gateway_shard_ping_seconds{shard="1"}')).toBeUndefined();
	});

	it('keeps two bots in one process apart (a registry each)', async () => {
		const first = createBotMetrics({ processMetrics: false });
		const second = createBotMetrics({ processMetrics: false });
		first.notifier.announcement('posted');
		expect(sample((await second.render()).body, 'bot_announcements_total{outcome="posted"}')).toBeUndefined();
		expect(sample((await first.render()).body, 'bot_announcements_total{outcome="posted"}')).toBe(1);
	});
});
