/**
 * Issue 8: a first start that subscribes many channels does not starve commands. Subscriptions are created as
 * background work in the Helix queue; a command goes ahead of them and keeps a reserve of the bucket. The fake
 * Twitch's bucket is made small (10 points, 10 a second) so that creating the subscriptions takes seconds.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/keyv.ts';
import { WatchRepository } from '../../src/store/watch-repository.ts';
import { createWorld, type World } from '../support/bot-world.ts';
import { watchOfUser } from '../support/fixtures.ts';
import { waitUntil } from '../support/notifier-world.ts';

let world: World;
beforeEach(async () => {
	world = await createWorld();
});
afterEach(async () => {
	await world.close();
});

describe('EventSub on a first start with many channels', () => {
	it('answers a command within a second while it is still subscribing channels under a small bucket', async () => {
		const guild = world.discord.addGuild({ name: 'Busy' });
		const general = world.discord.addChannel(guild.id, { name: 'general' });
		const store = await openStore(world.env.STORAGE_URL ?? '');
		const watches = new WatchRepository(store);
		for (let i = 0; i < 30; i++) {
			const user = world.twitch.addUser({ login: `busy${i}` });
			await watches.add(watchOfUser(guild.id, user, general.id), 100);
		}
		await store.close();
		world.twitch.addUser({ login: 'asker', display_name: 'Asker', description: 'Just asking' });
		world.twitch.setRateLimit({ limit: 10, refillPerSecond: 10 });
		const enabled = () => world.twitch.eventsub.subscriptions.filter((s) => s.status === 'enabled').length;

		await world.startBot();
		await waitUntil(() => enabled() >= 5, 10_000);
		const started = performance.now();
		const answer = await world.discord.runCommand({
			guildId: guild.id,
			channelId: general.id,
			name: 'user',
			options: { channel: 'asker' },
		});
		const tookMs = performance.now() - started;

		expect(JSON.stringify(answer.final)).toContain('Asker');
		expect(enabled()).toBeLessThan(60); // still subscribing when the command was answered
		expect(tookMs).toBeLessThan(1_000);
		await waitUntil(() => enabled() === 60, 20_000);
	}, 40_000);
});
