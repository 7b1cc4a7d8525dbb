import type { ApplicationCommandOptionChoiceData, AutocompleteInteraction } from 'discord.js';
import type { AppContext } from '../context.ts';
import type { TwitchClient } from '../twitch/index.ts';
import { DISCORD_LIMITS } from '../views/discord-limits.ts';
import { categorySuggestions } from '../views/watch-choices.ts';
import { respondWithinDeadline } from './twitch-channel-option.ts';

/**
 * Suggestions for an option that names a Twitch category: Twitch's category search for what was typed (cached by the
 * client, as every keystroke asks again), or the most-watched categories before anything is typed; at most 25.
 */
export async function twitchCategorySuggestions(
	twitch: Pick<TwitchClient, 'searchCategories' | 'getTopGames'>,
	partial: string,
): Promise<ApplicationCommandOptionChoiceData<string>[]> {
	const typed = partial.trim();
	const count = DISCORD_LIMITS.autocompleteChoices;
	return categorySuggestions(typed ? await twitch.searchCategories(typed, count) : await twitch.getTopGames(count));
}

/** The `autocomplete` answer for a Twitch category option; an empty list when Twitch takes too long. */
export async function autocompleteTwitchCategory(interaction: AutocompleteInteraction, ctx: AppContext): Promise<void> {
	const focused = interaction.options.getFocused(true);
	await respondWithinDeadline(interaction, ctx, () => twitchCategorySuggestions(ctx.twitch, String(focused.value)));
}
