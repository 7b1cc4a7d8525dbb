import { ApplicationCommandOptionType } from 'discord.js';
import { type Command, type CommandDefinition, readOptions } from '../src/discord/command.ts';
import { withDeferral } from '../src/discord/interaction-boundary.ts';
import { UserError } from '../src/errors.ts';
import type { TwitchClient, TwitchGame } from '../src/twitch/index.ts';
import { truncate } from '../src/views/discord-limits.ts';
import { renderTopStreams } from '../src/views/streams.ts';

const DEFAULT_COUNT = 10;

const data = {
	name: 'streams',
	description: 'The most-watched live streams on Twitch, overall or in one category.',
	options: [
		{
			type: ApplicationCommandOptionType.String,
			name: 'game',
			description: 'A category, by its name on Twitch (e.g. Just Chatting)',
			max_length: 100,
		},
		{
			type: ApplicationCommandOptionType.String,
			name: 'language',
			description: 'A stream language code (e.g. en, de, es)',
			min_length: 2,
			max_length: 5,
		},
		{
			type: ApplicationCommandOptionType.Integer,
			name: 'count',
			description: `How many streams (1–25, default ${DEFAULT_COUNT})`,
			min_value: 1,
			max_value: 25,
		},
	],
} as const satisfies CommandDefinition;

/** Twitch's stream languages are ISO 639-1 codes (two letters) or "other". */
const LANGUAGE_PATTERN = /^(?:[a-z]{2}|other)$/;

/** A language code as Twitch expects it; anything else is a UserError naming the expected form. */
export function parseLanguage(input: string | undefined): string | undefined {
	if (input === undefined) return undefined;
	const code = input.trim().toLowerCase();
	if (!LANGUAGE_PATTERN.test(code)) {
		throw new UserError(
			`“${truncate(input, 20)}” is not a language code: use two letters as Twitch does (en, de, es, fr, ja…) or “other”.`,
		);
	}
	return code;
}

/** The category a person named; an unknown name is a UserError. */
export async function findCategory(twitch: Pick<TwitchClient, 'getGameByName'>, name: string): Promise<TwitchGame> {
	const game = await twitch.getGameByName(name);
	if (!game) {
		throw new UserError(
			`No Twitch category is called “${truncate(name.trim(), 100)}”. Use the name exactly as Twitch shows it (for example “Just Chatting”).`,
		);
	}
	return game;
}

export default {
	data,
	async execute(interaction, ctx) {
		const options = readOptions(interaction, data.options);
		const language = parseLanguage(options.language);
		const count = options.count ?? DEFAULT_COUNT;
		await withDeferral(
			interaction,
			async () => {
				const game = options.game ? await findCategory(ctx.twitch, options.game) : null;
				const streams = await ctx.twitch.getTopStreams({ gameId: game?.id, language }, count);
				return renderTopStreams(streams, { game, language: language ?? null });
			},
			{ clock: ctx.clock },
		);
	},
} satisfies Command;
