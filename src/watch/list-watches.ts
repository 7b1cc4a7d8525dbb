/** What `/watch list` does, without Discord: the guild's watches with where and whether they can post. */
import { targetChannelOf } from '../notify/announcement-rules.ts';
import { type CategoryWatch, categoryStatusTarget } from '../store/category-watch-repository.ts';
import { emptyDeliveryStatus, type StreamState, type TargetStatus, type Watch } from '../store/records.ts';
import type { TargetCheck, TargetChecker, TargetProblem } from './permissions.ts';
import type { WatchAdminDeps } from './watch-admin-deps.ts';

export type LiveStatus = 'live' | 'offline' | 'unknown';

export interface WatchListEntry {
	watch: Watch;
	/** Where it posts now; null when it has no channel and the guild no default. */
	targetChannelId: string | null;
	usesDefaultChannel: boolean;
	status: LiveStatus;
	/** How delivery to its target went lately (last problem, backoff, last announcement). */
	delivery: TargetStatus;
	/** Whether EventSub pushes its go-lives (true) or polling alone finds them (false); null when EventSub is off. */
	instant: boolean | null;
	/** What stops it from posting right now, from the gateway cache (before any post fails). */
	currentProblem: TargetProblem | null;
}

/** A category watch in `/watch list`: where it posts and what stops it (no live status: it is about many streams). */
export interface CategoryWatchListEntry {
	watch: CategoryWatch;
	/** Where it posts now; null when it has no channel and the guild no default. */
	targetChannelId: string | null;
	usesDefaultChannel: boolean;
	/** What stops it from posting right now, from the gateway cache. */
	currentProblem: TargetProblem | null;
	/** How its posts went lately (shared by every streamer it announced): last post, last problem, backoff. */
	delivery: TargetStatus;
}

export interface WatchListing {
	entries: WatchListEntry[];
	watchLimit: number;
	/** The guild's category watches, oldest first, and how many it may have; absent: none. */
	categories?: { entries: CategoryWatchListEntry[]; limit: number } | undefined;
}

/**
 * The guild's watches in login order, then its category watches, each with its target, whether the channel is live and what would stop the
 * next post. Live status: the notifier's memory, else the stored stream state, else one batched Twitch lookup for
 * the rest (failing that, "unknown": the list must still show).
 */
export async function listWatches(
	deps: WatchAdminDeps,
	guildId: string,
	checkTarget: TargetChecker,
): Promise<WatchListing> {
	const { watches, categoryWatches, guildSettings, deliveryStatus } = deps.repositories;
	const [settings, list, categoryList] = await Promise.all([
		guildSettings.get(guildId),
		watches.listByGuild(guildId),
		categoryWatches.listByGuild(guildId),
	]);
	const problemOf = (targetChannelId: string | null, roleId: string | null): TargetProblem | null => {
		const check: TargetCheck = targetChannelId === null ? { status: 'ok' } : checkTarget(targetChannelId, roleId);
		return check.status === 'blocked' ? check.problem : null;
	};
	// One read for both kinds: a category watch's posts share one status (categoryStatusTarget).
	const categoryTargets = categoryList.map(categoryStatusTarget);
	const deliveries = await deliveryStatus.getMany([...list, ...categoryTargets]);
	const deliveryOf = new Map(list.map((watch, index) => [watch, deliveries[index]]));
	const statuses = await liveStatuses(
		deps,
		list.map((watch) => watch.twitchUserId),
	);
	const entries = [...list]
		.sort((a, b) => a.login.localeCompare(b.login))
		.map((watch): WatchListEntry => {
			const targetChannelId = targetChannelOf(watch, settings);
			return {
				watch,
				targetChannelId,
				usesDefaultChannel: watch.channelId === null,
				status: statuses.get(watch.twitchUserId) ?? 'unknown',
				delivery: deliveryOf.get(watch) ?? emptyTargetStatus(watch),
				instant: deps.notifier?.eventsub ? (deps.notifier.isInstant?.(watch.twitchUserId) ?? false) : null,
				currentProblem: problemOf(targetChannelId, watch.roleId),
			};
		});
	const categoryEntries = categoryList.map((watch, index): CategoryWatchListEntry => {
		const targetChannelId = watch.channelId ?? settings.defaultChannelId;
		return {
			watch,
			targetChannelId,
			usesDefaultChannel: watch.channelId === null,
			currentProblem: problemOf(targetChannelId, watch.roleId),
			delivery: deliveries[list.length + index] ?? emptyTargetStatus(categoryStatusTarget(watch)),
		};
	});
	return {
		entries,
		watchLimit: settings.watchLimit,
		categories: { entries: categoryEntries, limit: settings.categoryWatchLimit },
	};
}

async function liveStatuses(deps: WatchAdminDeps, userIds: string[]): Promise<Map<string, LiveStatus>> {
	const statuses = new Map<string, LiveStatus>();
	const fromState = (state: StreamState): LiveStatus => (state.status === 'live' ? 'live' : 'offline');
	let unknown = userIds.filter((id) => {
		const state = deps.notifier?.streamStateOf(id);
		if (state) statuses.set(id, fromState(state));
		return !state;
	});
	if (unknown.length > 0) {
		const stored = await deps.repositories.streamStates.getMany(unknown);
		for (const [id, state] of stored) statuses.set(id, fromState(state));
		unknown = unknown.filter((id) => !stored.has(id));
	}
	if (unknown.length > 0) {
		try {
			const live = new Set(
				(await deps.twitch.getLiveStreams(unknown, { priority: 'interactive' })).map((stream) => stream.userId),
			);
			for (const id of unknown) statuses.set(id, live.has(id) ? 'live' : 'offline');
		} catch {
			// Twitch is down: the list still shows, with these channels as "unknown".
		}
	}
	return statuses;
}

function emptyTargetStatus(watch: Pick<Watch, 'guildId' | 'twitchUserId'>): TargetStatus {
	return {
		version: 1,
		guildId: watch.guildId,
		twitchUserId: watch.twitchUserId,
		...emptyDeliveryStatus(),
		lastAnnouncedAt: null,
	};
}
