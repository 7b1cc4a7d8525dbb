import { createKeyLock } from './key-lock.ts';
import type { Store } from './keyv.ts';
import {
	type CorruptRecordHandler,
	defaultGuildSettings,
	type GuildSettings,
	guildSettingsSchema,
	parseStoredRecord,
	type RepositoryOptions,
	type StoredRead,
} from './records.ts';

/** A change to a guild's settings: any fields but the record's identity. */
export type GuildSettingsPatch = Partial<Omit<GuildSettings, 'version' | 'guildId'>>;

/** Per-guild `/watch settings`, stored under `guild-settings:<guildId>`; a guild that never saved any has defaults. */
export class GuildSettingsRepository {
	private readonly store: Store;
	private readonly onCorrupt: CorruptRecordHandler | undefined;
	private readonly lock = createKeyLock();

	constructor(store: Store, options: RepositoryOptions = {}) {
		this.store = store;
		this.onCorrupt = options.onCorrupt;
	}

	/** The guild's settings; the defaults (not stored) when it has none or its record is unusable. */
	async get(guildId: string): Promise<GuildSettings> {
		return this.parse(guildId, await this.store.keyv.get(settingsKey(guildId)));
	}

	/** The settings of these guilds, by guild id, as a share of a read made together with other repositories. */
	reading(guildIds: Iterable<string>): StoredRead<Map<string, GuildSettings>> {
		const ids = [...new Set(guildIds)];
		return {
			keys: ids.map(settingsKey),
			settle: (values) => new Map(ids.map((guildId, index) => [guildId, this.parse(guildId, values[index])])),
		};
	}

	private parse(guildId: string, raw: unknown): GuildSettings {
		return (
			parseStoredRecord(settingsKey(guildId), raw, guildSettingsSchema, this.onCorrupt) ?? defaultGuildSettings(guildId)
		);
	}

	/**
	 * Applies `patch` to the guild's settings, stores and returns them. Filters are normalised to lowercase; an
	 * invalid value (a watch limit of 0, say) throws a ZodError and stores nothing.
	 */
	async update(guildId: string, patch: GuildSettingsPatch): Promise<GuildSettings> {
		const key = settingsKey(guildId);
		return this.lock.acquire(key, async () => {
			const current = await this.get(guildId);
			const next = guildSettingsSchema.parse({ ...current, ...patch, version: 1, guildId });
			await this.store.keyv.set(key, next);
			return next;
		});
	}
}

function settingsKey(guildId: string): string {
	return `guild-settings:${guildId}`;
}
