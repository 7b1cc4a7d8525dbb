import { describe, expect, it, vi } from 'vitest';
import { GuildSettingsRepository } from '../../src/store/guild-settings-repository.ts';
import { defaultGuildSettings } from '../../src/store/records.ts';
import { storeBackends, useTestStores, writeRawValue } from './test-stores.ts';

const guildId = '200000000000000001';

describe.each(storeBackends)('GuildSettingsRepository on $kind', (backend) => {
	const stores = useTestStores(backend);

	it('returns the defaults for a guild that saved no settings', async () => {
		const settings = new GuildSettingsRepository(await stores.open());
		expect(await settings.get(guildId)).toEqual(defaultGuildSettings(guildId));
	});

	it('reads settings stored before the stream summary setting existed as summary on', async () => {
		const store = await stores.open();
		const { streamSummary: _, ...older } = { ...defaultGuildSettings(guildId), endAction: 'delete' as const };
		await writeRawValue(store, `guild-settings:${guildId}`, JSON.stringify({ value: older, expires: null }));
		expect(await new GuildSettingsRepository(store).get(guildId)).toEqual({
			...defaultGuildSettings(guildId),
			endAction: 'delete',
			streamSummary: true,
		});
	});

	it('an update persists across a reopen and keeps the fields it did not change', async () => {
		const store = await stores.open();
		const updated = await new GuildSettingsRepository(store).update(guildId, {
			defaultChannelId: '300000000000000001',
			endAction: 'delete',
		});
		expect(updated).toEqual({
			...defaultGuildSettings(guildId),
			defaultChannelId: '300000000000000001',
			endAction: 'delete',
		});
		const afterRestart = new GuildSettingsRepository(await stores.reopen(store));
		expect(await afterRestart.get(guildId)).toEqual(updated);
		expect(await afterRestart.get('200000000000000002')).toEqual(defaultGuildSettings('200000000000000002'));
	});

	it('successive updates accumulate', async () => {
		const settings = new GuildSettingsRepository(await stores.open());
		await settings.update(guildId, { watchLimit: 25 });
		await settings.update(guildId, { updateOnChange: false });
		expect(await settings.get(guildId)).toMatchObject({ watchLimit: 25, updateOnChange: false, endAction: 'edit' });
	});

	it('concurrent updates of one guild all land', async () => {
		const settings = new GuildSettingsRepository(await stores.open());
		await Promise.all([
			settings.update(guildId, { watchLimit: 7 }),
			settings.update(guildId, { endAction: 'keep' }),
			settings.update(guildId, { gameFilter: ['chess'] }),
		]);
		expect(await settings.get(guildId)).toMatchObject({ watchLimit: 7, endAction: 'keep', gameFilter: ['chess'] });
	});

	it('stores game and keyword filters in lowercase', async () => {
		const settings = new GuildSettingsRepository(await stores.open());
		const updated = await settings.update(guildId, { gameFilter: ['Just Chatting'], keywordFilter: [' Speedrun '] });
		expect(updated).toMatchObject({ gameFilter: ['just chatting'], keywordFilter: ['speedrun'] });
	});

	it('rejects an invalid watch limit and keeps the stored settings', async () => {
		const settings = new GuildSettingsRepository(await stores.open());
		await settings.update(guildId, { watchLimit: 10 });
		await expect(settings.update(guildId, { watchLimit: 0 })).rejects.toThrow();
		expect((await settings.get(guildId)).watchLimit).toBe(10);
	});

	it('treats a settings record of another version as absent and reports it', async () => {
		const store = await stores.open();
		const onCorrupt = vi.fn();
		const settings = new GuildSettingsRepository(store, { onCorrupt });
		const future = { ...defaultGuildSettings(guildId), version: 2, watchLimit: 5 };
		await store.keyv.set(`guild-settings:${guildId}`, future);
		expect(await settings.get(guildId)).toEqual(defaultGuildSettings(guildId));
		expect(onCorrupt).toHaveBeenCalledWith(
			`guild-settings:${guildId}`,
			expect.objectContaining({ message: expect.stringMatching(/version 2/) }),
		);
	});

	it('treats a settings record that is not JSON as absent and reports it', async () => {
		const store = await stores.open();
		const onCorrupt = vi.fn();
		await writeRawValue(store, `guild-settings:${guildId}`, '{"value":{"version":1,');
		expect(await new GuildSettingsRepository(store, { onCorrupt }).get(guildId)).toEqual(defaultGuildSettings(guildId));
		expect(onCorrupt).toHaveBeenCalledTimes(1);
	});
});
