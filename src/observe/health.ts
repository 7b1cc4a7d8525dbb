/**
 * Readiness: whether this process does its job now. Each check gives a reason a person can act on when it fails;
 * /readyz answers 503 with all of them.
 */
import type { Clock } from '../clock.ts';
import type { AnnouncementOutcome, NotifierObserver } from '../notify/notifier-observer.ts';

/**
 * The notifier's observer that also remembers what readiness asks: when a poll cycle last succeeded, and whether
 * the EventSub shard is attached. Everything else goes on to `next` (the metrics).
 */
export class NotifierHealth implements NotifierObserver {
	private readonly clock: Clock;
	private readonly next: NotifierObserver;
	/** Monotonic ms of the last poll cycle that learned something, or null before the first. */
	lastPollOkAt: number | null = null;
	eventSubAttached = false;

	constructor(clock: Clock, next: NotifierObserver) {
		this.clock = clock;
		this.next = next;
	}

	announcement(outcome: AnnouncementOutcome): void {
		this.next.announcement(outcome);
	}
	goLivePosted(delaySeconds: number): void {
		this.next.goLivePosted(delaySeconds);
	}
	pollCycle(durationSeconds: number, channels: number): void {
		this.lastPollOkAt = this.clock.monotonic();
		this.next.pollCycle(durationSeconds, channels);
	}
	pollFailed(): void {
		this.next.pollFailed();
	}
	eventSubNotification(type: string): void {
		this.next.eventSubNotification(type);
	}
	eventSubDuplicate(): void {
		this.next.eventSubDuplicate();
	}
	eventSubConnected(connected: boolean): void {
		this.eventSubAttached = connected;
		this.next.eventSubConnected(connected);
	}
}

export interface ReadinessOptions {
	clock: Clock;
	pollIntervalMs: number;
	/** The gateway role's state, when this process runs it. */
	discord?: () => { ready: boolean; notReadyShards: number[] };
	/** Resolves when the store answers a read; rejects (with a message fit to show) when it does not. */
	store: () => Promise<void>;
	/** The notifier role's state, when this process runs it: active (holds the lease) or standing by. */
	notifier?: () => { active: boolean };
	health: NotifierHealth;
	eventSubEnabled: boolean;
}

/** Answers "is this process ready?" with the reasons it is not (empty: ready). */
export class Readiness {
	private readonly o: ReadinessOptions;
	/** Monotonic ms when this process was first seen active as the notifier (the first poll is due within 2 intervals). */
	private activeSince: number | null = null;

	constructor(options: ReadinessOptions) {
		this.o = options;
	}

	async reasons(): Promise<string[]> {
		const reasons: string[] = [];
		const discord = this.o.discord?.();
		if (discord && !discord.ready) {
			reasons.push(
				discord.notReadyShards.length > 0
					? `Discord gateway not ready (shard ${discord.notReadyShards.join(', ')} connecting)`
					: 'Discord gateway not connected yet',
			);
		}
		try {
			await this.o.store();
		} catch (error) {
			reasons.push(`store not answering: ${(error as Error).message}`);
		}
		const notifier = this.o.notifier?.();
		if (notifier?.active) {
			const now = this.o.clock.monotonic();
			this.activeSince ??= now;
			const since = this.o.health.lastPollOkAt ?? this.activeSince;
			const lateMs = now - since;
			if (lateMs > 2 * this.o.pollIntervalMs) {
				reasons.push(
					this.o.health.lastPollOkAt === null
						? `no successful poll of Twitch yet (${Math.round(lateMs / 1000)} s since this process became the notifier)`
						: `last successful poll of Twitch ${Math.round(lateMs / 1000)} s ago (more than two intervals)`,
				);
			}
			if (this.o.eventSubEnabled && !this.o.health.eventSubAttached) reasons.push('EventSub not connected');
		} else {
			this.activeSince = null;
		}
		return reasons;
	}
}
