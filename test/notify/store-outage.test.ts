/**
 * Issue 6, item 1, for the notifier: a store that restarts or freezes mid-run neither crashes the bot nor silences
 * polling; the go-live it missed is announced, once, as soon as the store answers again. Real servers, started
 * by the test (the shared CI servers are never stopped).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
	startThrowawayPostgres,
	startThrowawayRedis,
	type ThrowawayPostgres,
	type ThrowawayRedis,
} from '../store/throwaway-servers.ts';
import { type NotifierWorld, startNotifierWorld } from '../support/notifier-world.ts';

let world: NotifierWorld | undefined;
let postgres: ThrowawayPostgres | undefined;
let redis: ThrowawayRedis | undefined;

afterEach(async () => {
	redis?.thaw();
	await world?.close().catch(() => {});
	await postgres?.destroy();
	await redis?.destroy();
	world = undefined;
	postgres = undefined;
	redis = undefined;
});

describe('the notifier through a store outage', () => {
	it('keeps polling while PostgreSQL restarts, and announces the go-live it missed once the store is back', async () => {
		postgres = await startThrowawayPostgres();
		world = await startNotifierWorld({}, { storageUrl: postgres.url, storeDeadlineMs: 1_000 });
		const { userId, channelId } = await world.watch('pgdown');
		await world.cycle();

		await postgres.stop();
		world.twitchFake.goLive(userId);
		const during = await world.cycle();
		expect(during.liveUsers).toBe(1); // Twitch was asked, and answered
		expect(world.discord.channelMessages(channelId ?? '')).toEqual([]);

		await postgres.start();
		await world.cycle();
		await world.cycle();

		expect(world.discord.channelMessages(channelId ?? '')).toHaveLength(1);
	}, 60_000);

	it('finishes its cycles while Redis is frozen, and announces once Redis answers again', async () => {
		redis = await startThrowawayRedis();
		world = await startNotifierWorld({}, { storageUrl: redis.url, storeDeadlineMs: 1_000 });
		const { userId, channelId } = await world.watch('frozen');
		await world.cycle();

		redis.freeze();
		world.twitchFake.goLive(userId);
		const started = performance.now();
		await world.cycle();
		expect(performance.now() - started).toBeLessThan(10_000);
		expect(world.discord.channelMessages(channelId ?? '')).toEqual([]);

		redis.thaw();
		await world.cycle();
		await world.cycle();

		expect(world.discord.channelMessages(channelId ?? '')).toHaveLength(1);
	}, 60_000);
});
