import { describe, expect, it } from 'vitest';
import { ViewerSampleRepository } from '../../src/store/viewer-sample-repository.ts';
import { storeBackends, useTestStores } from './test-stores.ts';

const sample = (at: number, viewers: number, gameName = 'Celeste', title = 'Any% practice') => ({
	at,
	viewers,
	gameId: gameName === 'Celeste' ? '504461' : '509658',
	gameName,
	title,
});

describe.each(storeBackends)('ViewerSampleRepository on $kind', (backend) => {
	const stores = useTestStores(backend);

	it('appends samples to several streams in one write and reads each series back in order after a restart', async () => {
		const store = await stores.open();
		const samples = new ViewerSampleRepository(store);
		let heads = await samples.append([
			{ streamId: 's1', head: undefined, sample: sample(1_000, 10) },
			{ streamId: 's2', head: undefined, sample: sample(1_000, 500, 'Just Chatting', 'hi') },
		]);
		heads = await samples.append([{ streamId: 's1', head: heads.get('s1'), sample: sample(121_000, 25) }]);
		await samples.append([
			{ streamId: 's1', head: heads.get('s1'), sample: sample(180_000, 40, 'Just Chatting', 'Q&A') },
		]);

		const afterRestart = new ViewerSampleRepository(await stores.reopen(store));
		expect(await afterRestart.samples('s1')).toEqual([
			sample(1_000, 10),
			sample(121_000, 25),
			sample(180_000, 40, 'Just Chatting', 'Q&A'),
		]);
		expect(await afterRestart.samples('s2')).toEqual([sample(1_000, 500, 'Just Chatting', 'hi')]);
		expect(await afterRestart.samples('s3')).toEqual([]);
		const stored = await afterRestart.heads(['s1', 's2', 's3']);
		expect(stored.get('s1')).toMatchObject({ count: 3, last: sample(180_000, 40, 'Just Chatting', 'Q&A') });
		expect(stored.has('s3')).toBe(false);
	});

	it('stores the category and title only when they changed', async () => {
		const store = await stores.open();
		const samples = new ViewerSampleRepository(store);
		let head = (await samples.append([{ streamId: 's1', head: undefined, sample: sample(1_000, 10) }])).get('s1');
		head = (await samples.append([{ streamId: 's1', head, sample: sample(2_000, 11) }])).get('s1');
		expect(await store.keyv.get('viewer-sample:s1:0')).toEqual([1_000, 10, '504461', 'Celeste', 'Any% practice']);
		expect(await store.keyv.get('viewer-sample:s1:1')).toEqual([2_000, 11]);
		expect(head?.count).toBe(2);
	});
});
