/** The targets of a stream as delivery sees them: its channel's watches by name, then the category watches' ones. */
import type { CategoryMatch } from '../store/category-match-repository.ts';
import type { CategoryWatch } from '../store/category-watch-repository.ts';
import type { Watch } from '../store/records.ts';

/** A watch of a channel as delivery sees it, made from a category watch's decision to announce one of its streams. */
export type CategoryTarget = Watch & { readonly category: CategoryWatch };

/** Where targets of category watches come from (CategorySource). */
export interface CategoryTargets {
	targetsOf(userId: string): CategoryTarget[];
}

export function categoryTarget(watch: CategoryWatch, decision: CategoryMatch): CategoryTarget {
	return Object.freeze({
		version: 1 as const,
		guildId: watch.guildId,
		twitchUserId: decision.userId,
		login: decision.login,
		displayName: decision.displayName,
		channelId: watch.channelId,
		roleId: watch.roleId,
		template: watch.template,
		createdAt: watch.createdAt,
		createdBy: watch.createdBy,
		paused: watch.paused ?? null,
		category: watch,
	});
}

/** Name watches first; a guild without one gets the category target of the channel's stream. */
export function targetDirectory(
	watches: { watchesForUser(userId: string): Watch[] },
	categories: CategoryTargets | undefined,
): { watchesForUser(userId: string): Watch[] } {
	if (!categories) return watches;
	return {
		watchesForUser(userId) {
			const named = watches.watchesForUser(userId);
			const byCategory = categories
				.targetsOf(userId)
				.filter((target) => !named.some((watch) => watch.guildId === target.guildId));
			return byCategory.length === 0 ? named : [...named, ...byCategory];
		},
	};
}

/** The category watch behind a target, when it came from one. */
export function categoryOf(watch: Watch): CategoryWatch | undefined {
	return 'category' in watch ? (watch as CategoryTarget).category : undefined;
}
