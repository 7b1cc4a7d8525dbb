import type { Interaction } from 'discord.js';
import { describe, expect, it } from 'vitest';
import search from '../../commands/search.ts';
import { handleInteraction } from '../../src/discord/interaction-boundary.ts';
import { renderChannelSearch } from '../../src/views/search.ts';
import { fakeChatInput, testContext } from '../discord/fake-interactions.ts';
import { aSearchResult } from './twitch-data.ts';

describe('/search rendering', () => {
	it('lists matching channels, live ones marked, with login when it differs from the name', () => {
		const embed = renderChannelSearch(
			'dev',
			[
				aSearchResult({ isLive: true }),
				aSearchResult({ id: '2', login: 'devstudio', displayName: 'デブ', gameName: '', title: '' }),
			],
			{ liveOnly: false },
		).embeds?.[0];
		expect(embed?.title).toBe('Channels matching “dev”');
		expect(embed?.description?.split('\n')).toEqual([
			'🔴 [TwitchDev](https://www.twitch.tv/twitchdev) · Science & Technology',
			'Building a Discord bot',
			'⚫ [デブ](https://www.twitch.tv/devstudio) (`devstudio`)',
		]);
	});

	it('says when nothing matches, escaping the query', () => {
		expect(renderChannelSearch('*nope*', [], { liveOnly: true }).content).toBe(
			'No live Twitch channel matches “\\*nope\\*”.',
		);
	});
});

describe('/search handler', () => {
	it('passes the live filter to Twitch and shows the results', async () => {
		const calls: unknown[] = [];
		const ctx = testContext({
			twitch: {
				searchChannels: async (query, options) => {
					calls.push([query, options]);
					return [aSearchResult({ isLive: true })];
				},
			},
		});
		const { interaction, answers } = fakeChatInput({ commandName: 'search', options: { query: ' dev ', live: true } });
		await handleInteraction(interaction as Interaction, ctx, new Map([['search', search]]));
		expect(calls).toEqual([[' dev ', { liveOnly: true, count: 10 }]]);
		expect(answers[0]?.payload.embeds[0].title).toBe('Live channels matching “dev”');
	});
});
