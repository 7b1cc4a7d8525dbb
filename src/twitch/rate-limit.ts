import type { Clock } from '../clock.ts';

/** What a Helix response says of the app's token bucket. */
export interface RateLimitHeaders {
	limit: number | undefined;
	remaining: number | undefined;
	/** Milliseconds since the epoch at which the bucket is full again. */
	resetAt: number | undefined;
}

/** Reads Twitch's Ratelimit-Limit / -Remaining / -Reset (Unix seconds) headers; absent or garbled → undefined. */
export function readRateLimitHeaders(headers: Record<string, string | string[] | undefined>): RateLimitHeaders {
	const num = (name: string): number | undefined => {
		const raw = headers[name];
		const value = Number(Array.isArray(raw) ? raw[0] : raw);
		return raw === undefined || !Number.isFinite(value) ? undefined : value;
	};
	const reset = num('ratelimit-reset');
	return {
		limit: num('ratelimit-limit'),
		remaining: num('ratelimit-remaining'),
		resetAt: reset === undefined ? undefined : reset * 1000,
	};
}

/**
 * Who is waiting for a request: a person (a command, the CLI: the default) or the bot's own background work
 * (polling Get Streams, VOD lookups). Background requests never hold up interactive ones.
 */
export type HelixPriority = 'interactive' | 'background';

/** One point of the bucket, held from `acquire` until the answer is in; releasing twice is harmless. */
export interface HelixPermit {
	/** Ends the request; `headers` (when the answer had them) re-synchronise the estimate. */
	release(headers?: RateLimitHeaders): void;
}

export interface HelixRateLimiterOptions {
	/**
	 * Points background requests leave in the bucket for interactive ones. Default: 2% of the bucket, at least 1
	 * (16 of Twitch's 800): a command finds a point at once even while a poll cycle drains the bucket.
	 */
	reservedPoints?: number;
	/**
	 * Background requests in flight at once (default: no limit). The client keeps it below its connections per host,
	 * so that a command never queues in the HTTP pool behind hundreds of poll requests the bucket let through.
	 */
	maxBackgroundInFlight?: number;
}

/**
 * Client side of Twitch's per-app token bucket. Requests queue here instead of being sent into an empty bucket, in
 * two lanes: interactive requests first (FIFO among themselves), background ones after them and only while the
 * bucket holds more than the points reserved for interactive ones. A command therefore waits at most one refill
 * step (75 ms at 800 points a minute) however much polling is queued, where one FIFO queue made it wait for a whole
 * poll cycle (65 s with 100,000 watched channels).
 *
 * Twitch's bucket refills continuously and Ratelimit-Reset is when it is *full* again, so the next point is usually
 * a few milliseconds away: waiters are released at the estimated refill rate, not at Reset — a 429 never stalls the
 * whole client for a minute. Every wait is a timer, so the queue cannot hang.
 *
 * Hand-written because no queue library does this job: p-queue and p-limit count slots and fixed windows, not a
 * token bucket re-read from every answer's Ratelimit headers with points kept back for one lane.
 */
export class HelixRateLimiter {
	// Until the first response tells the bucket's size, one request at a time: a bucket smaller than assumed
	// would otherwise answer the first burst with 429s.
	private known = false;
	private limit = 800;
	private remaining = 800;
	private observedAt = 0;
	private resetAt = 0;
	private inFlight = 0;
	private backgroundInFlight = 0;
	private readonly interactive: Array<() => void> = [];
	private readonly background: Array<() => void> = [];
	private timer: NodeJS.Timeout | undefined;
	private readonly clock: Clock;
	private readonly reservedPoints: number | undefined;
	private readonly maxBackgroundInFlight: number;

	constructor(clock: Clock, options: HelixRateLimiterOptions = {}) {
		this.clock = clock;
		this.reservedPoints = options.reservedPoints;
		this.maxBackgroundInFlight = options.maxBackgroundInFlight ?? Number.POSITIVE_INFINITY;
	}

	/** Resolves when one point may be spent; release the permit when the answer is in (or the request failed). */
	acquire(priority: HelixPriority = 'interactive'): Promise<HelixPermit> {
		const lane = priority === 'interactive' ? this.interactive : this.background;
		if (lane.length === 0 && this.canStart(priority)) return Promise.resolve(this.start(priority));
		return new Promise((resolve) => {
			lane.push(() => resolve(this.start(priority)));
			this.pump();
		});
	}

	/** Takes the bucket state from a response: the server's word beats the estimate. */
	observe(headers: RateLimitHeaders): void {
		if (headers.remaining === undefined) return;
		this.known = true;
		this.limit = headers.limit ?? this.limit;
		this.remaining = headers.remaining;
		this.observedAt = this.clock.now();
		this.resetAt = headers.resetAt ?? this.observedAt;
	}

	/** Points the bucket should hold now, less those taken by requests still in flight. */
	available(): number {
		if (!this.known) return this.inFlight === 0 ? 1 : 0;
		return this.estimatedPoints(this.clock.now()) - this.inFlight;
	}

	/** How many callers wait for a point, in both lanes. */
	get queued(): number {
		return this.interactive.length + this.background.length;
	}

	/** Points that background requests must leave alone (none while the bucket's size is unknown). */
	private reserve(): number {
		if (!this.known) return 0;
		// Never the whole bucket: background work must still run on a tiny one.
		return Math.min(this.reservedPoints ?? Math.max(1, Math.ceil(this.limit * 0.02)), this.limit - 1);
	}

	/** Whether a request of this lane may start now, ignoring who else waits. */
	private canStart(priority: HelixPriority): boolean {
		if (priority === 'interactive') return this.available() >= 1;
		// Background waits for every queued interactive request, and leaves the reserved points alone.
		return (
			this.interactive.length === 0 &&
			this.backgroundInFlight < this.maxBackgroundInFlight &&
			this.available() >= 1 + this.reserve()
		);
	}

	private start(priority: HelixPriority): HelixPermit {
		this.inFlight++;
		if (priority === 'background') this.backgroundInFlight++;
		let released = false;
		return {
			release: (headers) => {
				if (released) return;
				released = true;
				this.inFlight = Math.max(0, this.inFlight - 1);
				if (priority === 'background') this.backgroundInFlight = Math.max(0, this.backgroundInFlight - 1);
				if (headers) this.observe(headers);
				this.pump();
			},
		};
	}

	private estimatedPoints(now: number): number {
		if (now >= this.resetAt) return this.limit;
		const perMs = this.refillPerMs();
		return Math.min(this.limit, this.remaining + (now - this.observedAt) * perMs);
	}

	private refillPerMs(): number {
		const span = this.resetAt - this.observedAt;
		if (span <= 0) return Number.POSITIVE_INFINITY;
		return Math.max(this.limit - this.remaining, 1) / span;
	}

	private pump(): void {
		for (;;) {
			if (this.interactive.length > 0 && this.canStart('interactive')) this.interactive.shift()?.();
			else if (this.background.length > 0 && this.canStart('background')) this.background.shift()?.();
			else break;
		}
		if (this.timer) return;
		// Points are what the head of the queue lacks: one for a command, one beyond the reserve for background work.
		// Background held only by its in-flight limit needs no timer: a release pumps again.
		let needed: number;
		if (this.interactive.length > 0) needed = 1;
		else if (this.background.length > 0 && this.backgroundInFlight < this.maxBackgroundInFlight) {
			needed = 1 + this.reserve();
		} else return;
		// Sleep until about enough points have refilled, never past Reset (when the bucket is full by definition).
		const now = this.clock.now();
		const missing = needed - this.available();
		const untilPoints = Number.isFinite(this.refillPerMs()) ? missing / this.refillPerMs() : 0;
		const delay = Math.max(5, Math.min(Math.ceil(untilPoints), Math.max(this.resetAt - now, 5)));
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.pump();
		}, delay);
		this.timer.unref?.();
	}
}
