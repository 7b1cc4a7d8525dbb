import { beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/logger.ts';
import { passesGuildFilters } from '../../src/notify/announcement-rules.ts';
import { openRepositories, type Repositories } from '../../src/store/repositories.ts';
import { renderGuildSettings } from '../../src/views/watch.ts';
import { changeGuildSettings, parseFilterList, type WatchSettingsDeps } from '../../src/watch/watch-settings.ts';
import { storeBackends, useTestStores } from '../store/test-stores.ts';
import { makeWatch } from '../support/fixtures.ts';
import { fixedChecker, GENERAL, GUILD, rejection, ScriptedTwitch } from './watch-fixtures.ts';

const stores = useTestStores(storeBackends[0]!);
let twitch: ScriptedTwitch;
let repositories: Repositories;
let deps: WatchSettingsDeps;

beforeEach(async () => {
	twitch = new ScriptedTwitch();
	twitch.addGame('Minecraft');
	twitch.addGame('Just Chatting');
	repositories = await openRepositories(await stores.open(), createSilentLogger());
	deps = { twitch, repositories };
});

describe('/watch settings: game filter and keyword filter', () => {
	it('stores both filters lowercase and shows them', async () => {
		const outcome = await changeGuildSettings(
			deps,
			GUILD,
			{ games: 'MINECRAFT,  just chatting ', keywords: 'Speedrun, ANY%, speedrun' },
			fixedChecker(),
		);
		expect(outcome.changed).toEqual(['game filter', 'keyword filter']);
		const saved = await repositories.guildSettings.get(GUILD);
		expect(saved.gameFilter).toEqual(['minecraft', 'just chatting']);
		expect(saved.keywordFilter).toEqual(['speedrun', 'any%']);

		const fields = renderGuildSettings(outcome).embeds?.[0]?.fields ?? [];
		expect(fields.find((field) => field.name === 'Game filter')?.value).toBe(
			'Only these categories: `minecraft`, `just chatting`',
		);
		expect(fields.find((field) => field.name === 'Keyword filter')?.value).toBe(
			'Only titles containing one of: `speedrun`, `any%`',
		);
		expect(renderGuildSettings(outcome).content).toBe('✅ Saved: game filter and keyword filter.');
	});

	it('stores filters the announcer applies: a category in the list, a title with a keyword', async () => {
		await changeGuildSettings(deps, GUILD, { games: 'Minecraft', keywords: 'speedrun' }, fixedChecker());
		const settings = await repositories.guildSettings.get(GUILD);
		expect(passesGuildFilters(settings, { gameName: 'Minecraft', title: 'SPEEDRUN any%' })).toBe(true);
		expect(passesGuildFilters(settings, { gameName: 'Minecraft', title: 'Chill build' })).toBe(false);
		expect(passesGuildFilters(settings, { gameName: 'Celeste', title: 'Speedrun' })).toBe(false);
	});

	it('clears a filter with “none”', async () => {
		await changeGuildSettings(deps, GUILD, { games: 'Minecraft', keywords: 'speedrun' }, fixedChecker());
		await changeGuildSettings(deps, GUILD, { games: 'None', keywords: ' none ' }, fixedChecker());
		const settings = await repositories.guildSettings.get(GUILD);
		expect(settings.gameFilter).toEqual([]);
		expect(settings.keywordFilter).toEqual([]);
	});

	it('refuses a game Twitch has no category for, naming it, and changes nothing', async () => {
		const error = await rejection(
			changeGuildSettings(deps, GUILD, { games: 'Minecraft, Minecraf', keywords: 'speedrun' }, fixedChecker()),
		);
		expect(error.message).toContain('Twitch has no category called “minecraf”');
		const settings = await repositories.guildSettings.get(GUILD);
		expect(settings.gameFilter).toEqual([]);
		expect(settings.keywordFilter).toEqual([]);
	});

	it('refuses a list with nothing in it or too many entries', () => {
		expect(() => parseFilterList(' , ,', 'keyword')).toThrow(/Give keywords separated by commas, or `none`/);
		const many = Array.from({ length: 26 }, (_, index) => `word${index}`).join(',');
		expect(() => parseFilterList(many, 'keyword')).toThrow(/at most 25/);
	});
});

describe('/watch settings: the other settings', () => {
	it('shows the current settings when no option is given, changing nothing', async () => {
		const outcome = await changeGuildSettings(deps, GUILD, {}, fixedChecker());
		expect(outcome.changed).toEqual([]);
		const reply = renderGuildSettings(outcome);
		expect(reply.content).toBeUndefined();
		const fields = Object.fromEntries((reply.embeds?.[0]?.fields ?? []).map((field) => [field.name, field.value]));
		expect(fields).toMatchObject({
			'Default channel': 'Not set: watches without their own channel cannot post.',
			'When a stream ends': 'Edit the post to “was live”, with the duration and the VOD link',
			'Title or category changes': 'Update the post',
			'Game filter': 'Every category',
			'Keyword filter': 'Every title',
			Watches: '0 of 100 (the limit is set by the bot’s operator)',
		});
	});

	it('turns the stream summary off and on again', async () => {
		const off = await changeGuildSettings(deps, GUILD, { streamSummary: false }, fixedChecker());
		expect(off.changed).toEqual(['stream summary']);
		expect((await repositories.guildSettings.get(GUILD)).streamSummary).toBe(false);
		const on = await changeGuildSettings(deps, GUILD, { streamSummary: true }, fixedChecker());
		expect(on.settings.streamSummary).toBe(true);
	});

	it('saves the default channel, end action and update-on-change', async () => {
		const checker = fixedChecker();
		const outcome = await changeGuildSettings(
			deps,
			GUILD,
			{ defaultChannelId: GENERAL, endAction: 'delete', updateOnChange: false },
			checker,
		);
		expect(checker.calls).toEqual([[GENERAL, null]]);
		expect(outcome.settings).toMatchObject({ defaultChannelId: GENERAL, endAction: 'delete', updateOnChange: false });
		expect(await repositories.guildSettings.get(GUILD)).toMatchObject({
			defaultChannelId: GENERAL,
			endAction: 'delete',
		});
	});

	it('resumes the paused watches that post in the default channel when a new default is set', async () => {
		await repositories.watches.add(
			makeWatch(GUILD, '2001', { channelId: null, paused: { reason: 'channel-deleted', channelId: '999', at: 1 } }),
			100,
		);
		await repositories.watches.add(
			makeWatch(GUILD, '2002', { channelId: '777', paused: { reason: 'channel-deleted', channelId: '777', at: 1 } }),
			100,
		);
		await changeGuildSettings(deps, GUILD, { defaultChannelId: GENERAL }, fixedChecker());
		expect((await repositories.watches.get(GUILD, '2001'))?.paused).toBeNull();
		// A watch with a channel of its own stays paused: the new default is not where it posts.
		expect((await repositories.watches.get(GUILD, '2002'))?.paused?.reason).toBe('channel-deleted');
	});

	it('refuses a default channel the bot cannot post in, changing nothing', async () => {
		const checker = fixedChecker({
			status: 'blocked',
			problem: { kind: 'cannot-post', channelId: GENERAL, missing: ['View Channel'], roleId: null },
		});
		const error = await rejection(
			changeGuildSettings(deps, GUILD, { defaultChannelId: GENERAL, endAction: 'keep' }, checker),
		);
		expect(error.message).toMatch(/^I can’t post in <#1400000000000000002>: missing View Channel\./);
		expect(await repositories.guildSettings.get(GUILD)).toMatchObject({ defaultChannelId: null, endAction: 'edit' });
	});
});
