import type { ApplicationCommandOptionChoiceData } from 'discord.js';
import type { Watch } from '../store/records.ts';
import { stripBidiControls } from '../unicode-text.ts';
import { DISCORD_LIMITS, truncate } from './discord-limits.ts';

/**
 * Autocomplete suggestions from the guild's watches: display names or logins containing what was typed, at most
 * 25 as Discord allows; the value is the stored login.
 */
export function watchSuggestions(
	watches: readonly Watch[],
	partial: string,
): ApplicationCommandOptionChoiceData<string>[] {
	const typed = partial.trim().replace(/^@/, '').toLowerCase();
	return watches
		.filter(
			(watch) => !typed || watch.login.toLowerCase().includes(typed) || watch.displayName.toLowerCase().includes(typed),
		)
		.sort((a, b) => a.login.localeCompare(b.login))
		.slice(0, DISCORD_LIMITS.autocompleteChoices)
		.map((watch) => {
			const displayName = stripBidiControls(watch.displayName);
			return {
				name: truncate(
					displayName.toLowerCase() === watch.login.toLowerCase() ? displayName : `${displayName} (${watch.login})`,
					DISCORD_LIMITS.choiceName,
				),
				value: watch.login,
			};
		});
}
