/** What `/watch test` does, without Discord's client: renders a watch's announcement and posts it as a preview. */
import {
	type AnnouncedStream,
	type AnnouncementMessage,
	type AnnouncementRenderer,
	announcedStreamFromTwitch,
	sampleStream,
} from '../notify/announcement-port.ts';
import { passesGuildFilters, targetChannelOf, withBackoffCleared } from '../notify/announcement-rules.ts';
import { describeDeliveryError } from '../notify/delivery-problems.ts';
import type { Watch } from '../store/records.ts';
import { findGuildWatch } from './find-guild-watch.ts';
import type { TargetChecker, TargetProblem } from './permissions.ts';
import type { WatchAdminDeps } from './watch-admin-deps.ts';

export interface PreviewOutcome {
	watch: Watch;
	targetChannelId: string | null;
	/** The announcement as it would be posted (preview form: the role is shown but pinged by no one). */
	message: AnnouncementMessage;
	/** The real current stream (live) or a stand-in (offline). */
	live: boolean;
	/** The channel is live but the guild's game or keyword filter would keep this stream from being announced. */
	filteredOut: boolean;
	/** The posted preview, when it could be posted. */
	posted: { channelId: string; messageId: string } | null;
	/** Why it was not posted in the target channel (then the reply carries the preview). */
	notPostedBecause: NotPostedReason | null;
}

/** Why `/watch test` did not post its preview; src/views/watch.ts words it. */
export type NotPostedReason =
	/** The watch has no channel of its own and, unless `serverHasDefault`, the server no default channel. */
	| { kind: 'no-channel'; serverHasDefault: boolean }
	/** The gateway cache shows the bot cannot post there: nothing was sent to Discord. */
	| { kind: 'target-blocked'; problem: TargetProblem }
	/**
	 * Discord refused the post or could not be reached. `message` is describeDeliveryError's (plain words, with an
	 * incident id when the cause is not a known Discord code); `worthRetrying` when the failure usually passes.
	 */
	| { kind: 'post-failed'; message: string; worthRetrying: boolean };

/** Posts a message body (Discord API JSON) to a channel; resolves with the created message. */
export type PostMessage = (channelId: string, body: AnnouncementMessage) => Promise<{ id: string }>;

/**
 * Posts a preview of the watch's announcement in its target channel: the real stream when the channel is live,
 * else a stand-in. Does not post (and says why) when there is no target or the bot cannot post there, so that a
 * known failure costs Discord no invalid request. A preview that posts proves the target works again: the watch's
 * recorded delivery problem and its retry backoff are cleared, as the notifier does after a successful post.
 */
export async function previewAnnouncement(
	deps: WatchAdminDeps,
	guildId: string,
	typed: string,
	checkTarget: TargetChecker,
	post: PostMessage,
	render: AnnouncementRenderer['live'],
): Promise<PreviewOutcome> {
	const watch = await findGuildWatch(deps, guildId, typed);
	const settings = await deps.repositories.guildSettings.get(guildId);
	const now = deps.clock.now();
	const twitchStream = await deps.twitch.getStreamByUserId(watch.twitchUserId);
	const stream: AnnouncedStream = twitchStream
		? announcedStreamFromTwitch(twitchStream)
		: sampleStream({ userId: watch.twitchUserId, login: watch.login, displayName: watch.displayName }, now);
	const message = render({
		stream,
		template: watch.template,
		roleId: watch.roleId,
		now,
		preview: true,
	});
	const outcome: PreviewOutcome = {
		watch,
		targetChannelId: targetChannelOf(watch, settings),
		message,
		live: twitchStream !== null,
		filteredOut: twitchStream !== null && !passesGuildFilters(settings, stream),
		posted: null,
		notPostedBecause: null,
	};
	const channelId = outcome.targetChannelId;
	if (channelId === null) {
		return {
			...outcome,
			notPostedBecause: { kind: 'no-channel', serverHasDefault: settings.defaultChannelId !== null },
		};
	}
	// The role is not pinged by a preview, so only the channel's permissions matter here.
	const check = checkTarget(channelId, null);
	if (check.status === 'blocked') {
		return { ...outcome, notPostedBecause: { kind: 'target-blocked', problem: check.problem } };
	}
	try {
		const created = await post(channelId, message);
		await clearDeliveryProblem(deps, watch);
		return { ...outcome, posted: { channelId, messageId: created.id } };
	} catch (error) {
		const problem = describeDeliveryError(error, {
			logger: deps.logger,
			context: { guildId, channelId, twitchUserId: watch.twitchUserId, during: '/watch test' },
		});
		// A passing failure (network, Discord 5xx, 429) is worth another try; the others need the admin's fix first.
		const worthRetrying = problem.code === null || problem.code === 429 || problem.code >= 500;
		return { ...outcome, notPostedBecause: { kind: 'post-failed', message: problem.message, worthRetrying } };
	}
}

/** After a successful `/watch test`: the target works, so its last problem, backoff and pause are lifted. */
async function clearDeliveryProblem(deps: WatchAdminDeps, watch: Watch): Promise<void> {
	if (watch.paused) {
		await deps.repositories.watches.update(watch.guildId, watch.twitchUserId, (current) => ({
			...current,
			paused: null,
		}));
	}
	const status = await deps.repositories.deliveryStatus.get(watch);
	if (status.lastError === null && status.retryAt === null) return;
	await deps.repositories.deliveryStatus.update(watch, (current) => ({
		...withBackoffCleared(current),
		lastError: null,
	}));
	// The notifier (in this process or another) reads the status again instead of keeping its backoff.
	await deps.repositories.watches.touch(watch.guildId);
}
