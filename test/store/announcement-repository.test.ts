import { describe, expect, it, vi } from 'vitest';
import { AnnouncementRepository } from '../../src/store/announcement-repository.ts';
import { makeAnnouncement } from '../support/fixtures.ts';
import { storeBackends, useTestStores } from './test-stores.ts';

const streamId = '40123456789';
const channelA = '300000000000000001';
const channelB = '300000000000000002';

describe.each(storeBackends)('AnnouncementRepository on $kind', (backend) => {
	const stores = useTestStores(backend);

	it('put then get and listForStream return the stream’s announcements, one per channel', async () => {
		const announcements = new AnnouncementRepository(await stores.open());
		const inA = makeAnnouncement(streamId, channelA);
		const inB = makeAnnouncement(streamId, channelB, { guildId: '200000000000000002' });
		await announcements.put(inA);
		await announcements.put(inB);
		await announcements.put(makeAnnouncement('40999999999', channelA));
		expect(await announcements.get(streamId, channelA)).toEqual(inA);
		expect(await announcements.listForStream(streamId)).toEqual([inA, inB]);
		expect(await announcements.get(streamId, '300000000000000009')).toBeUndefined();
		expect(await announcements.listForStream('40000000000')).toEqual([]);
	});

	it('put replaces the announcement of the same stream and channel', async () => {
		const announcements = new AnnouncementRepository(await stores.open());
		await announcements.put(makeAnnouncement(streamId, channelA));
		await announcements.put(makeAnnouncement(streamId, channelB));
		const posted = makeAnnouncement(streamId, channelA, {
			phase: 'posted',
			messageId: '500000000000000001',
			postedAt: 1_700_000_001_000,
		});
		await announcements.put(posted);
		expect(await announcements.listForStream(streamId)).toEqual([posted, makeAnnouncement(streamId, channelB)]);
	});

	it('lists a posted announcement whose stream ended as unfinished until its end action is done', async () => {
		const announcements = new AnnouncementRepository(await stores.open());
		const posted = makeAnnouncement(streamId, channelA, { phase: 'posted', messageId: '500000000000000001' });
		await announcements.put(posted);
		expect(await announcements.listUnfinished()).toEqual([]);
		await announcements.put({ ...posted, endedAt: 1_700_000_500_000 });
		expect((await announcements.listUnfinished()).map((a) => a.channelId)).toEqual([channelA]);
		await announcements.put({ ...posted, phase: 'ended', endedAt: 1_700_000_500_000 });
		expect(await announcements.listUnfinished()).toEqual([]);
	});

	it('lets the announcements of a finished stream expire, and keeps those of a stream still going', async () => {
		const store = await stores.open();
		const announcements = new AnnouncementRepository(store);
		await announcements.put(makeAnnouncement(streamId, channelA, { phase: 'posted', messageId: '500000000000000001' }));
		await announcements.put(makeAnnouncement(streamId, channelB, { phase: 'abandoned' }));
		const expiresWhileGoing = (
			(await store.keyv.get(`announcements:${streamId}`, { raw: true })) as { expires?: number }
		)?.expires;
		expect(expiresWhileGoing).toBeUndefined();

		await announcements.put(makeAnnouncement(streamId, channelA, { phase: 'ended', messageId: '500000000000000001' }));
		const raw = (await store.keyv.get(`announcements:${streamId}`, { raw: true })) as { expires?: number };
		expect(raw.expires).toBeGreaterThan(Date.now() + 29 * 24 * 60 * 60_000);
		expect(await announcements.listForStream(streamId)).toHaveLength(2);
	});

	it('listUnfinished returns the intents, and survives a restart', async () => {
		const store = await stores.open();
		const announcements = new AnnouncementRepository(store);
		await announcements.put(makeAnnouncement(streamId, channelA));
		await announcements.put(makeAnnouncement(streamId, channelB, { phase: 'posted', messageId: '500000000000000001' }));
		await announcements.put(makeAnnouncement('40999999999', channelA));
		const afterRestart = new AnnouncementRepository(await stores.reopen(store));
		const unfinished = await afterRestart.listUnfinished();
		expect(unfinished.map((announcement) => `${announcement.streamId}/${announcement.channelId}`).sort()).toEqual([
			`${streamId}/${channelA}`,
			`40999999999/${channelA}`,
		]);
	});

	it('the transition from intent to posted removes the announcement from the unfinished list', async () => {
		const store = await stores.open();
		const announcements = new AnnouncementRepository(store);
		const intent = makeAnnouncement(streamId, channelA);
		await announcements.put(intent);
		expect(await announcements.listUnfinished()).toEqual([intent]);
		await announcements.put({
			...intent,
			phase: 'posted',
			messageId: '500000000000000001',
			postedAt: 1_700_000_001_000,
		});
		expect(await announcements.listUnfinished()).toEqual([]);
		expect(await new AnnouncementRepository(await stores.reopen(store)).listUnfinished()).toEqual([]);
	});

	it('an intent whose stored record already moved on is not reported unfinished', async () => {
		// A crash after storing "posted" but before unlisting it leaves a stale entry in the unfinished list.
		const store = await stores.open();
		const announcements = new AnnouncementRepository(store);
		await announcements.put(makeAnnouncement(streamId, channelA));
		await store.keyv.set(`announcements:${streamId}`, [makeAnnouncement(streamId, channelA, { phase: 'posted' })]);
		expect(await announcements.listUnfinished()).toEqual([]);
	});

	it('concurrent puts to one stream keep every channel', async () => {
		const announcements = new AnnouncementRepository(await stores.open());
		const channels = Array.from({ length: 20 }, (_, index) => `300000000000000${100 + index}`);
		await Promise.all(channels.map((channelId) => announcements.put(makeAnnouncement(streamId, channelId))));
		expect((await announcements.listForStream(streamId)).map((announcement) => announcement.channelId).sort()).toEqual(
			channels.sort(),
		);
		expect(await announcements.listUnfinished()).toHaveLength(20);
	});

	it('remove forgets the announcement and its unfinished entry', async () => {
		const store = await stores.open();
		const announcements = new AnnouncementRepository(store);
		await announcements.put(makeAnnouncement(streamId, channelA));
		await announcements.put(makeAnnouncement(streamId, channelB));
		await announcements.remove(streamId, channelA);
		expect((await announcements.listForStream(streamId)).map((announcement) => announcement.channelId)).toEqual([
			channelB,
		]);
		await announcements.remove(streamId, channelB);
		expect(await announcements.listForStream(streamId)).toEqual([]);
		expect(await new AnnouncementRepository(await stores.reopen(store)).listUnfinished()).toEqual([]);
	});

	it('rejects a nonce longer than Discord allows', async () => {
		const announcements = new AnnouncementRepository(await stores.open());
		await expect(announcements.put(makeAnnouncement(streamId, channelA, { nonce: 'x'.repeat(26) }))).rejects.toThrow();
		expect(await announcements.listUnfinished()).toEqual([]);
	});

	it('a corrupt announcement is treated as absent and reported', async () => {
		const store = await stores.open();
		const onCorrupt = vi.fn();
		await store.keyv.set(`announcements:${streamId}`, [{ ...makeAnnouncement(streamId, channelA), phase: 'sent' }]);
		const announcements = new AnnouncementRepository(store, { onCorrupt });
		expect(await announcements.get(streamId, channelA)).toBeUndefined();
		expect(onCorrupt).toHaveBeenCalledWith(`announcements:${streamId}`, expect.any(Error));
	});
});
