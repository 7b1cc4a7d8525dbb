import type { Interaction } from 'discord.js';
import { describe, expect, it } from 'vitest';
import live from '../../commands/live.ts';
import { handleInteraction } from '../../src/discord/interaction-boundary.ts';
import { channelSuggestions } from '../../src/discord/twitch-channel-option.ts';
import type { TwitchChannelSearchResult } from '../../src/twitch/index.ts';
import { fakeAutocomplete, INTERACTION_TEST_START, testContext } from '../discord/fake-interactions.ts';
import { ManualClock } from '../support/clock.ts';
import { aSearchResult } from './twitch-data.ts';

function searchRecorder(results: TwitchChannelSearchResult[]) {
	const queries: unknown[] = [];
	return {
		queries,
		twitch: {
			searchChannels: async (query: string, options?: { liveOnly?: boolean; count?: number }) => {
				queries.push([query, options]);
				return results;
			},
		},
	};
}

describe('channel autocomplete', () => {
	it('suggests matching channels by login, live ones marked', async () => {
		const { twitch, queries } = searchRecorder([
			aSearchResult({ isLive: true }),
			aSearchResult({ id: '2', login: 'devops_jp', displayName: 'デブ' }),
		]);
		expect(await channelSuggestions(twitch, '@twitchd')).toEqual([
			{ name: 'TwitchDev · live', value: 'twitchdev' },
			{ name: 'デブ (devops_jp)', value: 'devops_jp' },
		]);
		expect(queries).toEqual([['twitchd', { count: 25 }]]);
	});

	it.each(['', '   ', 'has space', 'semi;colon', 'x'.repeat(26)])(
		'suggests nothing, without asking Twitch, for %j',
		async (partial) => {
			const { twitch, queries } = searchRecorder([aSearchResult()]);
			expect(await channelSuggestions(twitch, partial)).toEqual([]);
			expect(queries).toEqual([]);
		},
	);

	it('offers at most 25 choices, without duplicates', async () => {
		const many = Array.from({ length: 40 }, (_, i) => aSearchResult({ id: String(i), login: `chan${i % 30}` }));
		const choices = await channelSuggestions(searchRecorder(many).twitch, 'chan');
		expect(choices).toHaveLength(25);
		expect(new Set(choices.map((choice) => choice.value)).size).toBe(25);
	});

	it('answers through the boundary with the suggestions', async () => {
		const { twitch } = searchRecorder([aSearchResult()]);
		const { interaction, answers } = fakeAutocomplete({ commandName: 'live', focused: 'channel', value: 'twitch' });
		await handleInteraction(interaction as Interaction, testContext({ twitch }), new Map([['live', live]]));
		expect(answers).toEqual([{ method: 'respond', payload: [{ name: 'TwitchDev', value: 'twitchdev' }] }]);
	});

	it('answers an empty list when Twitch does not answer before the deadline', async () => {
		const twitch = { searchChannels: () => new Promise<never>(() => {}) };
		const { interaction, answers } = fakeAutocomplete({ commandName: 'live', focused: 'channel', value: 'twitch' });
		const ctx = testContext({ twitch, clock: new ManualClock(INTERACTION_TEST_START, { instantSleeps: true }) });
		await handleInteraction(interaction as Interaction, ctx, new Map([['live', live]]));
		expect(answers).toEqual([{ method: 'respond', payload: [] }]);
	});
});
