/**
 * The notifier role of a process: a standby until it gets the notifier lease, then the active notifier for as
 * long as it holds it. Each term as holder gets a notifier of its own, built fresh (its repositories write under
 * that term's fence, its Discord writes stop with the lease), so nothing a previous term cached is trusted: on
 * takeover the new notifier loads the stored state, finishes the unfinished announcements any earlier holder left
 * (notifier.ts, recoverUnfinished), attaches the EventSub shard with its own session, and polls.
 */
import type { Logger } from '../logger.ts';
import type { Coordination, LeaseHolding } from '../store/coordination.ts';
import type { Notifier } from './notifier.ts';
import { NotifierLease } from './notifier-lease.ts';

/** One term as the active notifier: what its notifier checks before each write. */
export interface NotifierTerm {
	readonly fence: number;
	/** The lease as held now, or null once it is lost or too old to be sure of (for fenced store writes). */
	holding(): LeaseHolding | null;
	/** How long a Discord write started now may take (0: none may start). */
	writeWindowMs(): number;
}

export interface LeasedNotifierOptions {
	coordination: Pick<Coordination, 'acquire' | 'renew' | 'release'>;
	ttlMs: number;
	logger: Logger;
	/** Builds the notifier of one term (not started). */
	build(term: NotifierTerm): Notifier;
	standbyRetryMs?: number;
}

export class LeasedNotifier {
	readonly lease: NotifierLease;
	private readonly o: LeasedNotifierOptions;
	private term: { notifier: Notifier; started: Promise<boolean> } | undefined;
	private ending: Promise<void> = Promise.resolve();

	constructor(options: LeasedNotifierOptions) {
		this.o = options;
		this.lease = new NotifierLease({
			coordination: options.coordination,
			ttlMs: options.ttlMs,
			logger: options.logger,
			...(options.standbyRetryMs === undefined ? {} : { standbyRetryMs: options.standbyRetryMs }),
			onAcquired: (holding) => this.begin(holding.fence),
			onLost: () => this.end(),
		});
	}

	/** The notifier while this process is the active one. */
	get notifier(): Notifier | undefined {
		return this.term?.notifier;
	}

	/**
	 * Starts asking for the lease; resolves after the first answer (and, when this process got it, once its
	 * notifier has started), so that a single process is the active notifier as soon as it is up.
	 */
	async start(): Promise<void> {
		await this.lease.start();
		await this.term?.started;
	}

	/** Stops the notifier (its work in flight finishes) and gives the lease up, so that a standby takes over at once. */
	async stop(): Promise<void> {
		await this.lease.stop(async () => {
			this.end();
			await this.ending;
		});
		await this.ending;
	}

	private begin(fence: number): void {
		const notifier = this.o.build({
			fence,
			holding: () => {
				const holding = this.lease.holding();
				return holding?.fence === fence ? holding : null;
			},
			writeWindowMs: () => (this.lease.holding()?.fence === fence ? this.lease.writeWindowMs() : 0),
		});
		const started = notifier.start().then(
			() => true,
			(error: unknown) => {
				// Could not load its state (the store failed): give the lease up for another process, or a later try.
				this.o.logger.error({ err: error }, 'the notifier could not start; giving the lease up');
				void this.lease.resign('the notifier could not start');
				return false;
			},
		);
		this.term = { notifier, started };
	}

	private end(): void {
		const term = this.term;
		if (!term) return;
		this.term = undefined;
		const previous = this.ending;
		this.ending = (async () => {
			await previous;
			if (await term.started) {
				await term.notifier.stop().catch((error: unknown) => {
					this.o.logger.warn({ err: error }, 'the notifier did not stop cleanly');
				});
			}
		})();
	}
}
