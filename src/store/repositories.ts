import type { KeyvStoreAdapter } from 'keyv';
import type { Logger } from '../logger.ts';
import { AnnouncementRepository } from './announcement-repository.ts';
import { CategoryMatchRepository } from './category-match-repository.ts';
import { CategoryWatchRepository } from './category-watch-repository.ts';
import type { Coordination, LeaseHolding } from './coordination.ts';
import { DeliveryStatusRepository } from './delivery-status-repository.ts';
import { GuildSettingsRepository } from './guild-settings-repository.ts';
import type { Store } from './keyv.ts';
import { fencedAdapter } from './open-coordination.ts';
import { StreamStateRepository } from './stream-state-repository.ts';
import { ViewerSampleRepository } from './viewer-sample-repository.ts';
import { WatchRepository } from './watch-repository.ts';

/**
 * The one instance of each repository a process uses. WatchRepository keeps an in-memory index and every repository
 * serialises its own writes, so commands and the notifier must share these instances, not make their own.
 */
export interface Repositories {
	readonly watches: WatchRepository;
	/** "Announce every stream in this category": shared by commands and the notifier like `watches`. */
	readonly categoryWatches: CategoryWatchRepository;
	/** What category watches decided about the streams of their categories (written by the notifier only). */
	readonly categoryMatches: CategoryMatchRepository;
	readonly guildSettings: GuildSettingsRepository;
	readonly streamStates: StreamStateRepository;
	readonly announcements: AnnouncementRepository;
	readonly deliveryStatus: DeliveryStatusRepository;
	/** Viewer samples of live streams, for the summary at their end (written by the notifier only). */
	readonly viewerSamples: ViewerSampleRepository;
}

/**
 * Creates the repositories over `store` and loads the watch index; unreadable records are logged and skipped.
 * With `coordination`, changes to watches are safe with other processes on the same store (see WatchRepository).
 */
export async function openRepositories(
	store: Store,
	logger: Logger,
	coordination?: Coordination,
): Promise<Repositories> {
	const options = {
		onCorrupt: (key: string, error: unknown) =>
			logger.warn({ key, err: error }, 'ignoring a stored record that cannot be read (another version or damaged)'),
	};
	const watches = new WatchRepository(store, { ...options, ...(coordination ? { coordination } : {}) });
	const repositories: Repositories = {
		watches,
		categoryWatches: new CategoryWatchRepository(store, {
			...options,
			feed: watches,
			...(coordination ? { coordination } : {}),
		}),
		guildSettings: new GuildSettingsRepository(store, options),
		streamStates: new StreamStateRepository(store, options),
		announcements: new AnnouncementRepository(store, options),
		deliveryStatus: new DeliveryStatusRepository(store, options),
		viewerSamples: new ViewerSampleRepository(store, options),
		categoryMatches: new CategoryMatchRepository(store, options),
	};
	await repositories.watches.load();
	await repositories.categoryWatches.load();
	return repositories;
}

/**
 * The repositories of one term of the active notifier: what only the notifier writes (stream states,
 * announcements, delivery status) goes through a store whose writes are refused once `holding()` is null or the
 * store no longer has that lease (a stale holder cannot overwrite what the next one wrote). Fresh instances each
 * term, so nothing an earlier term cached is trusted. Watches and guild settings are shared with the process.
 */
export function fencedRepositories(
	shared: Repositories,
	store: Store,
	coordination: Coordination,
	holding: () => LeaseHolding | null,
	logger: Logger,
): Repositories {
	const fenced: Store = {
		...store,
		keyv: store.keyvOver(fencedAdapter(store.keyv.store as KeyvStoreAdapter, coordination, holding)),
	};
	const options = {
		onCorrupt: (key: string, error: unknown) =>
			logger.warn({ key, err: error }, 'ignoring a stored record that cannot be read (another version or damaged)'),
	};
	return {
		watches: shared.watches,
		categoryWatches: shared.categoryWatches,
		guildSettings: shared.guildSettings,
		streamStates: new StreamStateRepository(fenced, options),
		announcements: new AnnouncementRepository(fenced, options),
		deliveryStatus: new DeliveryStatusRepository(fenced, options),
		viewerSamples: new ViewerSampleRepository(fenced, options),
		categoryMatches: new CategoryMatchRepository(fenced, options),
	};
}
