import { beforeEach, describe, expect, it } from 'vitest';
import type { Repositories } from '../../src/store/repositories.ts';
import { renderCategoryWatchAdded } from '../../src/views/category-watch.ts';
import { addCategoryWatch } from '../../src/watch/add-category-watch.ts';
import { storeBackends, useTestStores } from '../store/test-stores.ts';
import {
	ADMIN,
	fixedChecker,
	GENERAL,
	GUILD,
	NEWS,
	NOW,
	openWatchWorld,
	ROLE,
	rejection,
	categoryRequest as request,
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

const stored = () => repositories.categoryWatches.listByGuild(GUILD);

describe('/watch category', () => {
	it('stores the category picked from the suggestions by its id and name, with every filter off by default', async () => {
		const added = await addCategoryWatch(deps, request({ game: 'id:504461' }), fixedChecker());
		expect(await stored()).toEqual([
			{
				version: 1,
				id: added.watch.id,
				guildId: GUILD,
				gameId: '504461',
				gameName: 'Celeste',
				language: null,
				minViewers: 0,
				titleKeyword: null,
				channelId: NEWS,
				roleId: null,
				template: null,
				createdAt: NOW,
				createdBy: ADMIN,
				paused: null,
			},
		]);
		expect(added).toMatchObject({ targetChannelId: NEWS, usesDefaultChannel: false, watchCount: 1, watchLimit: 10 });
	});

	it('finds a typed name without a suggestion picked, and stores the filters as the notifier compares them', async () => {
		const added = await addCategoryWatch(
			deps,
			request({ game: ' celeste ', language: ' DE ', minViewers: 50, titleKeyword: '  Any% SPEEDRUN ' }),
			fixedChecker(),
		);
		expect(added.watch).toMatchObject({
			gameId: '504461',
			gameName: 'Celeste',
			language: 'de',
			minViewers: 50,
			titleKeyword: 'any% speedrun',
		});
		expect((await stored())[0]?.language).toBe('de');
	});

	it('takes “other”, Twitch’s tag for languages without a code of their own', async () => {
		const added = await addCategoryWatch(deps, request({ language: 'Other' }), fixedChecker());
		expect(added.watch.language).toBe('other');
	});

	it('names the category it cannot find, and stores nothing', async () => {
		const error = await rejection(addCategoryWatch(deps, request({ game: 'Celest' }), fixedChecker()));
		expect(error.message).toContain('No Twitch category is called “Celest”');
		const gone = await rejection(addCategoryWatch(deps, request({ game: 'id:999' }), fixedChecker()));
		expect(gone.message).toContain('Twitch no longer has the category you picked');
		expect(await stored()).toEqual([]);
	});

	it('refuses a language that is not a two-letter code before asking Twitch anything', async () => {
		for (const language of ['German', 'd', 'de-DE']) {
			const error = await rejection(addCategoryWatch(deps, request({ language }), fixedChecker()));
			expect(error.message).toContain('is not a language code: use two letters as Twitch does');
		}
		expect(twitch.lookups).toBe(0);
		expect(await stored()).toEqual([]);
	});

	it('refuses a negative minimum and an overlong title keyword', async () => {
		const negative = await rejection(addCategoryWatch(deps, request({ minViewers: -1 }), fixedChecker()));
		expect(negative.message).toContain('`min-viewers` is a whole number from 0');
		const long = await rejection(addCategoryWatch(deps, request({ titleKeyword: 'x'.repeat(101) }), fixedChecker()));
		expect(long.message).toContain('too long: at most 100 characters');
		expect(await stored()).toEqual([]);
	});

	it('says so when the category is already watched in that language, and allows it in another', async () => {
		await addCategoryWatch(deps, request({ language: 'de' }), fixedChecker());
		const error = await rejection(
			addCategoryWatch(deps, request({ language: 'DE', postInChannelId: GENERAL }), fixedChecker()),
		);
		expect(error.message).toBe(
			'This server already watches Celeste in “de”. To change its filters, channel, role or message, `/watch remove category:` it and add it again.',
		);
		await addCategoryWatch(deps, request({ language: null }), fixedChecker());
		expect((await stored()).map((watch) => watch.language)).toEqual(['de', null]);
	});

	it('is refused at the server’s category watch limit, storing nothing', async () => {
		await repositories.guildSettings.update(GUILD, { categoryWatchLimit: 1 });
		await addCategoryWatch(deps, request(), fixedChecker());
		const error = await rejection(addCategoryWatch(deps, request({ game: 'Just Chatting' }), fixedChecker()));
		expect(error.message).toContain('already has 1 category watch, the most it may');
		expect((await stored()).map((watch) => watch.gameName)).toEqual(['Celeste']);
	});

	it('refuses a post-in channel the bot cannot post in (or the role it cannot ping), saving nothing', async () => {
		const checker = fixedChecker({
			status: 'blocked',
			problem: { kind: 'cannot-post', channelId: NEWS, missing: ['Embed Links'], roleId: null },
		});
		const error = await rejection(addCategoryWatch(deps, request({ roleId: ROLE }), checker));
		expect(error.message).toBe(
			`I can’t post in <#${NEWS}>: missing Embed Links. Allow it for my role in the channel’s permissions, or pick another channel. Nothing was saved.`,
		);
		expect(checker.calls).toEqual([[NEWS, ROLE]]);
		expect(await stored()).toEqual([]);
	});

	it('refuses a role it cannot check, and @everyone', async () => {
		const unverified = fixedChecker({ status: 'unverified', reason: 'this server is not in my cache yet' });
		const error = await rejection(addCategoryWatch(deps, request({ roleId: ROLE }), unverified));
		expect(error.message).toContain(`I can’t check right now who may ping <@&${ROLE}>`);
		const everyone = await rejection(addCategoryWatch(deps, request({ roleId: GUILD }), fixedChecker()));
		expect(everyone.message).toContain('@everyone cannot be the announcement role');
		expect(await stored()).toEqual([]);
	});

	it('asks where to post when there is no post-in and no default channel', async () => {
		const error = await rejection(addCategoryWatch(deps, request({ postInChannelId: null }), fixedChecker()));
		expect(error.message).toContain('Where should I announce? Add `post-in:` with a channel');
		expect(await stored()).toEqual([]);
	});

	it('follows the default channel when there is no post-in, checking the bot can post there', async () => {
		await repositories.guildSettings.update(GUILD, { defaultChannelId: GENERAL });
		const checker = fixedChecker();
		const added = await addCategoryWatch(deps, request({ postInChannelId: null }), checker);
		expect(added).toMatchObject({ targetChannelId: GENERAL, usesDefaultChannel: true });
		expect(added.watch.channelId).toBeNull();
		expect(checker.calls).toEqual([[GENERAL, null]]);
	});

	it('refuses an invalid message template, storing nothing', async () => {
		const error = await rejection(
			addCategoryWatch(deps, request({ template: '{streamer} plays {gaem}' }), fixedChecker()),
		);
		expect(error.message).toContain('Nothing was saved.');
		expect(await stored()).toEqual([]);
	});

	it('confirms what it will announce, where, and the flood guard', async () => {
		await repositories.guildSettings.update(GUILD, { categoryPostLimit: 3 });
		const added = await addCategoryWatch(
			deps,
			request({ language: 'de', minViewers: 1500, titleKeyword: 'speedrun', roleId: ROLE }),
			fixedChecker(),
		);
		expect(renderCategoryWatchAdded(added).content).toBe(
			[
				'✅ Watching live streams in **Celeste** in language `de`, with at least 1,500 viewers, with `speedrun` in the title: 1 of 10 category watches used.',
				`I’ll post each one as it goes live in <#${NEWS}>, pinging <@&${ROLE}>; at most 3 new posts at a time (\`/watch settings category-posts:\`), the rest in one line.`,
			].join('\n'),
		);
	});
});
