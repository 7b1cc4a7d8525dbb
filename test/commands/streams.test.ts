import { type Interaction, MessageFlags } from 'discord.js';
import { describe, expect, it } from 'vitest';
import streams from '../../commands/streams.ts';
import { handleInteraction } from '../../src/discord/interaction-boundary.ts';
import { UserError } from '../../src/errors.ts';
import type { TopStreamsQuery } from '../../src/twitch/index.ts';
import { parseLanguage } from '../../src/twitch/lookups.ts';
import { renderTopStreams } from '../../src/views/streams.ts';
import { fakeChatInput, testContext } from '../discord/fake-interactions.ts';
import { aGame, aStream } from './twitch-data.ts';

const topStreams = [
	aStream(),
	aStream({
		id: '2',
		userLogin: 'other',
		userName: 'Other_Streamer',
		title: 'chill *vibes*',
		viewerCount: 900,
		gameName: '',
	}),
];

describe('/streams rendering', () => {
	it('lists streams with name, viewers, category and title, most-watched first', () => {
		const embed = renderTopStreams(topStreams, { game: null, language: null }).embeds?.[0];
		expect(embed?.title).toBe('Top live streams');
		expect(embed?.description?.split('\n')).toEqual([
			'**1.** [TwitchDev](https://www.twitch.tv/twitchdev) — 12,345 viewers · Science & Technology',
			'Building a Discord bot',
			'**2.** [Other\\_Streamer](https://www.twitch.tv/other) — 900 viewers · *no category*',
			'chill \\*vibes\\*',
		]);
	});

	it('names the category and language filter, omits the category per line, and shows its box art', () => {
		const embed = renderTopStreams(topStreams.slice(0, 1), { game: aGame(), language: 'en' }).embeds?.[0];
		expect(embed?.title).toBe('Top live streams in Just Chatting, in language `en`');
		expect(embed?.description).not.toContain('Science');
		expect(embed?.thumbnail?.url).toBe('https://static-cdn.jtvnw.net/ttv-boxart/509658-285x380.jpg');
	});

	it('keeps 25 long entries within the 4096-character description', () => {
		const many = Array.from({ length: 25 }, (_, i) => aStream({ id: String(i), title: 'T'.repeat(140) }));
		const description = renderTopStreams(many, { game: null, language: null }).embeds?.[0]?.description ?? '';
		expect(description.length).toBeLessThanOrEqual(4096);
	});

	it('says so when nothing is live', () => {
		expect(renderTopStreams([], { game: aGame(), language: null }).content).toBe(
			'No live streams found in Just Chatting.',
		);
	});
});

describe('/streams handler', () => {
	async function run(options: Record<string, string | number>, known = true) {
		const queries: [TopStreamsQuery, number | undefined][] = [];
		const ctx = testContext({
			twitch: {
				getGameByName: async (name) => (known ? aGame({ name }) : null),
				getTopStreams: async (query, count) => {
					queries.push([query, count]);
					return topStreams;
				},
			},
		});
		const { interaction, answers } = fakeChatInput({ commandName: 'streams', options });
		await handleInteraction(interaction as Interaction, ctx, new Map([['streams', streams]]));
		return { queries, answers };
	}

	it('asks for the top streams of the named category, language and count', async () => {
		const { queries } = await run({ game: 'Just Chatting', language: 'DE', count: 5 });
		expect(queries).toEqual([[{ gameId: '509658', language: 'de' }, 5]]);
	});

	it('asks for the overall top ten without options', async () => {
		const { queries } = await run({});
		expect(queries).toEqual([[{ gameId: undefined, language: undefined }, 10]]);
	});

	it('answers privately that an unknown category does not exist', async () => {
		const { queries, answers } = await run({ game: 'Not A Real Game' }, false);
		expect(queries).toEqual([]);
		expect(answers[0]?.payload).toMatchObject({
			content: expect.stringContaining('No Twitch category is called “Not A Real Game”'),
			flags: MessageFlags.Ephemeral,
		});
	});

	it('refuses a language that is not a two-letter code', async () => {
		const { answers } = await run({ language: 'english' });
		expect(answers[0]?.payload.content).toMatch(/is not a language code/);
		expect(() => parseLanguage('other')).not.toThrow();
		expect(() => parseLanguage('e1')).toThrow(UserError);
	});
});
