/**
 * /watch category, and category watches in list, remove and settings, through the real bot (src/bot.ts) against the
 * fake Discord and the fake Twitch: registered as deploy-commands would, typed by a server admin, answered over the
 * gateway and REST; and the bot leaving and rejoining the server pauses and resumes them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningBot } from '../../src/bot.ts';
import { deployCommands } from '../../src/discord/deploy-commands.ts';
import { type FakeChannel, type FakeGuild, Permission } from '../fakes/discord/index.ts';
import { createWorld, type World } from '../support/bot-world.ts';

let world: World;
let bot: RunningBot;
let guild: FakeGuild;
let general: FakeChannel;
let news: FakeChannel;

beforeEach(async () => {
	world = await createWorld();
	guild = world.discord.addGuild({ name: 'Climbers' });
	general = world.discord.addChannel(guild.id, { name: 'general' });
	news = world.discord.addChannel(guild.id, { name: 'news' });
	world.twitch.addGame({ id: '504461', name: 'Celeste' });
	world.twitch.addGame({ id: '509658', name: 'Just Chatting' });
	bot = await world.startBot();
	await deployCommands({
		config: { discordApplicationId: world.discord.applicationId, devGuildId: undefined },
		commands: bot.commands,
		rest: bot.client!.rest,
	});
});

afterEach(async () => {
	await world.close();
});

function watch(subcommand: string, options: Record<string, string | number | boolean> = {}) {
	return world.discord.runCommand({ guildId: guild.id, channelId: general.id, name: 'watch', subcommand, options });
}

/** What the bot suggests while `focused` is typed (the other options as already filled in). */
async function suggestions(subcommand: string, focused: string, options: Record<string, string | number>) {
	const result = await world.discord.runCommand({
		guildId: guild.id,
		channelId: general.id,
		name: 'watch',
		subcommand,
		options,
		type: 4,
		focused,
	});
	return result.final.choices as Array<{ name: string; value: string }>;
}

const categoryWatches = () => bot.context.repositories.categoryWatches.listByGuild(guild.id);

describe('/watch category through the real bot', () => {
	it('suggests categories from Twitch’s search, saves the one picked, lists it and removes it', async () => {
		const games = await suggestions('category', 'game', { game: 'cel' });
		expect(games).toEqual([{ name: 'Celeste', value: 'id:504461' }]);
		expect(await suggestions('category', 'language', { game: 'id:504461', language: 'germ' })).toEqual([
			{ name: 'de · German', value: 'de' },
		]);

		const added = await watch('category', {
			game: 'id:504461',
			language: 'DE',
			'min-viewers': 50,
			'post-in': news.id,
		});
		expect(added.ephemeral).toBe(true);
		expect(added.final.content).toContain(
			'✅ Watching live streams in **Celeste** in language `de`, with at least 50 viewers: 1 of 10 category watches used.',
		);
		const [stored] = await categoryWatches();
		expect(stored).toMatchObject({ gameId: '504461', gameName: 'Celeste', language: 'de', channelId: news.id });

		const list = await watch('list');
		expect(list.final.embeds[0].description).toContain(
			`__Whole categories: 1 of 10__\n**Celeste** · language \`de\` · ≥ 50 viewers · → <#${news.id}>`,
		);

		expect(await suggestions('remove', 'category', { category: 'cel' })).toEqual([
			{ name: 'Celeste · de · ≥50 viewers', value: stored!.id },
		]);
		const removed = await watch('remove', { category: stored!.id });
		expect(removed.final.content).toContain('Stopped watching the category **Celeste · de · ≥50 viewers**');
		expect(await categoryWatches()).toEqual([]);
	});

	it('names a category Twitch does not have, and a language that is no code, saving nothing', async () => {
		const unknown = await watch('category', { game: 'Celest', 'post-in': news.id });
		expect(unknown.final.content).toContain('No Twitch category is called “Celest”');
		const language = await watch('category', { game: 'Celeste', language: 'german', 'post-in': news.id });
		expect(language.final.content).toContain('“german” is not a language code');
		expect(await categoryWatches()).toEqual([]);
	});

	it('refuses a post-in channel the bot cannot post in, and asks where to post without one', async () => {
		world.discord.setChannelOverwrites(news.id, [
			{ id: guild.id, type: 0, allow: '0', deny: Permission.EmbedLinks.toString() },
		]);
		const refused = await watch('category', { game: 'Celeste', 'post-in': news.id });
		expect(refused.final.content).toMatch(new RegExp(`^I can’t post in <#${news.id}>: missing Embed Links\\.`));
		expect(refused.final.content).toContain('Nothing was saved');
		const nowhere = await watch('category', { game: 'Celeste' });
		expect(nowhere.final.content).toContain('Where should I announce?');
		expect(await categoryWatches()).toEqual([]);
	});

	it('explains /watch remove without a channel or a category', async () => {
		const result = await watch('remove');
		expect(result.final.content).toContain('Which watch? Give `channel:` for a Twitch channel, or `category:`');
	});

	it('sets the category flood guard with /watch settings category-posts:', async () => {
		const result = await watch('settings', { 'category-posts': 3 });
		expect(result.final.content).toBe('✅ Saved: category posts.');
		expect((await bot.context.repositories.guildSettings.get(guild.id)).categoryPostLimit).toBe(3);
	});

	it('pauses the category watches when the bot is removed from the server, and resumes them when it is back', async () => {
		await watch('category', { game: 'Celeste', 'post-in': news.id });
		const pausedReason = async () => (await categoryWatches())[0]?.paused?.reason ?? null;
		world.discord.removeGuild(guild.id);
		await waitUntil(async () => (await pausedReason()) === 'left-guild');
		world.discord.rejoinGuild(guild.id);
		await waitUntil(async () => (await pausedReason()) === null);
	});
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}
