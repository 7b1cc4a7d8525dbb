/**
 * At most `size` holders at once, the others wait in order; a holder that is still busy after `slowMs` gives its
 * turn back and goes on outside the count.
 *
 * What this bounds is the common case: a burst of 1,000 go-lives runs a few at a time instead of opening 1,000
 * sockets and store queries at once (measured: +75 MB of peak RSS without it). What it must never do is let a few
 * channels that hang or wait fill every turn and hold up a healthy channel's post: a slow holder therefore stops
 * counting after `slowMs`. No pool library (p-limit, p-queue) releases a slot on a timer, hence these lines.
 */
export class Turns {
	private taken = 0;
	private readonly waiting: Array<() => void> = [];
	private readonly size: number;

	constructor(size: number) {
		this.size = size;
	}

	/** Waits for a turn; the returned release gives it back (once, however often it is called). */
	async take(slowMs: number): Promise<() => void> {
		if (this.taken >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
		else this.taken++;
		let released = false;
		const release = () => {
			if (released) return;
			released = true;
			clearTimeout(slow);
			const next = this.waiting.shift();
			if (next) next();
			else this.taken--;
		};
		const slow = setTimeout(release, slowMs);
		return release;
	}

	/** Runs `task` in a turn. */
	async run<T>(task: () => Promise<T>, slowMs: number): Promise<T> {
		const release = await this.take(slowMs);
		try {
			return await task();
		} finally {
			release();
		}
	}

	/** Holders counted now, and waiters. */
	get load(): { taken: number; waiting: number } {
		return { taken: this.taken, waiting: this.waiting.length };
	}
}
