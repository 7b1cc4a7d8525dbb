import {
	type ApplicationCommandOptionChoiceData,
	ApplicationCommandOptionType,
	type AutocompleteInteraction,
} from 'discord.js';
import type { AppContext } from '../context.ts';
import type { TwitchClient } from '../twitch/index.ts';
import { isValidLogin } from '../twitch/index.ts';
import { DISCORD_LIMITS, truncate } from '../views/discord-limits.ts';

/**
 * Discord gives an autocomplete request the same 3 seconds as a command. Past this, suggestions are dropped and
 * an empty list is sent, rather than no answer at all.
 */
export const AUTOCOMPLETE_DEADLINE_MS = 2500;

/** The `channel:<login>` option of /live, /user and /clips: required, autocompleted from Twitch's channel search. */
export const TWITCH_CHANNEL_OPTION = {
	type: ApplicationCommandOptionType.String,
	name: 'channel',
	description: 'The Twitch channel (its login, as in twitch.tv/<login>)',
	required: true,
	autocomplete: true,
	max_length: 100,
} as const;

/**
 * Suggestions for the option being typed that names a Twitch channel: channels whose name matches (Twitch's
 * channel search, cached by the client because every keystroke asks again), at most 25 as Discord allows.
 * An empty partial, or one that cannot be a login, gets no suggestions and costs no request.
 */
export async function channelSuggestions(
	twitch: Pick<TwitchClient, 'searchChannels'>,
	partial: string,
): Promise<ApplicationCommandOptionChoiceData<string>[]> {
	const typed = partial.trim().replace(/^@/, '');
	if (!typed || !isValidLogin(typed)) return [];
	const channels = await twitch.searchChannels(typed, { count: DISCORD_LIMITS.autocompleteChoices });
	const seen = new Set<string>();
	const choices: ApplicationCommandOptionChoiceData<string>[] = [];
	for (const channel of channels) {
		const login = channel.login.toLowerCase();
		if (seen.has(login) || !isValidLogin(login)) continue;
		seen.add(login);
		const shownName =
			channel.displayName.toLowerCase() === login ? channel.displayName : `${channel.displayName} (${login})`;
		choices.push({
			name: truncate(`${shownName}${channel.isLive ? ' · live' : ''}`, DISCORD_LIMITS.choiceName),
			value: login,
		});
		if (choices.length === DISCORD_LIMITS.autocompleteChoices) break;
	}
	return choices;
}

/**
 * The `autocomplete` handler of commands whose autocompleted option is a Twitch channel. Answers with an empty list
 * when Twitch takes too long, so that the user can keep typing.
 */
export async function autocompleteTwitchChannel(interaction: AutocompleteInteraction, ctx: AppContext): Promise<void> {
	const focused = interaction.options.getFocused(true);
	await respondWithinDeadline(interaction, ctx, () => channelSuggestions(ctx.twitch, String(focused.value)));
}

/**
 * Answers an autocomplete request with `suggestions()`, or with an empty list once AUTOCOMPLETE_DEADLINE_MS have
 * passed (Twitch being slow), so that the user can keep typing.
 */
export async function respondWithinDeadline(
	interaction: Pick<AutocompleteInteraction, 'respond'>,
	ctx: Pick<AppContext, 'clock'>,
	suggestions: () => Promise<ApplicationCommandOptionChoiceData<string>[]>,
): Promise<void> {
	const stopTimer = new AbortController();
	const timedOut = ctx.clock.sleep(AUTOCOMPLETE_DEADLINE_MS, stopTimer.signal).then(
		() => [] as ApplicationCommandOptionChoiceData<string>[],
		() => new Promise<never>(() => {}),
	);
	try {
		const choices = await Promise.race([suggestions(), timedOut]);
		await interaction.respond(choices);
	} finally {
		stopTimer.abort();
	}
}
