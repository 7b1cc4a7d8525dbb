/**
 * An in-process mutex per key: read-modify-write of one stored key (a guild's watch list, say) runs one at a time,
 * so two concurrent `/watch add` in one guild cannot both read the old list and lose one of the adds.
 * It serialises only this process: the bot is the single owner of its store.
 */
export class KeyLock {
	/** The tail of each key's queue; removed when the queue drains so that idle keys cost nothing. */
	private readonly tails = new Map<string, Promise<void>>();

	/**
	 * Runs `task` once every earlier task for `key` has settled, and resolves or rejects with its outcome. A failing
	 * task does not block the ones queued after it.
	 */
	async run<T>(key: string, task: () => Promise<T>): Promise<T> {
		const previous = this.tails.get(key) ?? Promise.resolve();
		let release!: () => void;
		const done = new Promise<void>((resolve) => {
			release = resolve;
		});
		const tail = previous.then(() => done);
		this.tails.set(key, tail);
		try {
			await previous;
			return await task();
		} finally {
			release();
			if (this.tails.get(key) === tail) this.tails.delete(key);
		}
	}

	/** How many keys have a task running or queued (for tests and diagnostics). */
	get busyKeys(): number {
		return this.tails.size;
	}
}
