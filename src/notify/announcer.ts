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
 * repeat within its nonce window), record the message id. On restart, recorded intents are finished; an intent
 * older than the nonce window first looks for the bot's own post of that stream among the channel's recent
 * messages and adopts it.
 */
import type { REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { AnnouncementRepository } from '../store/announcement-repository.ts';
import type { GuildSettingsRepository } from '../store/guild-settings-repository.ts';
import { type Announcement, announcementNonce, type StreamState, type Watch } from '../store/records.ts';
import type { WatchRepository } from '../store/watch-repository.ts';
import type { TwitchClient } from '../twitch/client.ts';
import {
	type BackoffPolicy,
	backoffDelay,
	DEFAULT_BACKOFF,
	isInBackoff,
	passesGuildFilters,
	targetChannelOf,
} from './announcement-rules.ts';
import {
	type AnnouncedStream,
	announcedStreamFromState,
	isAnnouncementOf,
	renderEndedAnnouncement,
	renderLiveAnnouncement,
} from './announcement-view.ts';
import { type DeliveryProblem, describeDeliveryError, noChannelProblem } from './delivery-problems.ts';
import type { GoLiveEvent } from './go-live-state.ts';
import { TaskSlots } from './task-slots.ts';

/** At most one edit per post for title/game changes in this time (Discord rate-limits message edits per channel). */
export const DEFAULT_EDIT_THROTTLE_MS = 60_000;
/**
 * Discord returns the earlier message for a repeated nonce only for "a few minutes": an intent older than this is
 * checked against the channel's recent messages before it is posted again.
 */
export const DEFAULT_NONCE_TRUST_MS = 60_000;
/** How many of a channel's latest messages are searched for a post made before a crash. */
const RECENT_MESSAGES_SEARCHED = 50;

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
	nextAttemptAt: number;
}

const createdMessageSchema = z.object({ id: z.string() });
const botUserSchema = z.object({ id: z.string() });

export class Announcer {
	/** Streams are worked on in parallel, but only so many at once (see TaskSlots). */
	private readonly slots = new TaskSlots(8);
	private readonly rest: REST;
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
		this.rest = options.rest;
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
		const now = this.clock.now();
		for (const event of cycle.events) {
			if (event.kind !== 'ended') continue;
			const memory = this.memoryOf(event.streamId, event.userId);
			this.enqueue(memory, 'end', () => this.endStream(event));
		}
		const live = new Set<string>();
		for (const state of cycle.liveStates) {
			if (state.status !== 'live' || state.streamId === null) continue;
			live.add(state.streamId);
			const memory = this.memoryOf(state.streamId, state.userId);
			memory.latest = state;
			this.queueSyncIfNeeded(memory, now);
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
	 * At start: finishes the announcements a previous run decided but may not have posted. Those of streams still
	 * live (by `stateOf`, the loaded stream states) are delivered now; the others are abandoned.
	 */
	async recoverUnfinished(
		stateOf: (userId: string) => StreamState | undefined,
	): Promise<{ resumed: number; abandoned: number }> {
		const unfinished = await this.announcements.listUnfinished();
		let resumed = 0;
		let abandoned = 0;
		const toSync = new Set<StreamMemory>();
		for (const announcement of unfinished) {
			const state = stateOf(announcement.userId);
			if (announcement.phase === 'posted') {
				// The stream ended and its end action had not gone through: try it again at the next cycle.
				const ended = state?.lastEndedStreamId === announcement.streamId ? state : undefined;
				const stream = ended ? announcedStreamFromState({ ...ended, streamId: announcement.streamId }) : null;
				if (stream) {
					this.pendingEnds.set(endKey(announcement), {
						streamId: announcement.streamId,
						userId: announcement.userId,
						channelId: announcement.channelId,
						stream,
						attempts: 0,
						nextAttemptAt: 0,
					});
					resumed++;
				} else {
					await this.announcements.put({ ...announcement, phase: 'ended' });
					abandoned++;
				}
				continue;
			}
			if (state?.status === 'live' && state.streamId === announcement.streamId) {
				const memory = this.memoryOf(announcement.streamId, announcement.userId);
				memory.latest = state;
				toSync.add(memory);
				resumed++;
			} else {
				await this.announcements.put({ ...announcement, phase: 'abandoned' });
				abandoned++;
			}
		}
		for (const memory of toSync) {
			if (memory.syncQueued) continue;
			memory.syncQueued = true;
			this.enqueue(memory, 'sync', () => this.syncStream(memory));
		}
		if (unfinished.length > 0) {
			this.logger.info({ resumed, abandoned }, 'announcer: found announcements a previous run had not finished');
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
			.then(() => this.slots.run(task))
			.catch((error: unknown) => {
				this.logger.error({ err: error, streamId: memory.streamId }, `announcer: ${label} failed`);
			})
			.finally(() => {
				memory.pendingTasks--;
				this.running.delete(run);
			});
		memory.tail = run;
		this.running.add(run);
	}

	private queueSyncIfNeeded(memory: StreamMemory, now: number): void {
		const state = memory.latest;
		if (memory.syncQueued || !state || !this.needsSync(memory, state, now)) return;
		memory.syncQueued = true;
		this.enqueue(memory, 'sync', () => this.syncStream(memory));
	}

	/** Whether any target of a live stream is not where it should be. From memory only: runs for every live stream every cycle. */
	private needsSync(memory: StreamMemory, state: StreamState, now: number): boolean {
		if (!memory.loaded) return true;
		const signature = signatureOf(state.title, state.gameName);
		for (const watch of this.watches.watchesForUser(memory.userId)) {
			const target = memory.targets.get(watch.guildId);
			const waiting = isInBackoff(watch.delivery, now);
			const announcement = target?.announcement;
			if (!announcement) {
				if (target?.signature === signature || waiting) continue;
				return true;
			}
			if (announcement.phase === 'intent' && !waiting) return true;
			if (
				announcement.phase === 'posted' &&
				target.signature !== signature &&
				!waiting &&
				this.mayEdit(announcement, now)
			) {
				return true;
			}
		}
		return false;
	}

	private mayEdit(announcement: Announcement, now: number): boolean {
		const last = announcement.lastEditAt ?? announcement.postedAt ?? announcement.createdAt;
		return now - last >= this.editThrottleMs;
	}

	// ── Live streams ─────────────────────────────────────────────────────────────────────────────────────────

	private async syncStream(memory: StreamMemory): Promise<void> {
		try {
			const state = memory.latest;
			if (state?.status !== 'live' || state.streamId !== memory.streamId) return;
			if (!memory.loaded) await this.loadTargets(memory);
			const watches = this.watches.watchesForUser(memory.userId);
			await Promise.all(
				watches.map((watch) =>
					this.syncTarget(memory, state, watch).catch((error: unknown) => {
						this.logger.error(
							{ err: error, streamId: memory.streamId, guildId: watch.guildId },
							'announcer: could not bring an announcement up to date',
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

		if (!announcement) {
			if (target?.signature === signature) return; // filtered out, and the title/category did not change
			if (isInBackoff(watch.delivery, now)) return;
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
			const created: TargetMemory = { announcement: intent, signature };
			memory.targets.set(watch.guildId, created);
			await this.deliver(created, intent, state, watch);
			return;
		}

		if (announcement.phase === 'intent') {
			if (isInBackoff(watch.delivery, now)) return;
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
			if (isInBackoff(watch.delivery, now) || !this.mayEdit(announcement, now)) return;
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
		const adopted = now - intent.createdAt >= this.nonceTrustMs ? await this.findEarlierPost(intent) : null;
		if (adopted !== null) {
			messageId = adopted;
			this.logger.info(
				{ streamId: intent.streamId, channelId: intent.channelId, messageId },
				'announcer: adopted the post a previous run made',
			);
		} else {
			const message = renderLiveAnnouncement({ stream, template: watch.template, roleId: watch.roleId, now });
			try {
				const created = await this.rest.post(Routes.channelMessages(intent.channelId), {
					body: { ...message, nonce: intent.nonce, enforce_nonce: true },
				});
				messageId = createdMessageSchema.safeParse(created).data?.id ?? null;
			} catch (error) {
				await this.recordProblem(watch, intent.channelId, describeDeliveryError(error));
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
		target.announcement = posted;
		target.signature = signatureOf(posted.renderedTitle, posted.renderedGame);
		await this.recordSuccess(watch, true);
		this.logger.info(
			{ streamId: posted.streamId, guildId: posted.guildId, channelId: posted.channelId, messageId },
			'announcer: announced a go-live',
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
			await this.rest.patch(Routes.channelMessage(announcement.channelId, announcement.messageId), { body: message });
		} catch (error) {
			const problem = describeDeliveryError(error);
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
		target.announcement = edited;
		target.signature = signatureOf(edited.renderedTitle, edited.renderedGame);
		await this.recordSuccess(watch, false);
	}

	/** The id of the bot's own post of this stream among the channel's latest messages, or null. */
	private async findEarlierPost(intent: Announcement): Promise<string | null> {
		try {
			const botUserId = await this.ownUserId();
			const messages = await this.rest.get(Routes.channelMessages(intent.channelId), {
				query: new URLSearchParams({ limit: String(RECENT_MESSAGES_SEARCHED) }),
			});
			if (!Array.isArray(messages)) return null;
			const earlier = messages.find(
				(message: { id?: unknown; author?: { id?: unknown } }) =>
					(botUserId === null || message.author?.id === botUserId) && isAnnouncementOf(message, intent.streamId),
			);
			return typeof earlier?.id === 'string' ? earlier.id : null;
		} catch (error) {
			// Without Read Message History the search cannot tell: post (the nonce still covers a recent repeat).
			this.logger.debug({ err: error, channelId: intent.channelId }, 'announcer: could not search recent messages');
			return null;
		}
	}

	private ownUserId(): Promise<string | null> {
		this.botUserId ??= this.rest
			.get(Routes.user())
			.then((user) => botUserSchema.parse(user).id)
			.catch((error: unknown) => {
				this.botUserId = undefined;
				this.logger.debug({ err: error }, 'announcer: could not read the bot user');
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
						'announcer: could not finish an announcement',
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
			// Never posted (target in backoff all stream long): a go-live post after the end would only mislead.
			await this.announcements.put({ ...announcement, phase: 'abandoned' });
			return;
		}
		if (announcement.phase !== 'posted') return;
		const settings = await this.guildSettings.get(announcement.guildId);
		const watch = this.watches.watchesForUser(announcement.userId).find((w) => w.guildId === announcement.guildId);
		if (announcement.messageId !== null && settings.endAction !== 'keep') {
			const route = Routes.channelMessage(announcement.channelId, announcement.messageId);
			try {
				if (settings.endAction === 'delete') {
					await this.rest.delete(route);
				} else {
					const message = renderEndedAnnouncement({ stream, endedAt, vodUrl: await vodUrl() });
					await this.rest.patch(route, { body: message });
				}
			} catch (error) {
				const problem = describeDeliveryError(error);
				const key = endKey(announcement);
				const attempts = (this.pendingEnds.get(key)?.attempts ?? 0) + 1;
				const now = this.clock.now();
				if (isPassing(problem) && now - endedAt < END_RETRY_WINDOW_MS) {
					// Stays 'posted' with endedAt set: listed as unfinished, so even a restart tries again.
					await this.announcements.put({ ...announcement, endedAt });
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
						'announcer: the end action failed; will try again',
					);
					return;
				}
				// A post someone already deleted needs no end action; anything else is worth showing in /watch list.
				if (!problem.messageGone && watch) await this.recordProblem(watch, announcement.channelId, problem);
			}
		}
		this.pendingEnds.delete(endKey(announcement));
		await this.announcements.put({ ...announcement, phase: 'ended', endedAt });
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
					this.logger.warn({ err: error, streamId }, 'announcer: could not look up the VOD');
					return null;
				},
			);
			return vod;
		};
	}

	// ── Delivery status on the watch ─────────────────────────────────────────────────────────────────────────

	private async recordProblem(watch: Watch, channelId: string | null, problem: DeliveryProblem): Promise<void> {
		const now = this.clock.now();
		this.logger.warn(
			{ guildId: watch.guildId, twitchUserId: watch.twitchUserId, channelId, code: problem.code },
			`announcer: delivery problem: ${problem.message}`,
		);
		await this.watches.update(watch.guildId, watch.twitchUserId, (current) => {
			const failures = problem.backoff
				? current.delivery.consecutiveFailures + 1
				: current.delivery.consecutiveFailures;
			const wait = Math.max(backoffDelay(failures, this.backoff), problem.retryAfterMs);
			return {
				...current,
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
	};
}
