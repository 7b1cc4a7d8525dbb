/**
 * Identify spacing shared by every gateway process of the bot. Discord lets one identify through per bucket
 * (`shard_id % max_concurrency`) every 5 seconds, counted per bot token across all connections; a faster one is
 * answered with op 9 Invalid Session. discord.js's own throttle sees only its process, so each shard here first takes
 * the bucket's lease in the shared store and never gives it back: the lease expiring is the 5 s spacing.
 */
import { randomUUID } from 'node:crypto';
import type { IIdentifyThrottler } from 'discord.js';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Coordination } from '../store/coordination.ts';

/** Discord's 5 s per bucket, plus room for clock drift between the store and Discord and for the identify's trip. */
export const IDENTIFY_SPACING_MS = 5_500;

/** How often a shard asks again for a bucket another process holds. */
const LEASE_POLL_MS = 250;

/** The store lease naming one identify bucket. */
export function identifyLeaseName(bucket: number): string {
	return `identify:${bucket}`;
}

export interface StoreIdentifyThrottlerOptions {
	/** The store's leases, shared by every process of the bot. */
	leases: Pick<Coordination, 'acquire'>;
	/** `session_start_limit.max_concurrency` of GET /gateway/bot: the number of buckets. */
	maxConcurrency: number;
	clock: Clock;
	logger: Logger;
}

/** An IIdentifyThrottler for discord.js that spaces identifies through leases in the shared store. */
export class StoreIdentifyThrottler implements IIdentifyThrottler {
	readonly #leases: Pick<Coordination, 'acquire'>;
	readonly #maxConcurrency: number;
	readonly #clock: Clock;
	readonly #logger: Logger;
	/** Per bucket, the end of the queue of this process's shards waiting for it: one asks the store at a time. */
	readonly #queues = new Map<number, Promise<void>>();
	/** Per bucket, when (monotonic) this process may identify in it again, whatever the store says. */
	readonly #nextAllowed = new Map<number, number>();

	constructor(options: StoreIdentifyThrottlerOptions) {
		if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1) {
			throw new RangeError(`max_concurrency must be a whole number ≥ 1, not ${options.maxConcurrency}`);
		}
		this.#leases = options.leases;
		this.#maxConcurrency = options.maxConcurrency;
		this.#clock = options.clock;
		this.#logger = options.logger;
	}

	/**
	 * Resolves when shard `shardId` may identify: its bucket's lease is taken for this identify. Rejects only when
	 * `signal` aborts (discord.js closed the shard meanwhile). A store that fails is no reason to identify unspaced:
	 * the shard then waits a full spacing on its own.
	 */
	async waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
		const bucket = shardId % this.#maxConcurrency;
		const previous = this.#queues.get(bucket) ?? Promise.resolve();
		let leave = (): void => {};
		const turn = new Promise<void>((resolve) => {
			leave = resolve;
		});
		this.#queues.set(
			bucket,
			previous.then(() => turn),
		);
		try {
			await settledOrAborted(previous, signal);
			const waitLocal = (this.#nextAllowed.get(bucket) ?? 0) - this.#clock.monotonic();
			if (waitLocal > 0) await this.#clock.sleep(waitLocal, signal);
			await this.#takeLease(shardId, bucket, signal);
			this.#nextAllowed.set(bucket, this.#clock.monotonic() + IDENTIFY_SPACING_MS);
		} finally {
			leave();
		}
	}

	async #takeLease(shardId: number, bucket: number, signal: AbortSignal): Promise<void> {
		// A fresh holder per identify: asking again as the holder of the last identify would extend its lease.
		const holder = randomUUID();
		for (;;) {
			signal.throwIfAborted();
			let granted: boolean;
			try {
				granted = (await this.#leases.acquire(identifyLeaseName(bucket), holder, IDENTIFY_SPACING_MS)) !== null;
			} catch (error) {
				this.#logger.warn(
					{ err: error, shardId, bucket },
					'the store did not answer for the identify lease; waiting a full spacing before this shard identifies',
				);
				// Whoever took the lease before the store failed has identified by the end of this wait.
				await this.#clock.sleep(IDENTIFY_SPACING_MS, signal);
				return;
			}
			if (granted) return;
			await this.#clock.sleep(LEASE_POLL_MS, signal);
		}
	}
}

/** What buildIdentifyThrottler is given: the @discordjs/ws manager, which knows GET /gateway/bot. */
export interface GatewayInformationSource {
	fetchGatewayInformation(): Promise<{ session_start_limit: { max_concurrency: number } }>;
}

/**
 * discord.js's `ws.buildIdentifyThrottler`: a StoreIdentifyThrottler with the bucket count Discord gives this bot.
 * Without that answer it counts one bucket, the strictest spacing there is.
 */
export function storeIdentifyThrottler(
	options: Omit<StoreIdentifyThrottlerOptions, 'maxConcurrency'>,
): (manager: GatewayInformationSource) => Promise<StoreIdentifyThrottler> {
	return async (manager) => {
		let maxConcurrency: unknown;
		try {
			maxConcurrency = (await manager.fetchGatewayInformation()).session_start_limit.max_concurrency;
		} catch (error) {
			options.logger.warn({ err: error }, 'GET /gateway/bot failed; spacing identifies as if max_concurrency were 1');
			return new StoreIdentifyThrottler({ ...options, maxConcurrency: 1 });
		}
		if (typeof maxConcurrency !== 'number' || !Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
			options.logger.warn(
				{ maxConcurrency },
				'GET /gateway/bot gave no usable max_concurrency; spacing identifies as if it were 1',
			);
			return new StoreIdentifyThrottler({ ...options, maxConcurrency: 1 });
		}
		return new StoreIdentifyThrottler({ ...options, maxConcurrency });
	};
}

/** Resolves when `promise` settles, rejects with the abort reason if `signal` aborts first. */
function settledOrAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal.aborted) {
			reject(signal.reason);
			return;
		}
		const onAbort = () => reject(signal.reason);
		signal.addEventListener('abort', onAbort, { once: true });
		void promise.then(() => {
			signal.removeEventListener('abort', onAbort);
			resolve();
		});
	});
}
