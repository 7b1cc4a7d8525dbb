/**
 * Delivery of live streams: for each live stream handed over, each active watch's target is brought to where the
 * planner says it should be — announced, up to date, or left alone by a filter — in the stream's queue.
 *
 * Level-triggered on purpose: it compares the live state with what was posted (signatures), not the state
 * machine's 'live' and 'changed' events, so that a target reached late — the bot restarted, the channel was in
 * backoff, the watch was added mid-stream, a post failed — is caught up by the next cycle without any event.
 * Only 'ended' and 'resumed' are edges that matter here (see stream-end.ts).
 *
 * Posting order, so that a crash can neither lose nor duplicate a post: record the intent, create the message with a
 * nonce derived from stream id + channel and `enforce_nonce` (Discord returns the existing message for a repeat
 * within its nonce window), record the message id. An intent past the nonce window (or made by a previous run) first
 * looks for the bot's own earlier post in the channel and adopts it; when that search cannot be trusted, nothing is
 * posted (a second ping is worse than a late one) and the target backs off.
 *
 * Store round trips per post: one read for everything the stream's targets need (see readForSync), one write of the
 * intent with its unfinished listing, and one of the posted record with the target's success. The records are
 * rewritten from what this process knows (it is the only writer), never read again first.
 */
import type { Announcement, GuildSettings, StoredWrite, StreamState, Watch } from '../store/records.ts';
import { announcedStreamFromState } from './announcement-port.ts';
import { newIntent, PHASE_RANK, targetKey, withFence } from './announcement-records.ts';
import { passesGuildFilters, targetChannelOf } from './announcement-rules.ts';
import { noChannelProblem } from './delivery-problems.ts';
import { unverifiablePostProblem } from './delivery-status.ts';
import { type LivePlan, planLive, signatureOf, type TargetSettings } from './planner.ts';
import type { DeliveryContext, StreamMemory, TargetMemory } from './stream-queues.ts';

/** At most one edit per post for title/game changes in this time (Discord rate-limits message edits per channel). */
export const DEFAULT_EDIT_THROTTLE_MS = 60_000;
/**
 * Discord returns the earlier message for a repeated nonce only for "a few minutes": an intent older than this is
 * checked against the channel's messages before it is posted again.
 */
export const DEFAULT_NONCE_TRUST_MS = 60_000;

export interface LiveDeliveryOptions extends DeliveryContext {
	editThrottleMs?: number;
	nonceTrustMs?: number;
}

export class LiveDelivery {
	private readonly o: LiveDeliveryOptions & Required<Pick<LiveDeliveryOptions, 'editThrottleMs' | 'nonceTrustMs'>>;

	constructor(options: LiveDeliveryOptions) {
		this.o = {
			editThrottleMs: DEFAULT_EDIT_THROTTLE_MS,
			nonceTrustMs: DEFAULT_NONCE_TRUST_MS,
			...options,
		};
	}

	/** Takes a live state; queues the stream's sync when the planner, from memory alone, sees anything to do. */
	observe(state: StreamState): void {
		if (state.status !== 'live' || state.streamId === null) return;
		const memory = this.o.queues.memoryOf(state.streamId, state.userId);
		memory.latest = state;
		if (memory.syncQueued || !this.needsSync(memory, state)) return;
		memory.syncQueued = true;
		this.o.queues.enqueue(memory, 'sync', () => this.sync(memory));
	}

	/** Whether any target may need work. From memory only: runs for every live stream every cycle. */
	private needsSync(memory: StreamMemory, state: StreamState): boolean {
		if (!memory.loaded) return true;
		return this.activeWatchesFor(memory.userId).some((watch) => this.plan(memory, state, watch).action !== 'none');
	}

	private plan(memory: StreamMemory, state: StreamState, watch: Watch, settings?: TargetSettings): LivePlan {
		const target = memory.targets.get(watch.guildId);
		const announcement = target?.announcement ?? null;
		return planLive({
			stream: { signature: stateSignature(state), seenNow: state.missingSince === null },
			watch: { paused: Boolean(watch.paused), inBackoff: this.o.status.inBackoff(watch) },
			target: { announcement, decidedFor: target?.decidedFor ?? null },
			mayEdit: announcement !== null && this.mayEdit(announcement),
			...(settings ? { settings } : {}),
		});
	}

	private mayEdit(announcement: Announcement): boolean {
		const last = announcement.lastEditAt ?? announcement.postedAt ?? announcement.createdAt;
		return this.o.elapsed.since(`edit:${targetKey(announcement)}`, last) >= this.o.editThrottleMs;
	}

	private activeWatchesFor(userId: string): Watch[] {
		return this.o.watches.watchesForUser(userId).filter((watch) => !watch.paused);
	}

	private async sync(memory: StreamMemory): Promise<void> {
		try {
			const state = memory.latest;
			if (state?.status !== 'live' || state.streamId !== memory.streamId) return;
			const watches = this.activeWatchesFor(memory.userId);
			const settings = await this.readForSync(memory, state, watches);
			await Promise.all(
				watches.map((watch) =>
					this.syncTarget(memory, state, watch, settings.get(watch.guildId)).catch((error: unknown) => {
						this.o.logger.error(
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

	/**
	 * One store round trip for all that the stream's targets need: the stream's stored announcements (after a restart,
	 * or the first time), the delivery statuses not in memory yet, and the settings of the guilds with something to
	 * decide (all of them before the announcements are known). Nothing is read when nothing is missing.
	 */
	private async readForSync(
		memory: StreamMemory,
		state: StreamState,
		watches: readonly Watch[],
	): Promise<ReadonlyMap<string, GuildSettings>> {
		const deciding = memory.loaded
			? watches.filter((watch) => this.plan(memory, state, watch).action === 'needs-settings')
			: watches;
		const targetReads = [
			this.o.guildSettings.reading(deciding.map((watch) => watch.guildId)),
			this.o.status.loading(watches),
		] as const;
		if (memory.loaded) {
			const [settings] = await this.o.announcements.readTogether(targetReads);
			return settings;
		}
		const [stored, settings] = await this.o.announcements.readTogether([
			this.o.announcements.listing(memory.streamId),
			...targetReads,
		]);
		this.loadTargets(memory, stored);
		return settings;
	}

	/** Takes what the store knows of the stream's announcements into memory. */
	private loadTargets(memory: StreamMemory, stored: readonly Announcement[]): void {
		for (const announcement of stored) {
			const known = memory.targets.get(announcement.guildId)?.announcement;
			if (known && PHASE_RANK[known.phase] > PHASE_RANK[announcement.phase]) continue;
			memory.targets.set(announcement.guildId, {
				announcement,
				decidedFor: recordSignature(announcement),
			});
		}
		memory.loaded = true;
	}

	/** `read`: the guild's settings when readForSync read them (else they are read here if needed). */
	private async syncTarget(
		memory: StreamMemory,
		state: StreamState,
		watch: Watch,
		read?: GuildSettings,
	): Promise<void> {
		let plan = this.plan(memory, state, watch);
		if (plan.action === 'needs-settings') {
			const settings = read ?? (await this.o.guildSettings.get(watch.guildId));
			plan = this.plan(memory, state, watch, {
				passesFilters: passesGuildFilters(settings, state),
				channelId: targetChannelOf(watch, settings),
				updateOnChange: settings.updateOnChange,
			});
		}
		const signature = stateSignature(state);
		const target = memory.targets.get(watch.guildId);
		switch (plan.action) {
			case 'none':
			case 'needs-settings':
				return;
			case 'filter':
				memory.targets.set(watch.guildId, { announcement: null, decidedFor: signature });
				this.o.observer?.announcement('filtered');
				return;
			case 'no-channel':
				await this.o.status.recordProblem(watch, null, noChannelProblem());
				return;
			case 'announce':
				await this.announce(memory, state, watch, plan.channelId);
				return;
			case 'deliver':
				if (target?.announcement) await this.deliver(target, target.announcement, state, watch);
				return;
			case 'repoint':
				// The watch posts elsewhere now (its channel was changed, e.g. after the old one was deleted).
				if (target?.announcement) await this.store({ ...target.announcement, phase: 'abandoned' });
				memory.targets.delete(watch.guildId);
				if (plan.channelId === null) await this.o.status.recordProblem(watch, null, noChannelProblem());
				else await this.announce(memory, state, watch, plan.channelId);
				return;
			case 'edit':
				if (target?.announcement) await this.editLivePost(target, target.announcement, state, watch);
				return;
			case 'note-unchanged':
				if (target) target.decidedFor = signature;
				return;
		}
	}

	private async announce(memory: StreamMemory, state: StreamState, watch: Watch, channelId: string): Promise<void> {
		const intent = await this.store(newIntent(state, watch.guildId, channelId, this.o.clock.now()));
		this.o.elapsed.since(`intent:${targetKey(intent)}`, intent.createdAt); // pinned: made by this process
		const target: TargetMemory = { announcement: intent, decidedFor: stateSignature(state) };
		memory.targets.set(watch.guildId, target);
		await this.deliver(target, intent, state, watch);
	}

	/** Posts an intent (or adopts the post a previous run made) and records the message id. */
	private async deliver(target: TargetMemory, intent: Announcement, state: StreamState, watch: Watch): Promise<void> {
		const now = this.o.clock.now();
		const stream = announcedStreamFromState(state);
		if (!stream) return;
		let adopted: string | null = null;
		if (!this.nonceStillCovers(intent)) {
			const search = await this.o.messages.findEarlierPost({
				channelId: intent.channelId,
				streamId: intent.streamId,
				since: intent.createdAt,
			});
			if (search.found === 'unknown') {
				this.o.logger.warn(
					{ err: search.error, streamId: intent.streamId, channelId: intent.channelId, reason: search.reason },
					'cannot tell whether an earlier run already posted this go-live; not posting again yet',
				);
				await this.o.status.recordProblem(watch, intent.channelId, unverifiablePostProblem(search.reason));
				return;
			}
			if (search.found) adopted = search.messageId;
		}
		let messageId = adopted;
		if (adopted !== null) {
			this.o.logger.info(
				{ streamId: intent.streamId, channelId: intent.channelId, messageId },
				'adopted the post a previous run made',
			);
		} else {
			const message = this.o.renderer.live({ stream, template: watch.template, roleId: watch.roleId, now });
			try {
				messageId = await this.o.messages.create(intent.channelId, message, { nonce: intent.nonce });
			} catch (error) {
				await this.o.status.recordProblem(watch, intent.channelId, this.o.status.describe(error, intent));
				return;
			}
		}
		const posted = await this.store(
			{
				...intent,
				phase: 'posted',
				messageId,
				postedAt: now,
				// An adopted post shows what the intent was made for; a later cycle edits it if the stream changed since.
				renderedTitle: adopted === null ? stream.title : intent.renderedTitle,
				renderedGame: adopted === null ? stream.gameName : intent.renderedGame,
				renderedPreview: adopted === null ? stream.thumbnailUrl !== '' : (intent.renderedPreview ?? true),
			},
			this.o.status.success(watch, true),
		);
		this.o.elapsed.since(`edit:${targetKey(posted)}`, now); // the edit throttle counts from here, monotonically
		target.announcement = posted;
		if (adopted === null) {
			this.o.observer?.announcement('posted');
			const startedAt = Date.parse(stream.startedAt);
			if (Number.isFinite(startedAt)) this.o.observer?.goLivePosted((now - startedAt) / 1000);
		}
		target.decidedFor = recordSignature(posted);
		this.o.logger.info(
			{ streamId: posted.streamId, guildId: posted.guildId, channelId: posted.channelId, messageId },
			'announced a go-live',
		);
	}

	/**
	 * Whether Discord's nonce window still covers a repeat of this intent's create: only for an intent this process
	 * made, younger than nonceTrustMs on the monotonic clock. An intent of a previous run is always searched for.
	 */
	private nonceStillCovers(intent: Announcement): boolean {
		const key = `intent:${targetKey(intent)}`;
		if (!this.o.elapsed.has(key, intent.createdAt)) return false;
		return this.o.elapsed.since(key, intent.createdAt) < this.o.nonceTrustMs;
	}

	private async editLivePost(
		target: TargetMemory,
		announcement: Announcement,
		state: StreamState,
		watch: Watch,
	): Promise<void> {
		const now = this.o.clock.now();
		const stream = announcedStreamFromState(state);
		if (!stream || announcement.messageId === null) {
			target.decidedFor = stateSignature(state);
			return;
		}
		const message = this.o.renderer.live({ stream, template: watch.template, roleId: watch.roleId, now });
		try {
			await this.o.messages.edit(announcement.channelId, announcement.messageId, message);
		} catch (error) {
			const problem = this.o.status.describe(error, announcement);
			if (problem.messageGone) {
				// Someone deleted the post: respect that, do not post it again.
				target.announcement = await this.store({ ...announcement, phase: 'abandoned' });
			}
			await this.o.status.recordProblem(watch, announcement.channelId, problem);
			return;
		}
		const edited = await this.store(
			{
				...announcement,
				lastEditAt: now,
				renderedTitle: stream.title,
				renderedGame: stream.gameName,
				renderedPreview: stream.thumbnailUrl !== '',
			},
			this.o.status.success(watch, false),
		);
		this.o.elapsed.since(`edit:${targetKey(edited)}`, now);
		target.announcement = edited;
		this.o.observer?.announcement('edited');
		target.decidedFor = recordSignature(edited);
	}

	/** Stores the record as this process writes it (see withFence), with `also` in the same write; returns it. */
	private async store(announcement: Announcement, ...also: StoredWrite[]): Promise<Announcement> {
		const record = withFence(announcement, this.o.fence?.());
		await this.o.announcements.put(record, ...also);
		return record;
	}
}

/** What a live state would be posted as (see signatureOf). */
function stateSignature(state: StreamState): string {
	return signatureOf(state.title, state.gameName, state.thumbnailUrl !== '');
}

/** What a stored announcement was posted as; records written before the preview flag count as with preview. */
function recordSignature(announcement: Announcement): string {
	return signatureOf(announcement.renderedTitle, announcement.renderedGame, announcement.renderedPreview ?? true);
}
