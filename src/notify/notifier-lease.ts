/**
 * The notifier's lease: exactly one active notifier per store. Every process with the notifier role runs one of
 * these; the one that gets the lease is active, the others are standbys that try again every second, so a standby
 * takes over at most about a second after the lease expires (its holder died, froze or lost the store).
 *
 * The holder renews every ttl/5. What it may do is judged on its own monotonic clock, never the wall clock: the
 * lease is valid until the moment its last successful acquire or renewal was *sent* plus the ttl (the store's expiry
 * started later than that), and the holder stops every write `safetyMs` (ttl/3) before then. So a holder whose
 * renewals fail (store unreachable) or whose event loop stalled (SIGSTOP, a long GC) stops writing on its own before
 * anyone else can take over, and steps down when it finds out; its late writes to the store are refused anyway by
 * the fence (see fencedAdapter in src/store/open-coordination.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { Coordination, LeaseHolding } from '../store/coordination.ts';

export const NOTIFIER_LEASE = 'notifier';

export interface NotifierLeaseOptions {
	coordination: Pick<Coordination, 'acquire' | 'renew' | 'release'>;
	ttlMs: number;
	logger: Logger;
	/** Called when this process becomes the active notifier (not awaited by the lease loop). */
	onAcquired(holding: LeaseHolding): void;
	/** Called when it stops being the active notifier (lost, expired, or released at stop). */
	onLost(reason: string): void;
	/** How often a standby asks for the lease (default 1 s). */
	standbyRetryMs?: number;
	/** Milliseconds on a monotonic clock (default performance.now). */
	now?: () => number;
	holder?: string;
}

export class NotifierLease {
	readonly holder: string;
	private readonly o: NotifierLeaseOptions;
	private readonly now: () => number;
	private readonly safetyMs: number;
	private grant: { fence: number; sentAt: number } | null = null;
	private timer: NodeJS.Timeout | undefined;
	private stopped = true;
	private storeFailing = false;
	private running: Promise<void> = Promise.resolve();

	constructor(options: NotifierLeaseOptions) {
		this.o = options;
		this.holder = options.holder ?? randomUUID();
		this.now = options.now ?? (() => performance.now());
		this.safetyMs = Math.ceil(options.ttlMs / 3);
	}

	/**
	 * The lease as held right now, or null: not held, or held too long ago to be sure of (checked on the monotonic
	 * clock at every call: call it right before each write).
	 */
	holding(): LeaseHolding | null {
		const grant = this.grant;
		if (!grant || this.now() - grant.sentAt >= this.o.ttlMs - this.safetyMs) return null;
		return { name: NOTIFIER_LEASE, holder: this.holder, fence: grant.fence };
	}

	/**
	 * How long a Discord write started now may still take (ms; 0: none may start): until a second before the
	 * earliest moment the store could let another process take over.
	 */
	writeWindowMs(): number {
		if (!this.holding() || !this.grant) return 0;
		return Math.max(0, this.grant.sentAt + this.o.ttlMs - 1_000 - this.now());
	}

	get active(): boolean {
		return this.grant !== null;
	}

	/** Starts asking for the lease; resolves after the first answer (or failure) of the store. */
	async start(): Promise<void> {
		if (!this.stopped) return;
		this.stopped = false;
		this.running = this.tick();
		await this.running;
		this.schedule(this.period());
	}

	/** Steps down and gives the lease up now (a standby, or this process later, takes it). */
	async resign(reason: string): Promise<void> {
		if (!this.grant) return;
		this.stepDown(reason);
		await this.o.coordination.release(NOTIFIER_LEASE, this.holder).catch(() => {});
	}

	/** Stops asking, and gives the lease up (a standby takes over at once) after `beforeRelease` finished. */
	async stop(beforeRelease?: () => Promise<void>): Promise<void> {
		this.stopped = true;
		clearTimeout(this.timer);
		await this.running;
		if (!this.grant) return;
		await beforeRelease?.();
		this.stepDown('this process is stopping', 'info');
		await this.o.coordination.release(NOTIFIER_LEASE, this.holder).catch((error: unknown) => {
			this.o.logger.warn({ err: error }, 'could not give the notifier lease up; it expires by itself');
		});
	}

	private schedule(ms: number): void {
		if (this.stopped) return;
		this.timer = setTimeout(() => {
			this.running = this.tick().finally(() => this.schedule(this.period()));
		}, ms);
		this.timer.unref?.();
	}

	/** Renewals five times per lease; a standby asks every second. */
	private period(): number {
		return this.grant ? this.o.ttlMs / 5 : (this.o.standbyRetryMs ?? 1_000);
	}

	private async tick(): Promise<void> {
		const sentAt = this.now();
		try {
			if (this.grant) {
				const renewed = await this.o.coordination.renew(NOTIFIER_LEASE, this.holder, this.grant.fence, this.o.ttlMs);
				this.storeAnswers();
				if (!this.grant) return; // stepped down meanwhile
				// Renewed: the store still had it as ours (nobody took it, whatever the delay).
				if (renewed) this.grant.sentAt = sentAt;
				else this.stepDown('the lease expired or another process took it');
				return;
			}
			const grant = await this.o.coordination.acquire(NOTIFIER_LEASE, this.holder, this.o.ttlMs);
			this.storeAnswers();
			if (!grant || this.stopped) return;
			this.grant = { fence: grant.fence, sentAt };
			this.o.logger.info(
				{ fence: grant.fence, leaseSeconds: this.o.ttlMs / 1000 },
				'this process is the active notifier',
			);
			this.o.onAcquired({ name: NOTIFIER_LEASE, holder: this.holder, fence: grant.fence });
		} catch (error) {
			if (!this.storeFailing) {
				this.storeFailing = true;
				this.o.logger.warn({ err: error }, 'cannot reach the store to hold the notifier lease');
			}
			// Not renewed in time: the lease may have expired in the store; stop before anyone can take over.
			if (this.grant && this.now() - this.grant.sentAt >= this.o.ttlMs - this.safetyMs) {
				this.stepDown('could not renew the lease in time');
			}
		}
	}

	private storeAnswers(): void {
		this.storeFailing = false;
	}

	/** Stops being the holder; `level` info when that is the plan (a stop), warn when the lease was lost. */
	private stepDown(reason: string, level: 'info' | 'warn' = 'warn'): void {
		if (!this.grant) return;
		const fence = this.grant.fence;
		this.grant = null;
		this.o.logger[level]({ fence, reason }, 'this process is no longer the active notifier');
		this.o.onLost(reason);
	}
}
