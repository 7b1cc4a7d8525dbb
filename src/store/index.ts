export { AnnouncementRepository } from './announcement-repository.ts';
export { type GuildSettingsPatch, GuildSettingsRepository } from './guild-settings-repository.ts';
export { createKeyLock } from './key-lock.ts';
export { openStore, redactUrl, type Store, type StoreKind, storeKindOf, UnreadableStoredValue } from './keyv.ts';
export {
	type Announcement,
	type AnnouncementPhase,
	announcementNonce,
	CorruptRecordError,
	type CorruptRecordHandler,
	type DeliveryStatus,
	defaultGuildSettings,
	type EndAction,
	emptyDeliveryStatus,
	type GuildSettings,
	type RepositoryOptions,
	type StreamState,
	type Watch,
} from './records.ts';
export { StreamStateRepository } from './stream-state-repository.ts';
export { type AddWatchResult, WatchRepository } from './watch-repository.ts';
