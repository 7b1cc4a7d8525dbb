import type { Interaction } from 'discord.js';
import { describe, expect, it } from 'vitest';
import topgames from '../../commands/topgames.ts';
import { handleInteraction } from '../../src/discord/interaction-boundary.ts';
import { renderTopGames } from '../../src/views/topgames.ts';
import { fakeChatInput, testContext } from '../discord/fake-interactions.ts';
import { aGame } from './twitch-data.ts';

const games = [
	aGame(),
	aGame({
		id: '32982',
		name: 'Grand Theft Auto V',
		boxArtUrl: 'https://static-cdn.jtvnw.net/ttv-boxart/32982-{width}x{height}.jpg',
	}),
	aGame({ id: '21779', name: 'League of Legends' }),
];

describe('/topgames rendering', () => {
	const embed = renderTopGames(games).embeds?.[0];

	it('numbers the categories in order, each linked to its directory page', () => {
		expect(embed?.title).toBe('Top 3 categories on Twitch');
		expect(embed?.description?.split('\n')).toEqual([
			'**1.** [Just Chatting](https://www.twitch.tv/directory/game/Just%20Chatting)',
			'**2.** [Grand Theft Auto V](https://www.twitch.tv/directory/game/Grand%20Theft%20Auto%20V)',
			'**3.** [League of Legends](https://www.twitch.tv/directory/game/League%20of%20Legends)',
		]);
	});

	it('shows the box art of the first category at Twitch’s 285×380', () => {
		expect(embed?.thumbnail?.url).toBe('https://static-cdn.jtvnw.net/ttv-boxart/509658-285x380.jpg');
	});

	it('keeps a category name with brackets and parentheses from breaking its link', () => {
		const line = renderTopGames([aGame({ name: 'Game [Beta] (2024)' })]).embeds?.[0]?.description;
		expect(line).toBe(
			'**1.** [Game ⁅Beta⁆ (2024)](https://www.twitch.tv/directory/game/Game%20%5BBeta%5D%20%282024%29)',
		);
	});

	it('says so when Twitch lists nothing', () => {
		expect(renderTopGames([]).content).toBe('Twitch lists no categories right now.');
	});
});

describe('/topgames handler', () => {
	async function run(options: Record<string, number>) {
		const counts: number[] = [];
		const ctx = testContext({
			twitch: {
				getTopGames: async (count = 100) => {
					counts.push(count);
					return games.slice(0, count);
				},
			},
		});
		const { interaction, answers } = fakeChatInput({ commandName: 'topgames', options });
		await handleInteraction(interaction as Interaction, ctx, new Map([['topgames', topgames]]));
		return { counts, answers };
	}

	it('asks Twitch for the count given', async () => {
		const { counts, answers } = await run({ count: 2 });
		expect(counts).toEqual([2]);
		expect(answers[0]?.payload.embeds[0].title).toBe('Top 2 categories on Twitch');
	});

	it('shows ten when no count is given', async () => {
		expect((await run({})).counts).toEqual([10]);
	});
});
