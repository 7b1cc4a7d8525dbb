/**
 * At most `size` tasks at once, the rest wait in order. Discord takes 50 requests a second from a bot anyway;
 * a thousand go-lives in one cycle should queue here rather than open a thousand requests (and their memory) at once.
 */
export class TaskSlots {
	private active = 0;
	private readonly waiting: Array<() => void> = [];
	private readonly size: number;

	constructor(size: number) {
		this.size = size;
	}

	async run<T>(task: () => Promise<T>): Promise<T> {
		if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
		else this.active++;
		try {
			return await task();
		} finally {
			const next = this.waiting.shift();
			if (next) next();
			else this.active--;
		}
	}
}
