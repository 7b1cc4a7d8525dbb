/**
 * Twitch's category search (Search Categories), and the suggestions `/watch category game:` makes from it as the
 * admin types: against the fake Twitch over real HTTP.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { twitchCategorySuggestions } from '../../src/discord/twitch-category-option.ts';
import type { TwitchClient } from '../../src/twitch/client.ts';
import { type FakeTwitch, startFakeTwitch } from '../fakes/twitch/index.ts';
import { clientFor } from './helpers.ts';

let fake: FakeTwitch;
let twitch: TwitchClient;
beforeEach(async () => {
	fake = await startFakeTwitch();
	twitch = clientFor(fake);
	fake.addGame({ id: '504461', name: 'Celeste' });
	fake.addGame({ id: '1001', name: 'Celestial Cats' });
	fake.addGame({ id: '1002', name: 'Minecraft' });
	fake.addGame({ id: '1003', name: 'The Celeste Fan Game' });
});
afterEach(async () => {
	await twitch.close();
	await fake.close();
});

const searches = () => fake.requests.filter((entry) => entry.route === '/helix/search/categories');

describe('searchCategories', () => {
	it('finds the categories whose name contains the query, whatever its case, the exact name first', async () => {
		const found = await twitch.searchCategories('CELESTE');
		expect(found.map((category) => category.name)).toEqual(['Celeste', 'The Celeste Fan Game']);
		expect(found[0]).toEqual({
			id: '504461',
			name: 'Celeste',
			boxArtUrl: 'https://static-cdn.jtvnw.net/ttv-boxart/504461-52x72.jpg',
		});
		expect((await twitch.searchCategories('celest')).map((category) => category.id)).toEqual([
			'504461',
			'1001',
			'1003',
		]);
		expect(searches()[0]?.query.get('query')).toBe('CELESTE');
	});

	it('keeps to the count asked for', async () => {
		expect(await twitch.searchCategories('c', 2)).toHaveLength(2);
	});

	it('asks Twitch once for a repeated query (autocomplete asks at every keystroke), and never for an empty one', async () => {
		await twitch.searchCategories('celeste');
		await twitch.searchCategories(' Celeste ');
		expect(await twitch.searchCategories('   ')).toEqual([]);
		expect(searches()).toHaveLength(1);
	});

	it('answers no category when nothing matches', async () => {
		expect(await twitch.searchCategories('zelda')).toEqual([]);
	});
});

describe('suggestions for /watch category game:', () => {
	it('offers the categories Twitch finds, valued by id so that the one picked is the one watched', async () => {
		expect(await twitchCategorySuggestions(twitch, 'celeste')).toEqual([
			{ name: 'Celeste', value: 'id:504461' },
			{ name: 'The Celeste Fan Game', value: 'id:1003' },
		]);
	});

	it('offers the most-watched categories before anything is typed', async () => {
		const streamer = fake.addUser({ login: 'climber' });
		fake.goLive(streamer.id, { game_id: '1002', viewer_count: 900 });
		const suggestions = await twitchCategorySuggestions(twitch, '  ');
		expect(suggestions[0]).toEqual({ name: 'Minecraft', value: 'id:1002' });
		expect(suggestions).toHaveLength(4);
		expect(searches()).toHaveLength(0);
	});
});
