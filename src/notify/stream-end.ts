/**
 * Ends and comebacks: when a stream ends, each of its announcements gets the guild's end action (edit to "was
 * live" with the VOD, delete, or keep), or is dropped if it was never posted; an end action that failed for a
 * passing reason is tried again on later cycles, with a doubling wait, within END_RETRY_WINDOW_MS — also after a
 * restart, from the record alone. A stream called ended that is live again gets its posts back to live.
 *
 * Store round trips of an end: one read (the stream's announcements with the settings of its guilds), then one write
 * per announcement.
 */
import {
	type Announcement,
	announcementNonce,
	type GuildSettings,
	type StreamState,
	type Watch,
} from '../store/records.ts';
import type { ViewerSampleRepository } from '../store/viewer-sample-repository.ts';
import type { TwitchClient } from '../twitch/client.ts';
import { type AnnouncedStream, announcedStreamFromState, withOnlyFiles } from './announcement-port.ts';
import { endedStreamOf, targetKey, withFence } from './announcement-records.ts';
import { isPassing } from './delivery-status.ts';
import type { GoLiveEvent } from './go-live-state.ts';
import { planEnd, planEndFailure, planResume } from './planner.ts';
import type { DeliveryContext, StreamMemory } from './stream-queues.ts';
import { CHART_FILENAME, type SummaryCard, summaryCardLookup } from './summary-card.ts';

/**
 * An end action that failed for a passing reason (Discord 5xx, network, 429) is retried for this long after the
 * stream ended: a post must not keep saying "live" because Discord hiccupped once.
 */
export const END_RETRY_WINDOW_MS = 60 * 60_000;
const END_RETRY_FIRST_WAIT_MS = 60_000;

interface PendingEnd {
	streamId: string;
	userId: string;
	guildId: string;
	channelId: string;
	stream: AnnouncedStream;
	attempts: number;
	/** Monotonic time of the next try. */
	nextAttemptAt: number;
}

export interface StreamEndsOptions extends DeliveryContext {
	/** For the VOD link at the stream's end. */
	twitch: Pick<TwitchClient, 'getArchiveForStream'>;
	/** The viewer samples of the stream summary; absent: end edits carry no summary. */
	viewerSamples?: Pick<ViewerSampleRepository, 'samples'> | undefined;
}

export class StreamEnds {
	private readonly o: StreamEndsOptions;
	/** End actions waiting for another try, by targetKey. */
	private readonly pending = new Map<string, PendingEnd>();

	constructor(options: StreamEndsOptions) {
		this.o = options;
	}

	/** Queues the end of a stream in its queue. */
	observeEnded(event: Extract<GoLiveEvent, { kind: 'ended' }>): void {
		const memory = this.o.queues.memoryOf(event.streamId, event.userId);
		this.o.queues.enqueue(memory, 'end', () => this.end(event));
	}

	/** Queues the comeback of a stream called ended (its memory holds the new live state). */
	observeResumed(event: Extract<GoLiveEvent, { kind: 'resumed' }>): void {
		const memory = this.o.queues.memoryOf(event.streamId, event.userId);
		memory.latest = event.state;
		this.o.queues.enqueue(memory, 'resume', () => this.resume(memory));
	}

	/** Queues the end actions whose next try is due. */
	retryDue(): void {
		const now = this.o.clock.monotonic();
		for (const pending of this.pending.values()) {
			if (pending.nextAttemptAt > now) continue;
			pending.nextAttemptAt = Number.POSITIVE_INFINITY; // queued: not again until this try has run
			const memory = this.o.queues.memoryOf(pending.streamId, pending.userId);
			this.o.queues.enqueue(memory, 'end retry', () => this.retry(pending));
		}
	}

	/** An end action a previous run left unfinished (stored 'posted' with endedAt): tried at the next cycle. */
	takeOverUnfinished(announcement: Announcement, state: StreamState | undefined): void {
		this.pending.set(targetKey(announcement), {
			streamId: announcement.streamId,
			userId: announcement.userId,
			guildId: announcement.guildId,
			channelId: announcement.channelId,
			stream: endedStreamOf(announcement, state, this.watchOf(announcement)),
			attempts: 0,
			nextAttemptAt: 0,
		});
	}

	private async end(event: Extract<GoLiveEvent, { kind: 'ended' }>): Promise<void> {
		const stream = announcedStreamFromState(event.state);
		if (!stream) return;
		// The guilds watching the user now: those of its announcements but for a watch removed meanwhile (read apart).
		const guildIds = this.o.watches.watchesForUser(event.userId).map((watch) => watch.guildId);
		const [announcements, settings] = await this.o.announcements.readTogether([
			this.o.announcements.listing(event.streamId),
			this.o.guildSettings.reading(guildIds),
		]);
		const vodUrl = this.vodLookup(event.userId, event.streamId);
		const card = this.cardLookup(stream, event.endedAt);
		await Promise.all(
			announcements.map((announcement) =>
				this.endAnnouncement(
					announcement,
					stream,
					event.endedAt,
					vodUrl,
					card,
					settings.get(announcement.guildId),
				).catch((error: unknown) => {
					this.o.logger.error(
						{ err: error, streamId: announcement.streamId, channelId: announcement.channelId },
						'could not finish an announcement',
					);
				}),
			),
		);
	}

	/** `read`: the guild's settings when they were read with the announcement (else they are read here). */
	private async endAnnouncement(
		announcement: Announcement,
		stream: AnnouncedStream,
		endedAt: number,
		vodUrl: () => Promise<string | null>,
		card: () => Promise<SummaryCard | null>,
		read?: GuildSettings,
	): Promise<void> {
		const settings = read ?? (await this.o.guildSettings.get(announcement.guildId));
		const watch = this.watchOf(announcement);
		const plan = planEnd(announcement, settings.endAction, Boolean(watch?.paused));
		if (plan.action === 'none') return;
		if (plan.action === 'abandon') {
			await this.store({ ...announcement, phase: 'abandoned' });
			this.o.logger.info(
				{ streamId: announcement.streamId, channelId: announcement.channelId },
				'dropped an unposted announcement: the stream ended',
			);
			return;
		}
		let messageId = announcement.messageId;
		if (messageId !== null && (plan.action === 'delete' || plan.action === 'edit-ended')) {
			try {
				if (plan.action === 'delete') {
					await this.o.messages.delete(announcement.channelId, messageId);
					messageId = null;
				} else {
					const summary = settings.streamSummary ? await card() : null;
					const message = this.o.renderer.ended({
						stream,
						endedAt,
						vodUrl: await vodUrl(),
						...(summary ? { summary: summary.summary } : {}),
						...(summary?.chart ? { chart: { filename: CHART_FILENAME } } : {}),
					});
					const files = summary?.chart ? [{ name: CHART_FILENAME, data: summary.chart, contentType: 'image/png' }] : [];
					await this.o.messages.edit(
						announcement.channelId,
						messageId,
						files.length > 0 ? withOnlyFiles(message, files) : message,
					);
				}
			} catch (error) {
				const problem = this.o.status.describe(error, announcement);
				const key = targetKey(announcement);
				const endedForMs = this.o.elapsed.since(`ended:${key}`, endedAt);
				const failure = { passing: isPassing(problem), endedForMs, windowMs: END_RETRY_WINDOW_MS };
				if (planEndFailure(failure) === 'retry') {
					await this.scheduleRetry(announcement, stream, endedAt, problem.code);
					return;
				}
				// A post someone already deleted needs no end action; anything else is worth showing in /watch list.
				if (!problem.messageGone && watch) await this.o.status.recordProblem(watch, announcement.channelId, problem);
			}
		}
		this.pending.delete(targetKey(announcement));
		// A deleted post is recorded without its id: should the stream come back, it is posted anew (see resume).
		await this.store({ ...announcement, phase: 'ended', endedAt, messageId });
		this.o.observer?.announcement('ended');
	}

	private async scheduleRetry(
		announcement: Announcement,
		stream: AnnouncedStream,
		endedAt: number,
		code: number | null,
	): Promise<void> {
		const key = targetKey(announcement);
		const attempts = (this.pending.get(key)?.attempts ?? 0) + 1;
		this.o.observer?.announcement('failed');
		// Stays 'posted' with endedAt set: listed as unfinished, so even a restart tries again.
		await this.store({ ...announcement, endedAt, streamStartedAt: stream.startedAt || null });
		this.pending.set(key, {
			streamId: announcement.streamId,
			userId: announcement.userId,
			guildId: announcement.guildId,
			channelId: announcement.channelId,
			stream,
			attempts,
			nextAttemptAt: this.o.clock.monotonic() + END_RETRY_FIRST_WAIT_MS * 2 ** (attempts - 1),
		});
		this.o.logger.warn(
			{ streamId: announcement.streamId, channelId: announcement.channelId, attempts, code },
			'the end action failed; will try again',
		);
	}

	/** Another try of an end action that failed for a passing reason. */
	private async retry(pending: PendingEnd): Promise<void> {
		const [announcements, settings] = await this.o.announcements.readTogether([
			this.o.announcements.listing(pending.streamId),
			this.o.guildSettings.reading([pending.guildId]),
		]);
		const announcement = announcements.find((stored) => stored.channelId === pending.channelId);
		if (announcement?.phase !== 'posted' || announcement.endedAt === null) {
			this.pending.delete(targetKey(pending));
			return;
		}
		const vodUrl = this.vodLookup(pending.userId, pending.streamId);
		const card = this.cardLookup(pending.stream, announcement.endedAt);
		const guildSettings = settings.get(announcement.guildId);
		await this.endAnnouncement(announcement, pending.stream, announcement.endedAt, vodUrl, card, guildSettings);
	}

	/**
	 * A stream called ended is live after all (Get Streams left it out longer than the grace period): its posts go
	 * back to live — edited, or posted anew without a ping when the end action deleted them. One stream id is never
	 * pinged twice.
	 */
	private async resume(memory: StreamMemory): Promise<void> {
		const state = memory.latest;
		const stream = state?.streamId === memory.streamId ? announcedStreamFromState(state) : null;
		const stored = await this.o.announcements.listForStream(memory.streamId);
		for (const announcement of stored) {
			this.pending.delete(targetKey(announcement));
			const watch = this.watchOf(announcement);
			const plan = planResume(announcement, Boolean(watch?.paused));
			if (plan.action === 'none' || !stream) continue;
			try {
				await this.resumeAnnouncement(announcement, stream, watch, plan.action === 'repost');
			} catch (error) {
				this.o.logger.error(
					{ err: error, streamId: announcement.streamId, channelId: announcement.channelId },
					'could not bring a post back to live',
				);
			}
		}
		memory.loaded = false; // the next sync reads the records anew
		this.o.logger.info({ streamId: memory.streamId, userId: memory.userId }, 'a stream called ended is live again');
	}

	private async resumeAnnouncement(
		announcement: Announcement,
		stream: AnnouncedStream,
		watch: Watch | undefined,
		repost: boolean,
	): Promise<void> {
		const now = this.o.clock.now();
		const message = this.o.renderer.live({
			stream,
			template: watch?.template ?? null,
			roleId: watch?.roleId ?? null,
			now,
		});
		let messageId = repost ? null : announcement.messageId;
		if (messageId !== null) {
			try {
				await this.o.messages.edit(announcement.channelId, messageId, message);
			} catch (error) {
				const problem = this.o.status.describe(error, announcement);
				if (!problem.messageGone) {
					if (watch) await this.o.status.recordProblem(watch, announcement.channelId, problem);
					return;
				}
				messageId = null;
			}
		}
		if (messageId === null) {
			// Posted anew, silently: the role was pinged for this stream already.
			messageId = await this.o.messages.create(announcement.channelId, message, {
				nonce: announcementNonce(announcement.streamId, `${announcement.channelId}:resumed`),
				ping: false,
			});
		}
		await this.store({
			...announcement,
			phase: 'posted',
			messageId,
			endedAt: null,
			lastEditAt: now,
			renderedTitle: stream.title,
			renderedGame: stream.gameName,
		});
	}

	/** Stores the record as this process writes it (see withFence). */
	private async store(announcement: Announcement): Promise<void> {
		await this.o.announcements.put(withFence(announcement, this.o.fence?.()));
	}

	/** The stream's VOD link, looked up once however many targets ask (null when Twitch has none or fails). */
	private vodLookup(userId: string, streamId: string): () => Promise<string | null> {
		let vod: Promise<string | null> | undefined;
		return () => {
			vod ??= this.o.twitch.getArchiveForStream(userId, streamId).then(
				(video) => video?.url ?? null,
				(error: unknown) => {
					this.o.logger.warn({ err: error, streamId }, 'could not look up the VOD');
					return null;
				},
			);
			return vod;
		};
	}

	/** The stream's summary card, made once however many targets show it (none without viewer samples). */
	private cardLookup(stream: AnnouncedStream, endedAt: number): () => Promise<SummaryCard | null> {
		const viewerSamples = this.o.viewerSamples;
		if (!viewerSamples) return async () => null;
		const drawChart = this.o.renderer.viewerChart?.bind(this.o.renderer);
		return summaryCardLookup({ viewerSamples, drawChart, logger: this.o.logger }, stream, endedAt);
	}

	private watchOf(announcement: Pick<Announcement, 'userId' | 'guildId'>): Watch | undefined {
		return this.o.watches.watchesForUser(announcement.userId).find((watch) => watch.guildId === announcement.guildId);
	}
}
