/**
 * Turns the go-live state into Discord posts: one announcement per stream id and target channel, crash-safe, and
 * never blocked by a guild whose channel is broken.
 *
 * Level-triggered: every cycle the poller hands over the live streams, and each target (a guild's watch of the
 * streamer) is brought to where it should be — announced, up to date, or left alone by a filter. A target reached
 * late (bot restarted, channel in backoff, watch added mid-stream) is therefore caught up by the next cycle, and a
 * target already announced (as the store records) is never announced again.
 *
 * Posting order, so that a crash can neither lose nor duplicate a post: record the intent, create the message
 * with a nonce derived from stream id + channel and `enforce_nonce` (Discord returns the existing message for a
 * repeat within its nonce window), record the message id. On restart, recorded intents are finished once a poll
 * confirms the stream is still live (an intent of a stream that ended meanwhile is dropped: a go-live post hours
 * late would only mislead); an intent older than the nonce window first looks for the bot's own post of that
 * stream in the channel and adopts it, and when the search cannot be trusted it does not post at all.
 *
 * Every duration (backoff, edit throttle, nonce age, end retries) is measured on the monotonic clock.
 */
import type { REST } from '@discordjs/rest';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { AnnouncementRepository } from '../store/announcement-repository.ts';
import type { GuildSettingsRepository } from '../store/guild-settings-repository.ts';
import {
	type Announcement,
	announcementNonce,
	type StreamState,
	type Watch,
	type WatchPause,
} from '../store/records.ts';
import type { WatchRepository } from '../store/watch-repository.ts';
import type { TwitchClient } from '../twitch/client.ts';
import {
	type AnnouncedStream,
	announcedStreamFromState,
	renderEndedAnnouncement,
	renderLiveAnnouncement,
} from '../views/announcement.ts';
import {
	type BackoffPolicy,
	backoffDelay,
	DEFAULT_BACKOFF,
	passesGuildFilters,
	targetChannelOf,
} from './announcement-rules.ts';
import {
	type DeliveryProblem,
	DiscordErrorCode,
	describeDeliveryError,
	noChannelProblem,
} from './delivery-problems.ts';
import { DiscordMessages } from './discord-messages.ts';
import { findEarlierPost } from './earlier-post.ts';
import { ElapsedTime } from './elapsed-time.ts';
import type { GoLiveEvent } from './go-live-state.ts';
import { Turns } from './turns.ts';

/** At most one edit per post for title/game changes in this time (Discord rate-limits message edits per channel). */
export const DEFAULT_EDIT_THROTTLE_MS = 60_000;
/**
 * Discord returns the earlier message for a repeated nonce only for "a few minutes": an intent older than this is
 * checked against the channel's recent messages before it is posted again.
 */
export const DEFAULT_NONCE_TRUST_MS = 60_000;

export interface AnnouncerOptions {
	/** discord.js REST client with the bot token: posting needs no gateway connection. */
	rest: REST;
	watches: WatchRepository;
	guildSettings: GuildSettingsRepository;
	announcements: AnnouncementRepository;
	/** For the VOD link at the stream's end. */
	twitch: Pick<TwitchClient, 'getArchiveForStream'>;
	logger: Logger;
	clock: Clock;
	editThrottleMs?: number;
	nonceTrustMs?: number;
	backoff?: BackoffPolicy;
	/** The bot's user id, to recognise its own posts; fetched once (GET /users/@me) when not given. */
	botUserId?: string;
	/** How long one Discord request may take (ms; default DISCORD_REQUEST_DEADLINE_MS). */
	discordDeadlineMs?: number;
}

/** What the poller hands over after each cycle. */
export interface AnnouncerCycleInput {
	events: readonly GoLiveEvent[];
	/** Every watched user's state that is live now (including users whose batch failed this cycle). */
	liveStates: Iterable<StreamState>;
}

/** One guild's target for one stream, as far as this process knows. */
interface TargetMemory {
	/** The stored announcement, or null when the guild's filters said no at `signature`. */
	announcement: Announcement | null;
	/** Title and category the decision (filter) or the post's content was made for. */
	signature: string;
}

/** A live (or ending) stream's targets, plus the queue that runs its work one task at a time. */
interface StreamMemory {
	readonly streamId: string;
	readonly userId: string;
	latest: StreamState | undefined;
	/** Whether the stored announcements of the stream were read. */
	loaded: boolean;
	readonly targets: Map<string, TargetMemory>;
	tail: Promise<void>;
	pendingTasks: number;
	syncQueued: boolean;
}

/**
 * An end action (edit to "was live", or delete) that failed for a passing reason (Discord 5xx, network, 429) is
 * retried on later cycles, with a doubling wait, for this long after the stream ended: a post must not keep saying
 * "live" because Discord hiccupped once.
 */
export const END_RETRY_WINDOW_MS = 60 * 60_000;
const END_RETRY_FIRST_WAIT_MS = 60_000;

interface PendingEnd {
	streamId: string;
	userId: string;
	channelId: string;
	stream: AnnouncedStream;
	attempts: number;
	/** Monotonic time of the next try. */
	nextAttemptAt: number;
}

const botUserSchema = z.object({ id: z.string() });

/** A stream's task still running after this long (a slow channel, a slow store) stops holding a turn. */
const SLOW_TASK_MS = 500;

/** Pins of the elapsed-time tracker are not needed longer than the longest duration asked (end retry window). */
const ELAPSED_HORIZON_MS = 2 * END_RETRY_WINDOW_MS;

export class Announcer {
	/** Discord messages, one queue per channel: a broken channel delays only itself. */
	private readonly messages: DiscordMessages;
	private readonly elapsed: ElapsedTime;
	/** Streams are worked on a few at a time (memory), but a slow one does not hold the others (see Turns). */
	private readonly turns = new Turns(8);
	private readonly watches: WatchRepository;
	private readonly guildSettings: GuildSettingsRepository;
	private readonly announcements: AnnouncementRepository;
	private readonly twitch: Pick<TwitchClient, 'getArchiveForStream'>;
	private readonly logger: Logger;
	private readonly clock: Clock;
	private readonly editThrottleMs: number;
	private readonly nonceTrustMs: number;
	private readonly backoff: BackoffPolicy;
	private botUserId: Promise<string | null> | undefined;
	private readonly streams = new Map<string, StreamMemory>();
	/** End actions waiting for another try, by "streamId:channelId". */
	private readonly pendingEnds = new Map<string, PendingEnd>();
	private readonly running = new Set<Promise<void>>();

	constructor(options: AnnouncerOptions) {
		this.messages = new DiscordMessages(options.rest, options.discordDeadlineMs);
		this.elapsed = new ElapsedTime(options.clock);
		this.watches = options.watches;
		this.guildSettings = options.guildSettings;
		this.announcements = options.announcements;
		this.twitch = options.twitch;
		this.logger = options.logger;
		this.clock = options.clock;
		this.editThrottleMs = options.editThrottleMs ?? DEFAULT_EDIT_THROTTLE_MS;
		this.nonceTrustMs = options.nonceTrustMs ?? DEFAULT_NONCE_TRUST_MS;
		this.backoff = options.backoff ?? DEFAULT_BACKOFF;
		if (options.botUserId) this.botUserId = Promise.resolve(options.botUserId);
	}

	/**
	 * Takes one cycle's outcome and queues the Discord work it calls for; returns at once (posting may take a while
	 * under Discord's rate limits and must not hold up polling). Work for one stream runs in order; streams and
	 * guilds go in parallel.
	 */
	observeCycle(cycle: AnnouncerCycleInput): void {
		const now = this.clock.monotonic();
		this.elapsed.sweep(ELAPSED_HORIZON_MS);
		for (const event of cycle.events) {
			if (event.kind === 'ended') {
				const memory = this.memoryOf(event.streamId, event.userId);
				this.enqueue(memory, 'end', () => this.endStream(event));
			} else if (event.kind === 'resumed') {
				const memory = this.memoryOf(event.streamId, event.userId);
				this.enqueue(memory, 'resume', () => this.resumeStream(memory));
			}
		}
		const live = new Set<string>();
		for (const state of cycle.liveStates) {
			if (state.status !== 'live' || state.streamId === null) continue;
			live.add(state.streamId);
			const memory = this.memoryOf(state.streamId, state.userId);
			memory.latest = state;
			this.queueSyncIfNeeded(memory);
		}
		for (const [streamId, memory] of this.streams) {
			if (!live.has(streamId) && memory.pendingTasks === 0) this.streams.delete(streamId);
		}
		for (const pending of this.pendingEnds.values()) {
			if (pending.nextAttemptAt > now) continue;
			pending.nextAttemptAt = Number.POSITIVE_INFINITY; // queued: not again until this try has run
			const memory = this.memoryOf(pending.streamId, pending.userId);
			this.enqueue(memory, 'end retry', () => this.retryEnd(pending));
		}
	}

	/** Resolves when all queued Discord work has finished (tests, shutdown). */
	async whenIdle(): Promise<void> {
		while (this.running.size > 0) await Promise.allSettled([...this.running]);
	}

	/**
	 * At start: takes up the announcements a previous run left unfinished.
	 * - An end action that had not gone through is tried again at the next cycle, whatever the streamer did since
	 *   (a new stream does not cancel the old one's "was live" edit).
	 * - An intent (decided, maybe not posted) waits for Twitch: it is delivered when a poll confirms that stream is
	 *   still live, and dropped when the stream turns out to have ended. The stored state alone is not trusted:
	 *   after hours down it may say "live" of a stream long over. An intent whose stored state already says the
	 *   stream is not live is dropped now.
	 * `stateOf` gives the loaded stream states. Returns how many wait (`resumed`) and how many were dropped.
	 */
	async recoverUnfinished(
		stateOf: (userId: string) => StreamState | undefined,
	): Promise<{ resumed: number; abandoned: number }> {
		const unfinished = await this.announcements.listUnfinished();
		let resumed = 0;
		let abandoned = 0;
		for (const announcement of unfinished) {
			const state = stateOf(announcement.userId);
			if (announcement.phase === 'posted') {
				this.pendingEnds.set(endKey(announcement), {
					streamId: announcement.streamId,
					userId: announcement.userId,
					channelId: announcement.channelId,
					stream: endedStreamOf(announcement, state, this.watchOf(announcement)),
					attempts: 0,
					nextAttemptAt: 0,
				});
				resumed++;
			} else if (state?.status === 'live' && state.streamId === announcement.streamId) {
				resumed++; // delivered by the first cycle that confirms the stream (see PollCycle.liveStates)
			} else {
				await this.announcements.put({ ...announcement, phase: 'abandoned' });
				this.logger.info(
					{ streamId: announcement.streamId, channelId: announcement.channelId },
					'dropped an unposted announcement: the stream is no longer live',
				);
				abandoned++;
			}
		}
		if (unfinished.length > 0) {
			this.logger.info({ resumed, abandoned }, 'found announcements a previous run had not finished');
		}
		return { resumed, abandoned };
	}

	// ── Queueing ─────────────────────────────────────────────────────────────────────────────────────────────

	private memoryOf(streamId: string, userId: string): StreamMemory {
		let memory = this.streams.get(streamId);
		if (!memory) {
			memory = {
				streamId,
				userId,
				latest: undefined,
				loaded: false,
				targets: new Map(),
				tail: Promise.resolve(),
				pendingTasks: 0,
				syncQueued: false,
			};
			this.streams.set(streamId, memory);
		}
		return memory;
	}

	private enqueue(memory: StreamMemory, label: string, task: () => Promise<void>): void {
		memory.pendingTasks++;
		const run = memory.tail
			.then(() => this.turns.run(task, SLOW_TASK_MS))
			.catch((error: unknown) => {
				this.logger.error({ err: error, streamId: memory.streamId }, `${label} failed`);
			})
			.finally(() => {
				memory.pendingTasks--;
				this.running.delete(run);
			});
		memory.tail = run;
		this.running.add(run);
	}

	private queueSyncIfNeeded(memory: StreamMemory): void {
		const state = memory.latest;
		if (memory.syncQueued || !state || !this.needsSync(memory, state)) return;
		memory.syncQueued = true;
		this.enqueue(memory, 'sync', () => this.syncStream(memory));
	}

	/** Whether any target of a live stream is not where it should be. From memory only: runs for every live stream every cycle. */
	private needsSync(memory: StreamMemory, state: StreamState): boolean {
		if (!memory.loaded) return true;
		const signature = signatureOf(state.title, state.gameName);
		for (const watch of this.activeWatchesFor(memory.userId)) {
			const target = memory.targets.get(watch.guildId);
			const waiting = this.inBackoff(watch);
			const announcement = target?.announcement;
			if (!announcement) {
				if (target?.signature === signature || waiting) continue;
				return true;
			}
			if (announcement.phase === 'intent' && !waiting) return true;
			if (announcement.phase === 'posted' && target.signature !== signature && !waiting && this.mayEdit(announcement)) {
				return true;
			}
		}
		return false;
	}

	private mayEdit(announcement: Announcement): boolean {
		const last = announcement.lastEditAt ?? announcement.postedAt ?? announcement.createdAt;
		return this.elapsed.since(`edit:${endKey(announcement)}`, last) >= this.editThrottleMs;
	}

	/** Whether a target that kept failing is still waiting before the next attempt (on the monotonic clock). */
	private inBackoff(watch: Watch): boolean {
		const retryAt = watch.delivery.retryAt;
		if (retryAt === null) return false;
		return this.elapsed.until(backoffKey(watch), retryAt, this.backoff.maxMs) > 0;
	}

	// ── Live streams ─────────────────────────────────────────────────────────────────────────────────────────

	private async syncStream(memory: StreamMemory): Promise<void> {
		try {
			const state = memory.latest;
			if (state?.status !== 'live' || state.streamId !== memory.streamId) return;
			if (!memory.loaded) await this.loadTargets(memory);
			const watches = this.activeWatchesFor(memory.userId);
			await Promise.all(
				watches.map((watch) =>
					this.syncTarget(memory, state, watch).catch((error: unknown) => {
						this.logger.error(
							{ err: error, streamId: memory.streamId, guildId: watch.guildId },
							'could not bring an announcement up to date',
						);
					}),
				),
			);
		} finally {
			memory.syncQueued = false;
		}
	}

	/** Reads what the store knows of the stream's announcements (after a restart, or the first time). */
	private async loadTargets(memory: StreamMemory): Promise<void> {
		const stored = await this.announcements.listForStream(memory.streamId);
		for (const announcement of stored) {
			const known = memory.targets.get(announcement.guildId)?.announcement;
			if (known && PHASE_RANK[known.phase] > PHASE_RANK[announcement.phase]) continue;
			memory.targets.set(announcement.guildId, {
				announcement,
				signature: signatureOf(announcement.renderedTitle, announcement.renderedGame),
			});
		}
		memory.loaded = true;
	}

	private async syncTarget(memory: StreamMemory, state: StreamState, watch: Watch): Promise<void> {
		const now = this.clock.now();
		const signature = signatureOf(state.title, state.gameName);
		const target = memory.targets.get(watch.guildId);
		const announcement = target?.announcement;
		// A go-live is posted only while Get Streams lists the stream: one missing for a while may be over already.
		const seenNow = state.missingSince === null;

		if (!announcement) {
			if (target?.signature === signature) return; // filtered out, and the title/category did not change
			if (!seenNow || this.inBackoff(watch)) return;
			const settings = await this.guildSettings.get(watch.guildId);
			if (!passesGuildFilters(settings, state)) {
				memory.targets.set(watch.guildId, { announcement: null, signature });
				return;
			}
			const channelId = targetChannelOf(watch, settings);
			if (channelId === null) {
				await this.recordProblem(watch, null, noChannelProblem());
				return;
			}
			const intent = newIntent(state, watch.guildId, channelId, now);
			await this.announcements.put(intent);
			this.elapsed.since(`intent:${endKey(intent)}`, intent.createdAt); // pinned: made by this process
			const created: TargetMemory = { announcement: intent, signature };
			memory.targets.set(watch.guildId, created);
			await this.deliver(created, intent, state, watch);
			return;
		}

		if (announcement.phase === 'intent') {
			if (!seenNow || this.inBackoff(watch)) return;
			const settings = await this.guildSettings.get(watch.guildId);
			const channelId = targetChannelOf(watch, settings);
			if (channelId !== announcement.channelId) {
				// The watch posts elsewhere now (its channel was changed, e.g. after the old one was deleted).
				await this.announcements.put({ ...announcement, phase: 'abandoned' });
				memory.targets.delete(watch.guildId);
				if (channelId !== null) await this.syncTarget(memory, state, watch);
				else await this.recordProblem(watch, null, noChannelProblem());
				return;
			}
			if (target) await this.deliver(target, announcement, state, watch);
			return;
		}

		if (announcement.phase === 'posted' && target && target.signature !== signature) {
			if (this.inBackoff(watch) || !this.mayEdit(announcement)) return;
			const settings = await this.guildSettings.get(watch.guildId);
			if (!settings.updateOnChange) {
				target.signature = signature;
				return;
			}
			await this.editLivePost(target, announcement, state, watch);
		}
		// 'ended' or 'abandoned': this stream id was handled in this channel; it is never announced again.
	}

	/** Posts an intent (or adopts the post a previous run made) and records the message id. */
	private async deliver(target: TargetMemory, intent: Announcement, state: StreamState, watch: Watch): Promise<void> {
		const now = this.clock.now();
		const stream = announcedStreamFromState(state);
		if (!stream) return;
		let messageId: string | null = null;
		let adopted: string | null = null;
		if (!this.nonceStillCovers(intent)) {
			const search = await findEarlierPost(this.messages, {
				channelId: intent.channelId,
				streamId: intent.streamId,
				since: intent.createdAt,
				botUserId: await this.ownUserId(),
			});
			if (search.found === 'unknown') {
				// Posting again could ping twice: wait (with backoff) until the search can tell.
				this.logger.warn(
					{ err: search.error, streamId: intent.streamId, channelId: intent.channelId, reason: search.reason },
					'cannot tell whether an earlier run already posted this go-live; not posting again yet',
				);
				await this.recordProblem(watch, intent.channelId, unverifiablePostProblem(search.reason));
				return;
			}
			if (search.found) adopted = search.messageId;
		}
		if (adopted !== null) {
			messageId = adopted;
			this.logger.info(
				{ streamId: intent.streamId, channelId: intent.channelId, messageId },
				'adopted the post a previous run made',
			);
		} else {
			const message = renderLiveAnnouncement({ stream, template: watch.template, roleId: watch.roleId, now });
			try {
				messageId = await this.messages.create(intent.channelId, {
					...message,
					nonce: intent.nonce,
					enforce_nonce: true,
				});
			} catch (error) {
				await this.recordProblem(watch, intent.channelId, this.describe(error, intent));
				return;
			}
		}
		const posted: Announcement = {
			...intent,
			phase: 'posted',
			messageId,
			postedAt: now,
			// An adopted post shows what the intent was made for; a later cycle edits it if the stream changed since.
			renderedTitle: adopted === null ? stream.title : intent.renderedTitle,
			renderedGame: adopted === null ? stream.gameName : intent.renderedGame,
		};
		await this.announcements.put(posted);
		this.elapsed.since(`edit:${endKey(posted)}`, now); // the edit throttle counts from here, monotonically
		target.announcement = posted;
		target.signature = signatureOf(posted.renderedTitle, posted.renderedGame);
		await this.recordSuccess(watch, true);
		this.logger.info(
			{ streamId: posted.streamId, guildId: posted.guildId, channelId: posted.channelId, messageId },
			'announced a go-live',
		);
	}

	private async editLivePost(
		target: TargetMemory,
		announcement: Announcement,
		state: StreamState,
		watch: Watch,
	): Promise<void> {
		const now = this.clock.now();
		const stream = announcedStreamFromState(state);
		if (!stream || announcement.messageId === null) {
			target.signature = signatureOf(state.title, state.gameName);
			return;
		}
		const message = renderLiveAnnouncement({ stream, template: watch.template, roleId: watch.roleId, now });
		try {
			await this.messages.edit(announcement.channelId, announcement.messageId, { ...message });
		} catch (error) {
			const problem = this.describe(error, announcement);
			if (problem.messageGone) {
				// Someone deleted the post: respect that, do not post it again.
				const abandoned: Announcement = { ...announcement, phase: 'abandoned' };
				await this.announcements.put(abandoned);
				target.announcement = abandoned;
			}
			await this.recordProblem(watch, announcement.channelId, problem);
			return;
		}
		const edited: Announcement = {
			...announcement,
			lastEditAt: now,
			renderedTitle: stream.title,
			renderedGame: stream.gameName,
		};
		await this.announcements.put(edited);
		this.elapsed.since(`edit:${endKey(edited)}`, now);
		target.announcement = edited;
		target.signature = signatureOf(edited.renderedTitle, edited.renderedGame);
		await this.recordSuccess(watch, false);
	}

	/**
	 * Whether Discord's nonce window still covers a repeat of this intent's create: only for an intent this process
	 * made, younger than nonceTrustMs on the monotonic clock. An intent of a previous run is always searched for.
	 */
	private nonceStillCovers(intent: Announcement): boolean {
		const key = `intent:${endKey(intent)}`;
		if (!this.elapsed.has(key, intent.createdAt)) return false;
		return this.elapsed.since(key, intent.createdAt) < this.nonceTrustMs;
	}

	private ownUserId(): Promise<string | null> {
		this.botUserId ??= this.messages
			.get('/users/@me')
			.then((user) => botUserSchema.parse(user).id)
			.catch((error: unknown) => {
				this.botUserId = undefined;
				this.logger.debug({ err: error }, 'could not read the bot user');
				return null;
			});
		return this.botUserId;
	}

	// ── Ended streams ────────────────────────────────────────────────────────────────────────────────────────

	private async endStream(event: Extract<GoLiveEvent, { kind: 'ended' }>): Promise<void> {
		const stream = announcedStreamFromState(event.state);
		if (!stream) return;
		const announcements = await this.announcements.listForStream(event.streamId);
		const vodUrl = this.vodLookup(event.userId, event.streamId);
		await Promise.all(
			announcements.map((announcement) =>
				this.endAnnouncement(announcement, stream, event.endedAt, vodUrl).catch((error: unknown) => {
					this.logger.error(
						{ err: error, streamId: announcement.streamId, channelId: announcement.channelId },
						'could not finish an announcement',
					);
				}),
			),
		);
	}

	private async endAnnouncement(
		announcement: Announcement,
		stream: AnnouncedStream,
		endedAt: number,
		vodUrl: () => Promise<string | null>,
	): Promise<void> {
		if (announcement.phase === 'intent') {
			// Never posted (target in backoff, or the bot down, until the end): a go-live post now would only mislead.
			await this.announcements.put({ ...announcement, phase: 'abandoned' });
			this.logger.info(
				{ streamId: announcement.streamId, channelId: announcement.channelId },
				'dropped an unposted announcement: the stream ended',
			);
			return;
		}
		if (announcement.phase !== 'posted') return;
		const settings = await this.guildSettings.get(announcement.guildId);
		const watch = this.watchOf(announcement);
		let messageId = announcement.messageId;
		// A paused watch's channel is gone or out of reach: an edit there would only be refused.
		const reachable = !watch?.paused;
		if (announcement.messageId !== null && settings.endAction !== 'keep' && reachable) {
			try {
				if (settings.endAction === 'delete') {
					await this.messages.delete(announcement.channelId, announcement.messageId);
					messageId = null;
				} else {
					const message = renderEndedAnnouncement({ stream, endedAt, vodUrl: await vodUrl() });
					await this.messages.edit(announcement.channelId, announcement.messageId, { ...message });
				}
			} catch (error) {
				const problem = this.describe(error, announcement);
				const key = endKey(announcement);
				const attempts = (this.pendingEnds.get(key)?.attempts ?? 0) + 1;
				const now = this.clock.monotonic();
				if (isPassing(problem) && this.elapsed.since(`ended:${key}`, endedAt) < END_RETRY_WINDOW_MS) {
					// Stays 'posted' with endedAt set: listed as unfinished, so even a restart tries again.
					await this.announcements.put({ ...announcement, endedAt, streamStartedAt: stream.startedAt || null });
					this.pendingEnds.set(key, {
						streamId: announcement.streamId,
						userId: announcement.userId,
						channelId: announcement.channelId,
						stream,
						attempts,
						nextAttemptAt: now + END_RETRY_FIRST_WAIT_MS * 2 ** (attempts - 1),
					});
					this.logger.warn(
						{ streamId: announcement.streamId, channelId: announcement.channelId, attempts, code: problem.code },
						'the end action failed; will try again',
					);
					return;
				}
				// A post someone already deleted needs no end action; anything else is worth showing in /watch list.
				if (!problem.messageGone && watch) await this.recordProblem(watch, announcement.channelId, problem);
			}
		}
		this.pendingEnds.delete(endKey(announcement));
		// A deleted post is recorded without its id: should the stream come back, it is posted anew (see resumeStream).
		await this.announcements.put({ ...announcement, phase: 'ended', endedAt, messageId });
	}

	/**
	 * A stream called ended is live after all (Get Streams left it out longer than the grace period): its posts go
	 * back to live — edited, or posted anew without a ping when the end action deleted them. One stream id is never
	 * pinged twice. A post someone deleted while it was live ('abandoned') stays deleted.
	 */
	private async resumeStream(memory: StreamMemory): Promise<void> {
		const state = memory.latest;
		const stream = state?.streamId === memory.streamId ? announcedStreamFromState(state) : null;
		const stored = await this.announcements.listForStream(memory.streamId);
		for (const announcement of stored) {
			this.pendingEnds.delete(endKey(announcement));
			if (announcement.phase !== 'ended' || !stream) continue;
			const watch = this.watchOf(announcement);
			if (watch?.paused) continue; // its channel is gone or out of reach
			try {
				await this.resumeAnnouncement(announcement, stream, watch);
			} catch (error) {
				this.logger.error(
					{ err: error, streamId: announcement.streamId, channelId: announcement.channelId },
					'could not bring a post back to live',
				);
			}
		}
		memory.loaded = false; // the next sync reads the records anew
		this.logger.info({ streamId: memory.streamId, userId: memory.userId }, 'a stream called ended is live again');
	}

	private async resumeAnnouncement(announcement: Announcement, stream: AnnouncedStream, watch: Watch | undefined) {
		const now = this.clock.now();
		const message = renderLiveAnnouncement({
			stream,
			template: watch?.template ?? null,
			roleId: watch?.roleId ?? null,
			now,
		});
		let messageId = announcement.messageId;
		if (messageId !== null) {
			try {
				await this.messages.edit(announcement.channelId, messageId, { ...message });
			} catch (error) {
				const problem = this.describe(error, announcement);
				if (!problem.messageGone) {
					if (watch) await this.recordProblem(watch, announcement.channelId, problem);
					return;
				}
				messageId = null;
			}
		}
		if (messageId === null) {
			// Posted anew, silently: the role was pinged for this stream already.
			messageId = await this.messages.create(announcement.channelId, {
				...message,
				allowed_mentions: { parse: [], roles: [] },
				nonce: announcementNonce(announcement.streamId, `${announcement.channelId}:resumed`),
				enforce_nonce: true,
			});
		}
		await this.announcements.put({
			...announcement,
			phase: 'posted',
			messageId,
			endedAt: null,
			lastEditAt: now,
			renderedTitle: stream.title,
			renderedGame: stream.gameName,
		});
	}

	/** Another try of an end action that failed for a passing reason (see END_RETRY_WINDOW_MS). */
	private async retryEnd(pending: PendingEnd): Promise<void> {
		const announcement = await this.announcements.get(pending.streamId, pending.channelId);
		if (announcement?.phase !== 'posted' || announcement.endedAt === null) {
			this.pendingEnds.delete(endKey(pending));
			return;
		}
		await this.endAnnouncement(
			announcement,
			pending.stream,
			announcement.endedAt,
			this.vodLookup(pending.userId, pending.streamId),
		);
	}

	/** The stream's VOD link, looked up once however many targets ask (null when Twitch has none or fails). */
	private vodLookup(userId: string, streamId: string): () => Promise<string | null> {
		let vod: Promise<string | null> | undefined;
		return () => {
			vod ??= this.twitch.getArchiveForStream(userId, streamId).then(
				(video) => video?.url ?? null,
				(error: unknown) => {
					this.logger.warn({ err: error, streamId }, 'could not look up the VOD');
					return null;
				},
			);
			return vod;
		};
	}

	/** What a Discord failure means for the admin; its raw detail is logged under the problem's incident id. */
	private describe(error: unknown, announcement: Announcement): DeliveryProblem {
		const { streamId, guildId, channelId } = announcement;
		return describeDeliveryError(error, { logger: this.logger, context: { streamId, guildId, channelId } });
	}

	/** The watches of a user that are not paused (a paused watch's target is sent nothing). */
	private activeWatchesFor(userId: string): Watch[] {
		return this.watches.watchesForUser(userId).filter((watch) => !watch.paused);
	}

	private watchOf(announcement: Pick<Announcement, 'userId' | 'guildId'>): Watch | undefined {
		return this.watches.watchesForUser(announcement.userId).find((watch) => watch.guildId === announcement.guildId);
	}

	// ── Delivery status on the watch ─────────────────────────────────────────────────────────────────────────

	private async recordProblem(watch: Watch, channelId: string | null, problem: DeliveryProblem): Promise<void> {
		const now = this.clock.now();
		this.logger.warn(
			{ guildId: watch.guildId, twitchUserId: watch.twitchUserId, channelId, code: problem.code },
			`delivery problem: ${problem.message}`,
		);
		const pause = pauseFor(problem, channelId, now);
		if (pause) {
			this.logger.warn(
				{ guildId: watch.guildId, twitchUserId: watch.twitchUserId, channelId, reason: pause.reason },
				'paused the watch: nothing more is sent to its channel until an admin fixes it or the bot is back',
			);
		}
		await this.watches.update(watch.guildId, watch.twitchUserId, (current) => {
			const failures = problem.backoff
				? current.delivery.consecutiveFailures + 1
				: current.delivery.consecutiveFailures;
			const wait = Math.max(backoffDelay(failures, this.backoff), problem.retryAfterMs);
			// Pinned now, so that the wait is measured on the monotonic clock even if the wall clock steps.
			if (problem.backoff) this.elapsed.until(backoffKey(watch), now + wait, wait);
			return {
				...current,
				...(pause ? { paused: current.paused ?? pause } : {}),
				delivery: {
					...current.delivery,
					lastError: { code: problem.code, message: problem.message, at: now },
					consecutiveFailures: failures,
					retryAt: problem.backoff ? now + wait : current.delivery.retryAt,
				},
			};
		});
	}

	private async recordSuccess(watch: Watch, announced: boolean): Promise<void> {
		const now = this.clock.now();
		await this.watches.update(watch.guildId, watch.twitchUserId, (current) => ({
			...current,
			lastAnnouncedAt: announced ? now : current.lastAnnouncedAt,
			delivery: { lastError: null, consecutiveFailures: 0, retryAt: null, lastSuccessAt: now },
		}));
	}
}

/** Discord answers that mean the target is gone or out of reach until someone acts: the watch is paused. */
function pauseFor(problem: DeliveryProblem, channelId: string | null, now: number): WatchPause | null {
	if (channelId === null) return null;
	if (problem.code === DiscordErrorCode.UnknownChannel) return { reason: 'channel-deleted', channelId, at: now };
	if (problem.code === DiscordErrorCode.MissingAccess) return { reason: 'no-access', channelId, at: now };
	return null;
}

function backoffKey(watch: Pick<Watch, 'guildId' | 'twitchUserId'>): string {
	return `retry:${watch.guildId}:${watch.twitchUserId}`;
}

function endKey(announcement: Pick<Announcement, 'streamId' | 'channelId'>): string {
	return `${announcement.streamId}:${announcement.channelId}`;
}

/** Discord errors that a later try may not meet again: server errors, rate limits, the network. */
function isPassing(problem: DeliveryProblem): boolean {
	return problem.code === null || problem.code === 429 || problem.code >= 500;
}

/** When two records exist for one guild (the watch changed channel), the one that got furthest wins. */
const PHASE_RANK: Readonly<Record<Announcement['phase'], number>> = { abandoned: 0, intent: 1, ended: 2, posted: 3 };

function signatureOf(title: string, gameName: string): string {
	return `${gameName}\u0000${title}`;
}

/** What the "was live" post of an announcement shows, from the record itself and the user's current identity. */
function endedStreamOf(
	announcement: Announcement,
	state: StreamState | undefined,
	watch: Watch | undefined,
): AnnouncedStream {
	return {
		streamId: announcement.streamId,
		userId: announcement.userId,
		login: state?.login || watch?.login || announcement.userId,
		displayName: state?.displayName || watch?.displayName || announcement.userId,
		title: announcement.renderedTitle,
		gameName: announcement.renderedGame,
		startedAt: announcement.streamStartedAt ?? '',
		thumbnailUrl: '',
	};
}

/** The search for an earlier post could not be trusted, so nothing was posted (see findEarlierPost). */
function unverifiablePostProblem(reason: 'missing-read-message-history' | 'search-failed'): DeliveryProblem {
	return {
		code: null,
		message:
			reason === 'missing-read-message-history'
				? 'Missing Read Message History: after a restart the bot must check whether it already posted, and ' +
					'cannot. It did not post again (no second ping). Give it Read Message History in the post channel.'
				: 'Could not check whether this go-live was already posted; the bot did not post again and will retry.',
		backoff: true,
		retryAfterMs: 0,
		messageGone: false,
	};
}

function newIntent(state: StreamState, guildId: string, channelId: string, now: number): Announcement {
	const streamId = state.streamId ?? '';
	return {
		version: 1,
		streamId,
		userId: state.userId,
		guildId,
		channelId,
		nonce: announcementNonce(streamId, channelId),
		phase: 'intent',
		messageId: null,
		createdAt: now,
		postedAt: null,
		lastEditAt: null,
		renderedTitle: state.title,
		renderedGame: state.gameName,
		endedAt: null,
		streamStartedAt: state.startedAt,
	};
}
