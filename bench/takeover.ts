/**
 * Takeover after SIGKILL of the active notifier: two notifier processes of the real bot (`BOT_ROLES=notifier`) on
 * a private Redis or PostgreSQL, the fakes in this process. Each run kills the active one while a watched channel
 * goes live, and measures (a) until the standby says it holds the lease and (b) until that go-live is posted; the
 * killed process then comes back as the standby for the next run. Lease as in production unless told otherwise.
 */

import { openStore } from '../src/store/keyv.ts';
import { openCoordination } from '../src/store/open-coordination.ts';
import { WatchRepository } from '../src/store/watch-repository.ts';
import { startFakeDiscord } from '../test/fakes/discord/index.ts';
import { startFakeTwitch } from '../test/fakes/twitch/index.ts';
import { startThrowawayPostgres, startThrowawayRedis } from '../test/store/throwaway-servers.ts';
import { BotProcess, until } from '../test/support/bot-fleet.ts';
import { FAKE_BOT_TOKEN, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, fakesEnv } from '../test/support/bot-world.ts';
import { watchOfUser } from '../test/support/fixtures.ts';
import { productionNodeFlags } from './notifier.ts';

export interface TakeoverResult {
	store: 'redis' | 'postgres';
	leaseSeconds: number;
	pollSeconds: number;
	runs: number;
	/** SIGKILL → the standby holds the lease (ms), sorted. */
	leaseTakenMs: number[];
	/** SIGKILL (the go-live at the same moment) → its post in Discord (ms), sorted. */
	postedMs: number[];
}

export async function benchTakeover(options: {
	store: 'redis' | 'postgres';
	runs: number;
	leaseSeconds?: number;
	pollSeconds?: number;
}): Promise<TakeoverResult> {
	const leaseSeconds = options.leaseSeconds ?? 15;
	const pollSeconds = options.pollSeconds ?? 60;
	const server = options.store === 'redis' ? await startThrowawayRedis() : await startThrowawayPostgres();
	const twitch = await startFakeTwitch({ clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET });
	const discord = await startFakeDiscord({ botToken: FAKE_BOT_TOKEN });
	const guild = discord.addGuild({ name: 'Takeover' });
	const channel = discord.addChannel(guild.id, { name: 'live' });
	const store = await openStore(server.url);
	const coordination = openCoordination(store);
	const watches = new WatchRepository(store, { coordination });
	await watches.load();
	const users = [];
	for (let run = 0; run < options.runs; run++) {
		const user = twitch.addUser({ login: `takeover${run}` });
		await watches.add(watchOfUser(guild.id, user, channel.id), 1_000);
		users.push(user);
	}
	const env = {
		...fakesEnv(twitch, discord, server.url),
		BOT_ROLES: 'notifier',
		POLL_INTERVAL_SECONDS: String(pollSeconds),
		NOTIFIER_LEASE_SECONDS: String(leaseSeconds),
	};
	const flags = productionNodeFlags();
	const notifiers = [new BotProcess('a', env, flags).start(), new BotProcess('b', env, flags).start()];
	const isActive = (process: BotProcess) => process.isActiveNotifier();
	const leaseTakenMs: number[] = [];
	const postedMs: number[] = [];
	try {
		await until(() => notifiers.filter(isActive).length === 1, 30_000, 'one active notifier');
		for (const user of users) {
			await until(() => notifiers.every((p) => isActive(p) || p.logged('stands by').length > 0), 30_000, 'standby');
			const holder = notifiers.find(isActive)!;
			const standby = notifiers.find((process) => process !== holder)!;
			const posts = discord.channelMessages(channel.id).length;
			await holder.crash();
			const killedAt = Date.now();
			twitch.goLive(user.id);
			const taken = await standby.waitForLog('this process is the active notifier', (leaseSeconds + 10) * 1000);
			leaseTakenMs.push(taken.time - killedAt);
			await until(
				() => discord.channelMessages(channel.id).length > posts,
				(leaseSeconds + pollSeconds + 10) * 1000,
				'the go-live posted',
			);
			postedMs.push(Date.now() - killedAt);
			holder.start();
		}
	} finally {
		await Promise.all(notifiers.map((process) => process.crash()));
		await coordination.close();
		await store.close();
		await discord.close();
		await twitch.close();
		await server.destroy();
	}
	const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
	return {
		store: options.store,
		leaseSeconds,
		pollSeconds,
		runs: options.runs,
		leaseTakenMs: sorted(leaseTakenMs),
		postedMs: sorted(postedMs),
	};
}
