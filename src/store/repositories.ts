import type { Logger } from '../logger.ts';
import { AnnouncementRepository } from './announcement-repository.ts';
import type { Coordination } from './coordination.ts';
import { DeliveryStatusRepository } from './delivery-status-repository.ts';
import { GuildSettingsRepository } from './guild-settings-repository.ts';
import type { Store } from './keyv.ts';
import { StreamStateRepository } from './stream-state-repository.ts';
import { WatchRepository } from './watch-repository.ts';

/**
 * The one instance of each repository a process uses. WatchRepository keeps an in-memory index and every repository
 * serialises its own writes, so commands and the notifier must share these instances, not make their own.
 */
export interface Repositories {
	readonly watches: WatchRepository;
	readonly guildSettings: GuildSettingsRepository;
	readonly streamStates: StreamStateRepository;
	readonly announcements: AnnouncementRepository;
	readonly deliveryStatus: DeliveryStatusRepository;
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
	const repositories: Repositories = {
		watches: new WatchRepository(store, { ...options, ...(coordination ? { coordination } : {}) }),
		guildSettings: new GuildSettingsRepository(store, options),
		streamStates: new StreamStateRepository(store, options),
		announcements: new AnnouncementRepository(store, options),
		deliveryStatus: new DeliveryStatusRepository(store, options),
	};
	await repositories.watches.load();
	return repositories;
}
