/**
 * Reads and writes that several repositories make together, in one store round trip (records.ts: readTogether,
 * writeTogether): what lets the notifier post a go-live in three round trips. On every store the bot supports.
 */
import { describe, expect, it } from 'vitest';
import { AnnouncementRepository } from '../../src/store/announcement-repository.ts';
import { DeliveryStatusRepository } from '../../src/store/delivery-status-repository.ts';
import { GuildSettingsRepository } from '../../src/store/guild-settings-repository.ts';
import type { Store } from '../../src/store/keyv.ts';
import { makeAnnouncement } from '../support/fixtures.ts';
import { storeBackends, useTestStores } from './test-stores.ts';

const streamId = '40123456789';
const guildId = '200000000000000001';
const otherGuildId = '200000000000000002';
const channelA = '300000000000000001';
const channelB = '300000000000000002';
const target = { guildId, twitchUserId: '12826' };

/** Counts the adapter calls of `store` (each one store round trip) by name. */
function countCalls(store: Store): Record<string, number> {
	const counts: Record<string, number> = {};
	const adapter = store.keyv.store as Record<string, unknown>;
	for (const name of ['get', 'getMany', 'set', 'setMany', 'delete', 'deleteMany']) {
		const call = adapter[name];
		if (typeof call !== 'function') continue;
		adapter[name] = (...args: unknown[]) => {
			counts[name] = (counts[name] ?? 0) + 1;
			return call.apply(adapter, args);
		};
	}
	return counts;
}

describe.each(storeBackends)('reads and writes of several repositories together on $kind', (backend) => {
	const stores = useTestStores(backend);

	it('reads a stream’s announcements, guild settings and delivery statuses in one round trip', async () => {
		const store = await stores.open();
		await new AnnouncementRepository(store).put(makeAnnouncement(streamId, channelA));
		await new GuildSettingsRepository(store).update(guildId, { endAction: 'delete' });
		await new DeliveryStatusRepository(store).update(target, (status) => ({ ...status, consecutiveFailures: 2 }));

		const announcements = new AnnouncementRepository(store);
		const settings = new GuildSettingsRepository(store);
		const statuses = new DeliveryStatusRepository(store);
		const calls = countCalls(store);
		const [stored, byGuild] = await announcements.readTogether([
			announcements.listing(streamId),
			settings.reading([guildId, otherGuildId, guildId]),
			statuses.reading([target]),
		]);

		expect(calls).toEqual({ getMany: 1 });
		expect(stored).toEqual([makeAnnouncement(streamId, channelA)]);
		expect(byGuild.get(guildId)?.endAction).toBe('delete');
		expect(byGuild.get(otherGuildId)?.endAction).toBe('edit'); // none stored: the defaults
		expect(statuses.peek(target)?.consecutiveFailures).toBe(2);
	});

	it('reads nothing when every share is known already', async () => {
		const store = await stores.open();
		const announcements = new AnnouncementRepository(store);
		const statuses = new DeliveryStatusRepository(store);
		await statuses.getMany([target]);
		const calls = countCalls(store);
		await announcements.readTogether([statuses.reading([target]), new GuildSettingsRepository(store).reading([])]);
		expect(calls).toEqual({});
	});

	it('writes an announcement and its target’s status in one round trip, without reading either first', async () => {
		const store = await stores.open();
		const announcements = new AnnouncementRepository(store);
		const statuses = new DeliveryStatusRepository(store);
		await announcements.readTogether([announcements.listing(streamId), statuses.reading([target])]);
		const calls = countCalls(store);

		const intent = makeAnnouncement(streamId, channelA);
		await announcements.put(intent);
		const posted = {
			...intent,
			phase: 'posted' as const,
			messageId: '500000000000000001',
			postedAt: 1_700_000_001_000,
		};
		await announcements.put(
			posted,
			statuses.updating(target, (status) => ({ ...status, lastSuccessAt: 1_700_000_001_000 })),
		);

		expect(calls).toEqual({ setMany: 2 });
		const afterRestart = await stores.reopen(store);
		expect(await new AnnouncementRepository(afterRestart).listForStream(streamId)).toEqual([posted]);
		expect(await new AnnouncementRepository(afterRestart).listUnfinished()).toEqual([]);
		expect((await new DeliveryStatusRepository(afterRestart).get(target)).lastSuccessAt).toBe(1_700_000_001_000);
	});

	it('stores nothing of a batch with an invalid record', async () => {
		const store = await stores.open();
		const announcements = new AnnouncementRepository(store);
		const statuses = new DeliveryStatusRepository(store);
		const invalid = makeAnnouncement(streamId, channelA, { nonce: 'x'.repeat(26) });
		await expect(
			announcements.put(
				invalid,
				statuses.updating(target, (status) => ({ ...status, lastSuccessAt: 1 })),
			),
		).rejects.toThrow();
		const afterRestart = await stores.reopen(store);
		expect(await new AnnouncementRepository(afterRestart).listForStream(streamId)).toEqual([]);
		expect((await new DeliveryStatusRepository(afterRestart).get(target)).lastSuccessAt).toBeNull();
	});

	it('a write reported failed after it was applied (a deadline) is not undone by the next write', async () => {
		const store = await stores.open();
		const announcements = new AnnouncementRepository(store);
		const intentA = makeAnnouncement(streamId, channelA);
		const intentB = makeAnnouncement(streamId, channelB, { guildId: otherGuildId });
		await announcements.put(intentA);
		const adapter = store.keyv.store as { setMany: (...args: unknown[]) => Promise<unknown> };
		const setMany = adapter.setMany;
		adapter.setMany = async (...args) => {
			adapter.setMany = setMany;
			await setMany.apply(adapter, args);
			throw new Error('no answer within the deadline');
		};
		await expect(announcements.put(intentB)).rejects.toThrow('deadline');

		const postedA = { ...intentA, phase: 'posted' as const, messageId: '500000000000000001' };
		await announcements.put(postedA);

		const afterRestart = new AnnouncementRepository(await stores.reopen(store));
		expect(await afterRestart.listForStream(streamId)).toEqual([postedA, intentB]);
		expect(await afterRestart.listUnfinished()).toEqual([intentB]);
	});

	it('keeps the TTL of each entry of one setMany (keyv stores the expiry with the value on every adapter)', async () => {
		const store = await stores.open();
		await store.keyv.setMany([
			{ key: 'short-lived', value: 1, ttl: 50 },
			{ key: 'long-lived', value: 2, ttl: 60_000 },
			{ key: 'kept', value: 3 },
		]);
		const [long] = (await store.keyv.getMany(['long-lived'], { raw: true })) as Array<{ expires?: number }>;
		expect(long?.expires).toBeGreaterThan(Date.now() + 50_000);
		await new Promise((resolve) => setTimeout(resolve, 120));
		expect(await store.keyv.getMany(['short-lived', 'long-lived', 'kept'])).toEqual([undefined, 2, 3]);
	});
});
