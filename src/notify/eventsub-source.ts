/**
 * The second source of observations, beside the poller: EventSub over a conduit WebSocket. Twitch pushes
 * `stream.online` about a second after a go-live; the poller stays as the safety net.
 *
 * - Conduit: the app's conduit is found (its id is kept in the store) or created, never a second one on restart
 *   (an app may have five).
 * - Shard 0 of the conduit is this process's WebSocket (EventSubSocket keeps it alive and attached).
 * - Subscriptions: `stream.online` and `stream.offline` for every actively watched user that fits the budget
 *   (`max_total_cost`, each costs 1); the others stay on polling alone. Reconciled against Twitch's list: missing
 *   ones are created, those of users nobody watches any more (or revoked, or of another conduit) deleted.
 * - `stream.online` becomes a 'live' observation at once, from the event and Get Channel Information (Get Streams
 *   lags behind on real Twitch); `stream.offline` a 'missing' one, which the state machine ends after the grace
 *   period unless the stream shows up again. An offline sent before the live stream started is stale and ignored.
 */
import { z } from 'zod';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/keyv.ts';
import type { WatchRepository } from '../store/watch-repository.ts';
import type { TwitchClient } from '../twitch/client.ts';
import type { EventSubSubscription, StreamEventType } from '../twitch/eventsub-api.ts';
import { type EventSubNotification, EventSubSocket, type WebSocketConstructor } from '../twitch/eventsub-socket.ts';
import type { TwitchStream } from '../twitch/schemas.ts';
import type { StreamObservation } from './go-live-state.ts';
import type { NotifierObserver } from './notifier-observer.ts';

/** Where the conduit's id is kept in the store (npm run doctor reads it too). */
export const CONDUIT_KEY = 'eventsub-conduit';
const SHARD_ID = '0';
const STREAM_EVENTS: readonly StreamEventType[] = ['stream.online', 'stream.offline'];

const onlineEventSchema = z.object({
	id: z.string(),
	broadcaster_user_id: z.string(),
	broadcaster_user_login: z.string(),
	broadcaster_user_name: z.string(),
	type: z.string(),
	started_at: z.string(),
});
const offlineEventSchema = z.object({ broadcaster_user_id: z.string() });

/** An observation pushed by EventSub, with when Twitch sent it. */
export interface PushedObservation {
	userId: string;
	observation: StreamObservation;
	/** ms: when Twitch sent the notification. */
	sentAt: number;
}

export interface EventSubSourceOptions {
	twitch: Pick<TwitchClient, 'eventsub' | 'getChannels'>;
	store: Store;
	watches: WatchRepository;
	logger: Logger;
	/** TWITCH_EVENTSUB_WS_URL. */
	url: string;
	/** Told every observation the push brings (the coordinator hands it to the stream states and on). */
	onObservation: (pushed: PushedObservation) => void | Promise<void>;
	/** Metrics and readiness: notifications, redeliveries dropped, and whether the shard is attached. */
	observer?: NotifierObserver;
	/** Tests: the WebSocket implementation and a faster reconnect backoff. */
	WebSocket?: WebSocketConstructor;
	backoff?: { baseMs: number; maxMs: number };
	keepaliveMarginMs?: number;
}

export interface ReconcileReport {
	/** Users with both subscriptions enabled on this conduit. */
	covered: number;
	created: number;
	deleted: number;
	/** Watched users left to polling because the budget is used up. */
	overBudget: number;
	/** Watched users Twitch refused to subscribe to (left to polling; tried again at the next reconciliation). */
	failed: number;
	totalCost: number;
	maxTotalCost: number;
}

export class EventSubSource {
	private readonly o: EventSubSourceOptions;
	private socket: EventSubSocket | undefined;
	private conduitId: string | undefined;
	/** Users whose online and offline subscriptions are enabled on this conduit. */
	private readonly covered = new Set<string>();
	private reconciling: Promise<ReconcileReport> | undefined;
	private stale = false;
	/** Notifications are taken in order, one at a time. */
	private handling: Promise<void> = Promise.resolve();
	private lastReport: ReconcileReport | undefined;

	constructor(options: EventSubSourceOptions) {
		this.o = options;
	}

	/** Finds or creates the conduit and opens the shard's WebSocket. Subscriptions follow with `reconcile`. */
	async start(): Promise<void> {
		this.conduitId = await this.ensureConduit();
		const conduitId = this.conduitId;
		this.socket = new EventSubSocket({
			url: this.o.url,
			logger: this.o.logger,
			onSession: async (sessionId) => {
				const error = await this.o.twitch.eventsub.attachShard(conduitId, SHARD_ID, sessionId);
				if (error) throw new Error(`Twitch refused to attach the session to the conduit's shard: ${error}`);
				this.o.logger.info({ conduitId, sessionId }, 'EventSub shard attached');
				this.o.observer?.eventSubConnected(true);
			},
			onDuplicate: () => this.o.observer?.eventSubDuplicate(),
			onSessionLost: () => this.o.observer?.eventSubConnected(false),
			onNotification: (notification) => {
				this.o.observer?.eventSubNotification(notification.type);
				// One at a time, in the order they came: an online still reading the channel's title must not be
				// overtaken by the offline that followed it.
				this.handling = this.handling
					.then(() => this.handle(notification))
					.catch((error: unknown) => {
						this.o.logger.error({ err: error, type: notification.type }, 'could not take an EventSub notification');
					});
			},
			onRevocation: (revocation) => {
				const userId = revocation.condition.broadcaster_user_id;
				if (typeof userId === 'string') this.covered.delete(userId);
				this.stale = true; // the next reconciliation replaces it (or leaves the channel to polling)
			},
			...(this.o.WebSocket ? { WebSocket: this.o.WebSocket } : {}),
			...(this.o.backoff ? { backoff: this.o.backoff } : {}),
			...(this.o.keepaliveMarginMs === undefined ? {} : { keepaliveMarginMs: this.o.keepaliveMarginMs }),
		});
		this.socket.start();
	}

	stop(): void {
		this.socket?.stop();
		this.o.observer?.eventSubConnected(false);
	}

	/** Whether the subscriptions changed on Twitch's side (a revocation) since the last reconciliation. */
	get needsReconcile(): boolean {
		return this.stale;
	}

	/** Whether start() succeeded (a conduit is known and the socket runs). */
	get started(): boolean {
		return this.socket !== undefined;
	}

	/** The WebSocket session attached now, or null. */
	get sessionId(): string | null {
		return this.socket?.sessionId ?? null;
	}

	/** Whether EventSub pushes this user's go-lives (else the poller alone finds them). */
	isCovered(userId: string): boolean {
		return this.covered.has(userId);
	}

	/** What the last reconciliation found (for doctor and /watch list). */
	get report(): ReconcileReport | undefined {
		return this.lastReport;
	}

	/** Brings the subscriptions in line with the watched users; one reconciliation at a time. */
	reconcile(): Promise<ReconcileReport> {
		this.reconciling ??= this.reconcileNow().finally(() => {
			this.reconciling = undefined;
		});
		return this.reconciling;
	}

	private async ensureConduit(): Promise<string> {
		const stored = z.string().safeParse(await this.o.store.keyv.get(CONDUIT_KEY)).data;
		const conduits = await this.o.twitch.eventsub.listConduits();
		const existing = conduits.find((conduit) => conduit.id === stored) ?? conduits[0];
		if (existing) {
			if (existing.id !== stored) await this.o.store.keyv.set(CONDUIT_KEY, existing.id);
			this.o.logger.info({ conduitId: existing.id }, 'EventSub conduit found');
			return existing.id;
		}
		const created = await this.o.twitch.eventsub.createConduit(1);
		await this.o.store.keyv.set(CONDUIT_KEY, created.id);
		this.o.logger.info({ conduitId: created.id }, 'EventSub conduit created');
		return created.id;
	}

	private async reconcileNow(): Promise<ReconcileReport> {
		const conduitId = this.conduitId;
		if (!conduitId) throw new Error('EventSub is not started');
		this.stale = false;
		const { eventsub } = this.o.twitch;
		const listed = await eventsub.listSubscriptions();
		let { totalCost } = listed;
		const { maxTotalCost } = listed;
		const desired = new Set(this.o.watches.watchedUserIds());
		const have = new Map<string, Set<StreamEventType>>();
		let deleted = 0;
		for (const subscription of listed.subscriptions) {
			const userId = subscription.condition.broadcaster_user_id;
			if (!isStreamEvent(subscription) || userId === undefined) continue;
			const ours = subscription.transport.conduit_id === conduitId;
			if (ours && subscription.status === 'enabled' && desired.has(userId)) {
				const types = have.get(userId) ?? new Set<StreamEventType>();
				types.add(subscription.type);
				have.set(userId, types);
				continue;
			}
			// Nobody watches the user any more, the subscription was revoked, or it feeds another conduit.
			await eventsub.deleteSubscription(subscription.id);
			totalCost -= subscription.cost ?? 0;
			deleted++;
		}
		let created = 0;
		let overBudget = 0;
		let failed = 0;
		let budgetLeft = true;
		for (const userId of desired) {
			const types = have.get(userId) ?? new Set<StreamEventType>();
			let refused = false;
			for (const type of STREAM_EVENTS) {
				if (types.has(type)) continue;
				if (!budgetLeft || totalCost + 1 > maxTotalCost) {
					budgetLeft = false;
					break;
				}
				const result = await eventsub.createSubscription(type, userId, conduitId).catch((error: unknown) => {
					// One channel Twitch refuses (a deleted user, say) must not stop the others: it stays on polling.
					this.o.logger.warn({ err: error, userId, type }, 'could not subscribe to a channel; it stays on polling');
					return { outcome: 'failed' as const };
				});
				if (result.outcome === 'failed') {
					refused = true;
					break;
				}
				if (result.outcome === 'over-budget') {
					budgetLeft = false;
					break;
				}
				if (result.outcome === 'created') {
					totalCost = result.totalCost;
					created++;
				}
				types.add(type);
			}
			have.set(userId, types);
			if (refused) failed++;
			else if (types.size < STREAM_EVENTS.length) overBudget++;
		}
		this.covered.clear();
		for (const [userId, types] of have) if (types.size === STREAM_EVENTS.length) this.covered.add(userId);
		const report = { covered: this.covered.size, created, deleted, overBudget, failed, totalCost, maxTotalCost };
		this.lastReport = report;
		this.o.logger.info({ ...report }, 'EventSub subscriptions reconciled');
		return report;
	}

	private async handle(notification: EventSubNotification): Promise<void> {
		if (notification.type === 'stream.online') {
			const event = onlineEventSchema.safeParse(notification.event);
			if (!event.success || event.data.type !== 'live') return; // reruns, premieres, watch parties: not go-lives
			const stream = await this.streamFrom(event.data);
			await this.o.onObservation({
				userId: stream.userId,
				observation: { kind: 'live', stream, pushed: true },
				sentAt: notification.sentAt,
			});
		} else if (notification.type === 'stream.offline') {
			const event = offlineEventSchema.safeParse(notification.event);
			if (!event.success) return;
			await this.o.onObservation({
				userId: event.data.broadcaster_user_id,
				observation: { kind: 'absent', pushed: true },
				sentAt: notification.sentAt,
			});
		}
	}

	/** A stream as Get Streams would list it, from the event and Get Channel Information (current title and game). */
	private async streamFrom(event: z.infer<typeof onlineEventSchema>): Promise<TwitchStream> {
		const [channel] = await this.o.twitch
			.getChannels([event.broadcaster_user_id], { fresh: true })
			.catch((error: unknown) => {
				this.o.logger.warn({ err: error }, 'could not read the channel information of a go-live; posting without it');
				return [];
			});
		return {
			id: event.id,
			userId: event.broadcaster_user_id,
			userLogin: event.broadcaster_user_login,
			userName: event.broadcaster_user_name || event.broadcaster_user_login,
			gameId: channel?.gameId ?? '',
			gameName: channel?.gameName ?? '',
			title: channel?.title ?? '',
			tags: channel?.tags ?? [],
			viewerCount: 0,
			startedAt: event.started_at,
			language: channel?.language ?? '',
			// Filled in by an edit once Get Streams lists the stream.
			thumbnailUrl: '',
			isMature: false,
		};
	}
}

function isStreamEvent(subscription: EventSubSubscription): subscription is EventSubSubscription & {
	type: StreamEventType;
} {
	return (STREAM_EVENTS as readonly string[]).includes(subscription.type);
}
