import type { RateLimitSettings } from './types.ts';

/** Twitch's default Helix bucket for an app: 800 points, refilled continuously over a minute. */
export const DEFAULT_RATE_LIMIT = 800;
export const DEFAULT_REFILL_PER_SECOND = 800 / 60;

/** What the three Ratelimit-* headers say. */
export type RateLimitHeaders = {
	'Ratelimit-Limit': string;
	'Ratelimit-Remaining': string;
	/** Unix seconds when the bucket is full again. */
	'Ratelimit-Reset': string;
};

/**
 * A continuous-refill token bucket, as Twitch keeps per app (client id): each Helix request takes one point; points
 * come back at a steady rate up to the limit.
 */
export class RateLimitBucket {
	limit: number;
	refillPerSecond: number;
	#points: number;
	#updatedAt: number;
	readonly #now: () => number;

	constructor(limit: number, refillPerSecond: number, now: () => number) {
		this.limit = limit;
		this.refillPerSecond = refillPerSecond;
		this.#points = limit;
		this.#now = now;
		this.#updatedAt = now();
	}

	/** Takes one point; false (and nothing taken) when fewer than one is left. */
	take(): boolean {
		this.#refill();
		if (this.#points < 1) return false;
		this.#points -= 1;
		return true;
	}

	apply(settings: RateLimitSettings): void {
		this.#refill();
		if (settings.limit !== undefined) {
			this.limit = settings.limit;
			this.#points = Math.min(this.#points, this.limit);
		}
		if (settings.refillPerSecond !== undefined) this.refillPerSecond = settings.refillPerSecond;
		if (settings.remaining !== undefined) this.#points = Math.min(Math.max(0, settings.remaining), this.limit);
	}

	headers(): RateLimitHeaders {
		this.#refill();
		const missing = this.limit - this.#points;
		const secondsToFull = missing <= 0 || this.refillPerSecond <= 0 ? 0 : missing / this.refillPerSecond;
		return {
			'Ratelimit-Limit': String(this.limit),
			'Ratelimit-Remaining': String(Math.floor(this.#points)),
			'Ratelimit-Reset': String(Math.ceil((this.#now() + secondsToFull * 1000) / 1000)),
		};
	}

	#refill(): void {
		const now = this.#now();
		const elapsedSeconds = Math.max(0, now - this.#updatedAt) / 1000;
		this.#updatedAt = now;
		this.#points = Math.min(this.limit, this.#points + elapsedSeconds * this.refillPerSecond);
	}
}

/** One bucket per client id, made on first use with the current defaults. */
export class RateLimiter {
	readonly #buckets = new Map<string, RateLimitBucket>();
	#limit: number;
	#refillPerSecond: number;
	readonly #now: () => number;

	constructor(limit: number, refillPerSecond: number, now: () => number) {
		this.#limit = limit;
		this.#refillPerSecond = refillPerSecond;
		this.#now = now;
	}

	bucketFor(clientId: string): RateLimitBucket {
		let bucket = this.#buckets.get(clientId);
		if (!bucket) {
			bucket = new RateLimitBucket(this.#limit, this.#refillPerSecond, this.#now);
			this.#buckets.set(clientId, bucket);
		}
		return bucket;
	}

	/** Changes every bucket, and the defaults of buckets made later (not their `remaining`: they start full). */
	apply(settings: RateLimitSettings, clientIds: Iterable<string>): void {
		if (settings.limit !== undefined) this.#limit = settings.limit;
		if (settings.refillPerSecond !== undefined) this.#refillPerSecond = settings.refillPerSecond;
		for (const clientId of clientIds) this.bucketFor(clientId);
		for (const bucket of this.#buckets.values()) bucket.apply(settings);
	}
}
