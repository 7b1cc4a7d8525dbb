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
 * Client side of Twitch's per-app token bucket. Requests queue here (FIFO) instead of being sent into an empty
 * bucket. Twitch's bucket refills continuously and Ratelimit-Reset is when it is *full* again, so the next point
 * is usually a few milliseconds away: waiters are released at the estimated refill rate, not at Reset — a 429
 * never stalls the whole client for a minute. Every wait is a timer, so the queue cannot hang.
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
	private readonly waiters: Array<() => void> = [];
	private timer: NodeJS.Timeout | undefined;
	private readonly clock: Clock;

	constructor(clock: Clock) {
		this.clock = clock;
	}

	/** Resolves when one point may be spent; pair every acquire with one `release`. */
	acquire(): Promise<void> {
		if (this.waiters.length === 0 && this.available() >= 1) {
			this.inFlight++;
			return Promise.resolve();
		}
		return new Promise((resolve) => {
			this.waiters.push(resolve);
			this.pump();
		});
	}

	/** Ends one request; `headers` (when the response had them) re-synchronise the estimate. */
	release(headers?: RateLimitHeaders): void {
		this.inFlight = Math.max(0, this.inFlight - 1);
		if (headers) this.observe(headers);
		this.pump();
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

	/** How many callers wait for a point. */
	get queued(): number {
		return this.waiters.length;
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
		while (this.waiters.length > 0 && this.available() >= 1) {
			this.inFlight++;
			this.waiters.shift()?.();
		}
		if (this.waiters.length === 0 || this.timer) return;
		// Sleep until about one point has refilled, never past Reset (when the bucket is full by definition).
		const now = this.clock.now();
		const missing = 1 - this.available();
		const untilPoint = Number.isFinite(this.refillPerMs()) ? missing / this.refillPerMs() : 0;
		const delay = Math.max(5, Math.min(Math.ceil(untilPoint), Math.max(this.resetAt - now, 5)));
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.pump();
		}, delay);
		this.timer.unref?.();
	}
}
