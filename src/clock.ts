/** Time as the code sees it: injected so that expiry and grace periods are tested without sleeping. */
export interface Clock {
	/** Wall time: milliseconds since the Unix epoch. For what is shown and stored, never for measuring a duration. */
	now(): number;
	/**
	 * Milliseconds on a clock that only moves forward at a steady rate, from an arbitrary origin: for grace periods,
	 * backoff, throttles and ages within this process. A wall clock stepped by NTP or an operator would make a
	 * 3-minute grace period last an hour, or none.
	 */
	monotonic(): number;
	/** Resolves after `ms` milliseconds (or sooner when `signal` aborts: then it rejects with the abort reason). */
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
	now: () => Date.now(),
	monotonic: () => performance.now(),
	sleep: (ms, signal) =>
		new Promise<void>((resolve, reject) => {
			if (signal?.aborted) {
				reject(signal.reason);
				return;
			}
			const timer = setTimeout(() => {
				signal?.removeEventListener('abort', onAbort);
				resolve();
			}, ms);
			const onAbort = () => {
				clearTimeout(timer);
				reject(signal?.reason);
			};
			signal?.addEventListener('abort', onAbort, { once: true });
		}),
};
