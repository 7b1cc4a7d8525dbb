/** Category watches in `/watch list`, `/watch remove` and `/watch settings`, and the suggestions naming them. */
import { beforeEach, describe, expect, it } from 'vitest';
import { categoryStatusTarget } from '../../src/store/category-watch-repository.ts';
import type { Repositories } from '../../src/store/repositories.ts';
import { renderCategoryWatchRemoved } from '../../src/views/category-watch.ts';
import { renderGuildSettings, renderWatchList } from '../../src/views/watch.ts';
import { categoryWatchSuggestions, languageSuggestions } from '../../src/views/watch-choices.ts';
import { addCategoryWatch } from '../../src/watch/add-category-watch.ts';
import { addWatch } from '../../src/watch/add-watch.ts';
import { listWatches } from '../../src/watch/list-watches.ts';
import { removeChosenWatch } from '../../src/watch/remove-watch.ts';
import { changeGuildSettings } from '../../src/watch/watch-settings.ts';
import { storeBackends, useTestStores } from '../store/test-stores.ts';
import {
	addRequest,
	categoryRequest,
	fixedChecker,
	GENERAL,
	GUILD,
	NEWS,
	NOW,
	openWatchWorld,
	rejection,
	type ScriptedTwitch,
	type WatchWorld,
} from './watch-fixtures.ts';

const stores = useTestStores(storeBackends[0]!);
let twitch: ScriptedTwitch;
let repositories: Repositories;
let deps: WatchWorld['deps'];

beforeEach(async () => {
	({ twitch, repositories, deps } = await openWatchWorld(stores));
	twitch.addGame('Celeste', '504461');
	twitch.addGame('Just Chatting', '509658');
});

const categories = () => repositories.categoryWatches.listByGuild(GUILD);
const descriptionOf = (reply: ReturnType<typeof renderWatchList>) => reply.embeds?.[0]?.description ?? '';

describe('/watch list with category watches', () => {
	it('shows them in their own section after the channels: category, filters and where they post', async () => {
		await addWatch(deps, addRequest({ login: 'alpha' }), fixedChecker());
		await addCategoryWatch(
			deps,
			categoryRequest({ language: 'de', minViewers: 50, titleKeyword: 'Speedrun' }),
			fixedChecker(),
		);
		const listing = await listWatches(deps, GUILD, fixedChecker());
		const reply = renderWatchList(listing, 1, NOW);
		expect(reply.embeds?.[0]?.title).toBe('Watched Twitch channels: 1 of 100 · categories: 1 of 10');
		const [channels, section] = descriptionOf(reply).split('\n\n');
		expect(channels).toMatch(/^\*\*Alpha\*\* · /);
		expect(section).toBe(
			`__Whole categories: 1 of 10__\n**Celeste** · language \`de\` · ≥ 50 viewers · title has \`speedrun\` · → <#${NEWS}> · not announced yet`,
		);
	});

	it('shows how its posts went: the last announcement and the last delivery problem with the next try', async () => {
		await addCategoryWatch(deps, categoryRequest({}), fixedChecker());
		const [watch] = await categories();
		if (!watch) throw new Error('not added');
		await repositories.deliveryStatus.update(categoryStatusTarget(watch), (current) => ({
			...current,
			lastAnnouncedAt: NOW - 3_600_000,
			lastError: { code: 50013, message: 'Missing Permissions', at: NOW - 60_000 },
			consecutiveFailures: 1,
			retryAt: NOW + 60_000,
		}));
		const listing = await listWatches(deps, GUILD, fixedChecker());
		expect(listing.categories?.entries[0]?.delivery.lastError?.code).toBe(50013);
		const reply = renderWatchList(listing, 1, NOW);
		const text = descriptionOf(reply);
		expect(text).toContain(`last announced <t:${(NOW - 3_600_000) / 1000}:R>`);
		expect(text).toMatch(/⚠️ Last delivery problem <t:\d+:R> \(50013\): Missing Permissions.*Next try <t:\d+:R>\./);
		expect(reply.embeds?.[0]?.footer?.text).toBe('1 with a problem');
	});

	it('lists category watches alone, with their problems: no channel to post in, a pause', async () => {
		await repositories.guildSettings.update(GUILD, { defaultChannelId: GENERAL });
		await addCategoryWatch(deps, categoryRequest({ postInChannelId: null }), fixedChecker());
		await addCategoryWatch(deps, categoryRequest({ game: 'Just Chatting' }), fixedChecker());
		await repositories.categoryWatches.setPaused(
			GUILD,
			{ reason: 'channel-deleted', channelId: NEWS, at: NOW - 60_000 },
			[],
			NEWS,
		);
		await repositories.guildSettings.update(GUILD, { defaultChannelId: null });
		const reply = renderWatchList(await listWatches(deps, GUILD, fixedChecker()), 1, NOW);
		const text = descriptionOf(reply);
		expect(text).toContain('**Celeste** · any language · → no channel · not announced yet\n⚠️ No channel to post in');
		expect(text).toContain(
			`**Just Chatting** · any language · → <#${NEWS}> · not announced yet\n⏸️ Paused <t:1748779140:R>: <#${NEWS}> was deleted, so nothing is posted. Give the watch another channel (\`/watch remove category:\` and add it again`,
		);
		expect(reply.embeds?.[0]?.footer?.text).toBe('2 with a problem');
	});

	it('shows what stops a category watch from posting now, from the permissions', async () => {
		await addCategoryWatch(deps, categoryRequest(), fixedChecker());
		const blocked = fixedChecker({
			status: 'blocked',
			problem: { kind: 'cannot-post', channelId: NEWS, missing: ['Send Messages'], roleId: null },
		});
		const text = descriptionOf(renderWatchList(await listWatches(deps, GUILD, blocked), 1, NOW));
		expect(text).toContain(`⚠️ Now: I can’t post in <#${NEWS}>: missing Send Messages.`);
	});

	it('still says how to add watches when there are none of either kind', async () => {
		const reply = renderWatchList(await listWatches(deps, GUILD, fixedChecker()), 1, NOW);
		expect(reply.content).toContain('or every stream of a category with `/watch category game:<name>`');
	});
});

describe('/watch remove with a category', () => {
	it('removes the category watch a suggestion names, and says so like for a channel', async () => {
		await addCategoryWatch(deps, categoryRequest({ language: 'de', minViewers: 50 }), fixedChecker());
		const kept = await addCategoryWatch(deps, categoryRequest({ language: 'en' }), fixedChecker());
		const [german] = await categories();
		const removed = await removeChosenWatch(deps, GUILD, { category: german!.id });
		expect(removed).toEqual({ kind: 'category', watch: german });
		expect(await categories()).toEqual([kept.watch]);
		expect(removed.kind === 'category' && renderCategoryWatchRemoved(removed.watch).content).toBe(
			'Stopped watching the category **Celeste · de · ≥50 viewers**: no more announcements of its streams in this server.',
		);
	});

	it('takes a typed category name when the server watches it once, and asks to pick when it watches it in several languages', async () => {
		await addCategoryWatch(deps, categoryRequest({ game: 'Just Chatting' }), fixedChecker());
		await addCategoryWatch(deps, categoryRequest({ language: 'de' }), fixedChecker());
		await addCategoryWatch(deps, categoryRequest({ language: 'en' }), fixedChecker());
		const several = await rejection(removeChosenWatch(deps, GUILD, { category: 'celeste' }));
		expect(several.message).toBe(
			'This server watches Celeste 2 times (in different languages): pick the one to remove from the suggestions.',
		);
		const removed = await removeChosenWatch(deps, GUILD, { category: 'just chatting' });
		expect(removed.watch).toMatchObject({ gameName: 'Just Chatting' });
		const unknown = await rejection(removeChosenWatch(deps, GUILD, { category: 'Minecraft' }));
		expect(unknown.message).toBe(
			'This server has no category watch “Minecraft”. Pick one from the suggestions; `/watch list` shows them.',
		);
		expect(await categories()).toHaveLength(2);
	});

	it('explains when neither or both of channel and category are given, removing nothing', async () => {
		await addWatch(deps, addRequest({ login: 'alpha' }), fixedChecker());
		const added = await addCategoryWatch(deps, categoryRequest(), fixedChecker());
		const neither = await rejection(removeChosenWatch(deps, GUILD, {}));
		expect(neither.message).toBe(
			'Which watch? Give `channel:` for a Twitch channel, or `category:` for a category watch; `/watch list` shows both.',
		);
		const both = await rejection(removeChosenWatch(deps, GUILD, { channel: 'alpha', category: added.watch.id }));
		expect(both.message).toBe(
			'Give either `channel:` or `category:`, not both: `/watch remove` removes one watch at a time.',
		);
		expect(await repositories.watches.listByGuild(GUILD)).toHaveLength(1);
		expect(await categories()).toHaveLength(1);
	});

	it('still removes a channel watch by channel', async () => {
		await addWatch(deps, addRequest({ login: 'alpha' }), fixedChecker());
		const removed = await removeChosenWatch(deps, GUILD, { channel: 'alpha' });
		expect(removed).toMatchObject({ kind: 'channel', watch: { login: 'alpha' } });
		expect(await repositories.watches.listByGuild(GUILD)).toEqual([]);
	});

	it('suggests the server’s category watches by a label with their filters; the value is the watch id', async () => {
		const de = await addCategoryWatch(deps, categoryRequest({ language: 'de', minViewers: 50 }), fixedChecker());
		const chat = await addCategoryWatch(deps, categoryRequest({ game: 'Just Chatting' }), fixedChecker());
		const watches = await categories();
		expect(categoryWatchSuggestions(watches, '')).toEqual([
			{ name: 'Celeste · de · ≥50 viewers', value: de.watch.id },
			{ name: 'Just Chatting', value: chat.watch.id },
		]);
		expect(categoryWatchSuggestions(watches, 'CHAT')).toEqual([{ name: 'Just Chatting', value: chat.watch.id }]);
	});
});

describe('/watch settings for category watches', () => {
	it('sets how many new posts a category watch may make at a time, and shows it', async () => {
		const outcome = await changeGuildSettings(deps, GUILD, { categoryPosts: 3 }, fixedChecker());
		expect(outcome.changed).toEqual(['category posts']);
		expect((await repositories.guildSettings.get(GUILD)).categoryPostLimit).toBe(3);
		const reply = renderGuildSettings(outcome);
		expect(reply.content).toBe('✅ Saved: category posts.');
		const field = reply.embeds?.[0]?.fields?.find((candidate) => candidate.name === 'Category watches');
		expect(field?.value).toBe('0 of 10; at most 3 new posts per category watch at a time, the rest in one line');
	});

	it('refuses a post limit outside 1–25, changing nothing', async () => {
		for (const categoryPosts of [0, 26, 2.5]) {
			const error = await rejection(changeGuildSettings(deps, GUILD, { categoryPosts }, fixedChecker()));
			expect(error.message).toContain('`category-posts` is a whole number from 1 to 25');
		}
		expect((await repositories.guildSettings.get(GUILD)).categoryPostLimit).toBe(5);
	});

	it('resumes the paused category watches that post in the default channel when a new default is set', async () => {
		await repositories.guildSettings.update(GUILD, { defaultChannelId: NEWS });
		const onDefault = await addCategoryWatch(deps, categoryRequest({ postInChannelId: null }), fixedChecker());
		const ownChannel = await addCategoryWatch(deps, categoryRequest({ game: 'Just Chatting' }), fixedChecker());
		await repositories.categoryWatches.setPaused(GUILD, { reason: 'channel-deleted', channelId: NEWS, at: 1 });
		await changeGuildSettings(deps, GUILD, { defaultChannelId: GENERAL }, fixedChecker());
		expect(repositories.categoryWatches.find(GUILD, onDefault.watch.id)?.paused).toBeNull();
		// One with a channel of its own stays paused: the new default is not where it posts.
		expect(repositories.categoryWatches.find(GUILD, ownChannel.watch.id)?.paused?.reason).toBe('channel-deleted');
	});

	it('leaves a category watch paused because the bot left the server', async () => {
		await repositories.guildSettings.update(GUILD, { defaultChannelId: NEWS });
		const watch = await addCategoryWatch(deps, categoryRequest({ postInChannelId: null }), fixedChecker());
		await repositories.categoryWatches.setPaused(GUILD, { reason: 'left-guild', channelId: null, at: 1 });
		await changeGuildSettings(deps, GUILD, { defaultChannelId: GENERAL }, fixedChecker());
		expect(repositories.categoryWatches.find(GUILD, watch.watch.id)?.paused?.reason).toBe('left-guild');
	});
});

describe('language suggestions', () => {
	it('suggests common stream languages by code or English name', () => {
		expect(languageSuggestions('ge')).toEqual([{ name: 'de · German', value: 'de' }]);
		expect(languageSuggestions('DE')).toEqual([{ name: 'de · German', value: 'de' }]);
		expect(languageSuggestions('oth')).toEqual([{ name: 'other · Other', value: 'other' }]);
		expect(languageSuggestions('').length).toBeLessThanOrEqual(25);
	});
});
