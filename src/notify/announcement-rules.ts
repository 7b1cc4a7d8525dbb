/**
 * Which guilds announce a stream and where: the guild's filters and the watch's target channel. Pure functions of
 * stored records, shared by the announcer and by the `/watch` commands (preview, list).
 */
import type { DeliveryStatus, GuildSettings, Watch } from '../store/records.ts';

/** The parts of a stream the guild filters look at. */
export interface FilteredStream {
	title: string;
	/** '' when the stream has no category: it then never matches a game filter. */
	gameName: string;
}

/**
 * Whether a guild's filters let this stream be announced: with a game filter the category must be one of the
 * listed names (case-insensitive), with a keyword filter the title must contain one of the words.
 */
export function passesGuildFilters(settings: GuildSettings, stream: FilteredStream): boolean {
	if (settings.gameFilter.length > 0 && !settings.gameFilter.includes(stream.gameName.trim().toLowerCase())) {
		return false;
	}
	if (settings.keywordFilter.length > 0) {
		const title = stream.title.toLowerCase();
		if (!settings.keywordFilter.some((keyword) => title.includes(keyword))) return false;
	}
	return true;
}

/** The channel a watch posts in: its own, else the guild's default; null when neither is set. */
export function targetChannelOf(watch: Watch, settings: GuildSettings): string | null {
	return watch.channelId ?? settings.defaultChannelId;
}

/**
 * A target's status with its backoff lifted, so that the next cycle tries it at once. For the commands that fix a
 * target (a new default channel, a successful `/watch test`); the last error stays visible until a post succeeds.
 */
export function withBackoffCleared<S extends DeliveryStatus>(status: S): S {
	return { ...status, consecutiveFailures: 0, retryAt: null };
}

/** Whether a target that kept failing is still waiting before the next attempt. */
export function isInBackoff(delivery: DeliveryStatus, now: number): boolean {
	return delivery.retryAt !== null && delivery.retryAt > now;
}

export interface BackoffPolicy {
	/** Wait after the first failure (ms). */
	baseMs: number;
	/** Longest wait (ms). */
	maxMs: number;
}

/** 1 minute after the first failure, doubling up to 1 hour: a broken channel costs Discord a few requests an hour. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 60_000, maxMs: 60 * 60_000 };

/** How long to wait before trying a target again after its `failures`-th failure in a row (failures ≥ 1). */
export function backoffDelay(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
	const exponent = Math.min(Math.max(failures, 1) - 1, 30);
	return Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
}
