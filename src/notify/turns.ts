/**
 * At most `size` tasks at once, the others wait in order; a task that is still running after `slowMs` stops
 * counting and goes on outside the limit (p-queue's per-task timeout frees the slot; the task itself is not
 * stopped, and its own result is what `run` returns).
 *
 * What this bounds is the common case: a burst of 1,000 go-lives runs a few at a time instead of opening 1,000
 * sockets and store queries at once (measured: +75 MB of peak RSS without it). What it must never do is let a few
 * channels that hang or wait fill every slot and hold up a healthy channel's post.
 */
import PQueue from 'p-queue';

export class Turns {
	private readonly queue: PQueue;

	constructor(size: number) {
		this.queue = new PQueue({ concurrency: size });
	}

	/** Runs `task` in a slot; resolves or rejects as the task does, however long it takes. */
	async run<T>(task: () => Promise<T>, slowMs: number): Promise<T> {
		let running: Promise<T> | undefined;
		try {
			await this.queue.add(
				() => {
					running = task();
					return running;
				},
				{ timeout: slowMs },
			);
		} catch (error) {
			if (running === undefined) throw error; // never started
		}
		return running as Promise<T>;
	}

	/** Tasks counted now, and tasks waiting. */
	get load(): { taken: number; waiting: number } {
		return { taken: this.queue.pending, waiting: this.queue.size };
	}
}
