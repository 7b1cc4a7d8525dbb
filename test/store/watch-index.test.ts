import { describe, expect, it } from 'vitest';
import { parseGuildWatches, WatchIndex } from '../../src/store/watch-index.ts';
import { makeWatch } from '../support/fixtures.ts';

const guildA = '200000000000000001';
const guildB = '200000000000000002';

describe('the in-memory watch index', () => {
	it('follows a user from one guild to two and back, by guild and by user', () => {
		const index = new WatchIndex();
		index.setGuild(guildA, [makeWatch(guildA, '1'), makeWatch(guildA, '2')]);
		expect(index.ofUser('1').map((watch) => watch.guildId)).toEqual([guildA]);
		index.setGuild(guildB, [makeWatch(guildB, '1')]);
		expect(index.ofUser('1').map((watch) => watch.guildId)).toEqual([guildA, guildB]);
		expect(index.activeUserIds().sort()).toEqual(['1', '2']);
		index.setGuild(guildA, [makeWatch(guildA, '2')]);
		expect(index.ofUser('1').map((watch) => watch.guildId)).toEqual([guildB]);
		expect(index.get(guildA, '1')).toBeUndefined();
		index.setGuild(guildB, []);
		expect(index.ofUser('1')).toEqual([]);
		expect(index.activeUserIds()).toEqual(['2']);
		expect(index.guildCount).toBe(1);
	});

	it('leaves out a user watched only by paused watches, whether by one guild or several', () => {
		const index = new WatchIndex();
		const pause = { reason: 'left-guild' as const, channelId: null, at: 1 };
		index.setGuild(guildA, [makeWatch(guildA, '1', { paused: pause }), makeWatch(guildA, '2')]);
		index.setGuild(guildB, [makeWatch(guildB, '2', { paused: pause })]);
		expect(index.activeUserIds()).toEqual(['2']);
		index.setGuild(guildA, [makeWatch(guildA, '1', { paused: pause }), makeWatch(guildA, '2', { paused: pause })]);
		expect(index.activeUserIds()).toEqual([]);
	});

	it('shares one string per id across the watches read from the store', () => {
		const stored = JSON.parse(
			JSON.stringify([
				makeWatch(guildA, '1', { channelId: '300000000000000001' }),
				makeWatch(guildA, '2', { channelId: '300000000000000001' }),
			]),
		);
		const [first, second] = parseGuildWatches(guildA, 'watches:a', stored, undefined);
		expect(first).toEqual(makeWatch(guildA, '1', { channelId: '300000000000000001' }));
		expect(Object.isFrozen(first)).toBe(true);
		expect(second?.channelId).toBe(first?.channelId);
	});
});
