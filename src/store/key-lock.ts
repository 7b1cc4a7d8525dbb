import AsyncLock from 'async-lock';

/**
 * An in-process mutex per key (async-lock): read-modify-write of one stored key (a guild's watch list, say) runs one
 * at a time, in call order, so two concurrent `/watch add` in one guild cannot both read the old list and lose one
 * of the adds. A failing task rejects its caller and does not block the ones queued after it; a key is forgotten
 * once its queue drains. It serialises only this process: the bot is the single owner of its store.
 *
 * Waiters are not bounded, as before: async-lock's default would fail the 1,001st task waiting on one key instead of
 * running it. Tasks take no argument (one that does is run in async-lock's callback mode).
 */
export function createKeyLock(): AsyncLock {
	return new AsyncLock({ maxPending: Number.POSITIVE_INFINITY });
}
