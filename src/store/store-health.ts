import { performance } from 'node:perf_hooks';
import type { KeyvStoreAdapter } from 'keyv';
import type { Logger } from '../logger.ts';

/** A store call that got no answer within its deadline: a frozen server, or a network that drops packets. */
export class StoreDeadlineError extends Error {
	override readonly name = 'StoreDeadlineError';
}

/** The adapter calls that reach the database: each gets the deadline and tells whether the store answers. */
const GUARDED_CALLS = ['get', 'getMany', 'set', 'setMany', 'delete', 'deleteMany', 'clear', 'has', 'hasMany'] as const;

export interface StoreGuardOptions {
	/** Names the store in errors and log lines: 'sqlite', 'redis' or 'postgres'. */
	kind: string;
	/** How long one call may take before it fails with StoreDeadlineError. */
	deadlineMs: number;
	logger: Logger;
	/** Removes credentials (the STORAGE_URL's password) from a client's error text before it is logged. */
	redact: (text: string) => string;
}

/**
 * Rejects with StoreDeadlineError when `work` has not settled after `deadlineMs`. The work itself goes on (a
 * client cannot take back a command it has sent): a write that times out may still be applied later.
 */
export async function withDeadline<T>(work: Promise<T>, deadlineMs: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new StoreDeadlineError(`${what} within ${deadlineMs} ms`)), deadlineMs);
	});
	try {
		return await Promise.race([work, deadline]);
	} finally {
		clearTimeout(timer);
	}
}

/** Turns on the health log once the store is open (a store that cannot open is reported by the start-up error). */
export interface StoreGuard {
	startReporting(): void;
}

/**
 * Gives every call of `adapter` a deadline and logs the store's health: one warning when it stops answering (a
 * failed or timed-out call, or an 'error' event of its client such as a dropped connection), one info line when
 * a call succeeds again; nothing in between, however many calls fail. Calls keep failing fast while the store is
 * away (callers retry on their next cycle) and work again as soon as it is back.
 */
export function guardStoreCalls(adapter: KeyvStoreAdapter, options: StoreGuardOptions): StoreGuard {
	const health = new StoreHealth(options);
	const calls = adapter as unknown as Record<string, unknown>;
	for (const name of GUARDED_CALLS) {
		const call = calls[name];
		if (typeof call !== 'function') continue;
		calls[name] = async (...args: unknown[]) => {
			const startedIn = health.generation;
			try {
				const work = new Promise((resolve) => resolve(call.apply(adapter, args)));
				const result = await withDeadline(work, options.deadlineMs, `The ${options.kind} store did not answer ${name}`);
				health.succeeded(startedIn);
				return result;
			} catch (error) {
				health.failed(error, startedIn);
				throw error;
			}
		};
	}
	// Connection errors (a terminated idle connection, a failed reconnect) come as events, outside any call.
	adapter.on('error', (error: unknown) => health.failed(error, health.generation));
	return { startReporting: () => health.startReporting() };
}

/** The text of a client's error; an empty message (Node's AggregateError of a refused connection) gives its code. */
export function describeStoreError(error: unknown): string {
	if (error === undefined) return '';
	if (!(error instanceof Error)) return String(error);
	return error.message || String((error as { code?: unknown }).code ?? error.name);
}

/** Whether the store answers, as the last calls saw it; logs each change once. */
class StoreHealth {
	/** Counts changes of state: the outcome of a call that began before the last change says nothing new. */
	generation = 0;
	#down = false;
	#downSince = 0;
	#reporting = false;
	readonly #options: StoreGuardOptions;

	constructor(options: StoreGuardOptions) {
		this.#options = options;
	}

	/** The store has just answered (its start-up check): what happened before is not news. */
	startReporting(): void {
		this.#reporting = true;
		this.#down = false;
		this.generation += 1;
	}

	failed(error: unknown, startedIn: number): void {
		if (this.#down || startedIn !== this.generation) return;
		this.#down = true;
		this.#downSince = performance.now();
		this.generation += 1;
		if (!this.#reporting) return;
		const { kind, logger, redact } = this.#options;
		// Only the text and code: a pg error carries its whole client object, and the text may quote the URL.
		const code = (error as { code?: unknown } | null | undefined)?.code;
		logger.warn(
			{ error: redact(describeStoreError(error)), ...(typeof code === 'string' ? { code } : {}) },
			`the ${kind} store is unreachable; its calls fail until it answers again`,
		);
	}

	succeeded(startedIn: number): void {
		if (!this.#down || startedIn !== this.generation) return;
		this.#down = false;
		this.generation += 1;
		if (!this.#reporting) return;
		const downForMs = Math.round(performance.now() - this.#downSince);
		this.#options.logger.info({ downForMs }, `the ${this.#options.kind} store answers again`);
	}
}
