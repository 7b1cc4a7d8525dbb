/**
 * What the notifier reports as it works, for metrics and the readiness check (src/observe). Every method is cheap and
 * never throws; a notifier built without an observer reports to `silentNotifierObserver`.
 */
export type AnnouncementOutcome = 'posted' | 'edited' | 'ended' | 'filtered' | 'failed';

export interface NotifierObserver {
	/** An announcement step done: a go-live posted, a live post edited, a post ended, a stream filtered out, or a failure. */
	announcement(outcome: AnnouncementOutcome): void;
	/** A go-live posted this long after the stream's `started_at` on Twitch. */
	goLivePosted(delaySeconds: number): void;
	/** A poll cycle finished: its duration and how many channels it asked Twitch about. */
	pollCycle(durationSeconds: number, channels: number): void;
	/** A poll cycle failed (Twitch or the store did not answer); the next interval tries again. */
	pollFailed(): void;
	/** An EventSub notification of this subscription type taken. */
	eventSubNotification(type: string): void;
	/** An EventSub message dropped as a redelivery (its message id was seen before). */
	eventSubDuplicate(): void;
	/** The EventSub WebSocket attached to the conduit (true) or lost (false). */
	eventSubConnected(connected: boolean): void;
}

export const silentNotifierObserver: NotifierObserver = {
	announcement: () => {},
	goLivePosted: () => {},
	pollCycle: () => {},
	pollFailed: () => {},
	eventSubNotification: () => {},
	eventSubDuplicate: () => {},
	eventSubConnected: () => {},
};
