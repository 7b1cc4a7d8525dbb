/**
 * Live streams of a category for category watches (issue 11): Get Streams by game_id (and language), most viewers
 * first as Twitch sorts them, pages followed only while they are still over the watch's minimum.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TwitchClient } from '../../src/twitch/client.ts';
import { type FakeTwitch, startFakeTwitch } from '../fakes/twitch/index.ts';
import { clientFor } from './helpers.ts';

const CELESTE = '504461';
let fake: FakeTwitch;
let twitch: TwitchClient;
beforeEach(async () => {
	fake = await startFakeTwitch();
	twitch = clientFor(fake);
});
afterEach(async () => {
	await twitch.close();
	await fake.close();
});

/** `count` live channels in Celeste with 1,000, 999, 998, … viewers, every third in German. */
function seedCategory(count: number) {
	for (let index = 0; index < count; index++) {
		const user = fake.addUser({ login: `celeste_${index}` });
		fake.goLive(user.id, {
			game_id: CELESTE,
			game_name: 'Celeste',
			viewer_count: 1_000 - index,
			language: index % 3 === 0 ? 'de' : 'en',
		});
	}
	const other = fake.addUser({ login: 'elsewhere' });
	fake.goLive(other.id, { game_id: '509658', game_name: 'Just Chatting', viewer_count: 5_000 });
}

const streamRequests = () => fake.requests.filter((entry) => entry.route === '/helix/streams').length;

describe('live streams of a category', () => {
	it('stops paging once a page ends below the minimum, and returns only streams at or over it', async () => {
		seedCategory(450); // 1,000 down to 551 viewers: pages of 100
		const { streams, complete } = await twitch.getCategoryStreams({ gameId: CELESTE, minViewers: 850, maxPages: 5 });
		expect(streams).toHaveLength(151); // 1,000 … 850
		expect(streams.every((stream) => stream.gameId === CELESTE && stream.viewerCount >= 850)).toBe(true);
		expect(complete).toBe(true);
		expect(streamRequests()).toBe(2); // the second page ends at 801: no third
	});

	it('keeps to its page budget and says the list was cut', async () => {
		seedCategory(450);
		const { streams, complete } = await twitch.getCategoryStreams({ gameId: CELESTE, maxPages: 2 });
		expect(streams).toHaveLength(200);
		expect(complete).toBe(false);
		expect(streamRequests()).toBe(2);
	});

	it('asks Twitch for one language only when told', async () => {
		seedCategory(30);
		const { streams, complete } = await twitch.getCategoryStreams({ gameId: CELESTE, language: 'de', maxPages: 3 });
		expect(streams).toHaveLength(10);
		expect(streams.every((stream) => stream.language === 'de')).toBe(true);
		expect(complete).toBe(true);
		expect(streamRequests()).toBe(1);
	});
});
