/**
 * How Helix lists are read: `first=100` on every paginated call (Twitch's default of 20 silently drops live channels
 * from a batch of 100 ids), cursors followed to a bound, items parsed one by one (see HelixTransport.getList), and
 * Get Streams answers cleaned of repeats across pages and of streams Twitch does not call live.
 */
import type { Logger } from '../logger.ts';
import type { TwitchMetrics } from './metrics.ts';
import { type ItemSchema, streamItemSchema, type TwitchStream } from './schemas.ts';
import type { HelixRequestOptions, HelixTransport, Query } from './transport.ts';

/**
 * The most pages any one call follows (1,000 items at first=100): Twitch has answered with a cursor on every page,
 * and a call must end whatever it sends.
 */
export const HELIX_MAX_PAGES = 10;

export class HelixLists {
	private readonly transport: HelixTransport;
	private readonly metrics: TwitchMetrics;
	private readonly logger: Logger;
	/** Endpoints whose page bound was already reported at warn level. */
	private readonly pageLimitWarned = new Set<string>();

	constructor(options: { transport: HelixTransport; metrics: TwitchMetrics; logger: Logger }) {
		this.transport = options.transport;
		this.metrics = options.metrics;
		this.logger = options.logger;
	}

	/**
	 * Get Streams with first=100, following cursors (to `maxPages`), dropping repeats Twitch may send across pages
	 * and streams Twitch does not call live (`type` "" on an error: not announced, not shown as live).
	 */
	async streams(
		query: Query,
		maxPages: number,
		options: HelixRequestOptions,
		more?: (page: readonly { live: boolean; stream: TwitchStream }[]) => boolean,
	): Promise<TwitchStream[]> {
		const items = await this.pages('/streams', query, streamItemSchema, maxPages, options, more);
		const seen = new Set<string>();
		const streams: TwitchStream[] = [];
		for (const { live, stream } of items) {
			if (!live) {
				this.metrics.notLiveStreams++;
				this.logger.warn(
					{ path: '/streams', id: stream.id, userId: stream.userId },
					'Twitch listed a stream whose type is not "live"; not treating it as live',
				);
				continue;
			}
			if (seen.has(stream.id)) continue;
			seen.add(stream.id);
			streams.push(stream);
		}
		return streams;
	}

	/** GETs an endpoint that takes no `first` (users, games, channels: the ids asked for are the page). */
	async once<T>(path: string, query: Query, item: ItemSchema<T>): Promise<T[]> {
		const page = await this.transport.getList(path, query, item);
		return page.data;
	}

	/**
	 * GETs a list endpoint with first=100 and follows `pagination.cursor` for up to `maxPages` pages, never more than
	 * HELIX_MAX_PAGES. Stopping at the bound with a cursor still offered is counted and logged (warn once per path).
	 */
	async pages<T>(
		path: string,
		query: Query,
		item: ItemSchema<T>,
		maxPages: number,
		options: HelixRequestOptions = {},
		/** Told each page: whether the next one is worth asking for (default: as long as Twitch offers one). */
		more?: (page: readonly T[]) => boolean,
	): Promise<T[]> {
		const bound = Math.max(1, Math.min(maxPages, HELIX_MAX_PAGES));
		const items: T[] = [];
		let after: string | undefined;
		for (let page = 0; page < bound; page++) {
			// first=100 everywhere: Twitch's default of 20 silently drops live channels from a batch of 100 ids.
			const response = await this.transport.getList(path, { ...query, first: 100, after }, item, options);
			items.push(...response.data);
			after = response.cursor;
			if (!after || response.data.length === 0) return items;
			if (more && !more(response.data)) return items;
		}
		this.metrics.pageLimitHits++;
		const details = { path, pages: bound };
		const message = 'Twitch still offered a next page at the page bound of this call; not following it';
		if (this.pageLimitWarned.has(path)) this.logger.debug(details, message);
		else {
			this.pageLimitWarned.add(path);
			this.logger.warn(details, `${message} (logged once per endpoint, then at debug level)`);
		}
		return items;
	}
}

/** Items by a key of each (the last one wins). */
export function indexBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T> {
	const index = new Map<string, T>();
	for (const item of items) index.set(keyOf(item), item);
	return index;
}

/** The items in lists of at most `size` (Helix takes 100 ids or logins per request). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
	const chunks: T[][] = [];
	for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
	return chunks;
}
