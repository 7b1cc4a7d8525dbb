import type { ApplicationCommandOptionChoiceData } from 'discord.js';
import type { CategoryWatch } from '../store/category-watch-repository.ts';
import type { Watch } from '../store/records.ts';
import type { TwitchCategory } from '../twitch/index.ts';
import { stripBidiControls } from '../unicode-text.ts';
import { CATEGORY_CHOICE_PREFIX } from '../watch/add-category-watch.ts';
import { categoryWatchLabel } from './category-watch.ts';
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

/**
 * Suggestions for `/watch remove category:` from the guild's category watches: those whose label ("Celeste · de ·
 * ≥50 viewers") contains what was typed, at most 25; the value is the watch's id.
 */
export function categoryWatchSuggestions(
	watches: readonly CategoryWatch[],
	partial: string,
): ApplicationCommandOptionChoiceData<string>[] {
	const typed = partial.trim().toLowerCase();
	return watches
		.map((watch) => ({ watch, label: categoryWatchLabel(watch) }))
		.filter(({ label }) => !typed || label.toLowerCase().includes(typed))
		.sort((a, b) => a.label.localeCompare(b.label))
		.slice(0, DISCORD_LIMITS.autocompleteChoices)
		.map(({ watch, label }) => ({ name: truncate(label, DISCORD_LIMITS.choiceName), value: watch.id }));
}

/**
 * Suggestions for `/watch category game:` from Twitch's category search, at most 25; the value names the category by
 * id (`id:<game id>`, see CATEGORY_CHOICE_PREFIX), so that the one picked is the one watched.
 */
export function categorySuggestions(
	categories: readonly TwitchCategory[],
): ApplicationCommandOptionChoiceData<string>[] {
	const seen = new Set<string>();
	const choices: ApplicationCommandOptionChoiceData<string>[] = [];
	for (const category of categories) {
		const value = `${CATEGORY_CHOICE_PREFIX}${category.id}`;
		if (seen.has(category.id) || value.length > DISCORD_LIMITS.choiceValue) continue;
		seen.add(category.id);
		choices.push({ name: truncate(stripBidiControls(category.name), DISCORD_LIMITS.choiceName), value });
		if (choices.length === DISCORD_LIMITS.autocompleteChoices) break;
	}
	return choices;
}

/** Languages Twitch tags many streams with (its stream language codes are ISO 639-1, plus "other"). */
const COMMON_STREAM_LANGUAGES: ReadonlyArray<readonly [code: string, name: string]> = [
	['en', 'English'],
	['es', 'Spanish'],
	['de', 'German'],
	['fr', 'French'],
	['pt', 'Portuguese'],
	['ru', 'Russian'],
	['ja', 'Japanese'],
	['ko', 'Korean'],
	['it', 'Italian'],
	['zh', 'Chinese'],
	['pl', 'Polish'],
	['tr', 'Turkish'],
	['nl', 'Dutch'],
	['sv', 'Swedish'],
	['ar', 'Arabic'],
	['other', 'Other'],
];

/** Suggestions for a stream language: common codes whose code or English name starts with what was typed. */
export function languageSuggestions(partial: string): ApplicationCommandOptionChoiceData<string>[] {
	const typed = partial.trim().toLowerCase();
	return COMMON_STREAM_LANGUAGES.filter(
		([code, name]) => !typed || code.startsWith(typed) || name.toLowerCase().startsWith(typed),
	).map(([code, name]) => ({ name: `${code} · ${name}`, value: code }));
}
