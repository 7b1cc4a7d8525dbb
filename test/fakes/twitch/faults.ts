import type { FakeFault } from './types.ts';

/** Route key that matches every route, after the route's own faults are used up. */
export const ANY_ROUTE = '*';

interface QueuedFault {
	fault: FakeFault;
	timesLeft: number;
}

/**
 * Faults waiting per route, served in the order they were injected: each is used `times` times, then the next.
 */
export class FaultQueue {
	readonly #byRoute = new Map<string, QueuedFault[]>();

	inject(route: string, fault: FakeFault, times = 1): void {
		if (!Number.isInteger(times) || times < 1) throw new Error(`fake twitch: fault times must be ≥ 1, got ${times}`);
		const queue = this.#byRoute.get(route);
		const entry = { fault, timesLeft: times };
		if (queue) queue.push(entry);
		else this.#byRoute.set(route, [entry]);
	}

	/** The fault to serve for this request, if any (and counts it as used). */
	take(route: string): FakeFault | undefined {
		return this.#takeFrom(route) ?? this.#takeFrom(ANY_ROUTE);
	}

	clear(): void {
		this.#byRoute.clear();
	}

	#takeFrom(route: string): FakeFault | undefined {
		const queue = this.#byRoute.get(route);
		const head = queue?.[0];
		if (!queue || !head) return undefined;
		head.timesLeft -= 1;
		if (head.timesLeft === 0) queue.shift();
		if (queue.length === 0) this.#byRoute.delete(route);
		return head.fault;
	}
}

/** The page Twitch's edge (not Helix) sends with a 502: HTML, not JSON. */
export const HTML_502_PAGE =
	'<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';

/** A body cut short mid-object: the content type says JSON, the parse fails. */
export const TRUNCATED_JSON_BODY = '{"data":[{"id":"141981764","login":"twitchdev","display_na';

/** Valid JSON whose "data" is not the array every Helix list answer has. */
export const INVALID_SHAPE_BODY = '{"data":"oops"}';
