/**
 * /watch through the real bot (src/bot.ts) against the fake Discord and the fake Twitch: the command registered as
 * deploy-commands would, typed by a server admin, answered over the gateway and REST like in production.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningBot } from '../../src/bot.ts';
import { deployCommands } from '../../src/discord/deploy-commands.ts';
import { type FakeChannel, type FakeGuild, Permission } from '../fakes/discord/index.ts';
import { DEFAULT_EVERYONE_PERMISSIONS } from '../fakes/discord/permissions.ts';
import { createWorld, type World } from '../support/bot-world.ts';

let world: World;
let bot: RunningBot;
let guild: FakeGuild;
let general: FakeChannel;
let news: FakeChannel;

beforeEach(async () => {
	world = await createWorld();
	guild = world.discord.addGuild({ name: 'Streamers' });
	general = world.discord.addChannel(guild.id, { name: 'general' });
	news = world.discord.addChannel(guild.id, { name: 'news' });
	world.twitch.addUser({ login: 'alpha', display_name: 'Alpha' });
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

/** Denies `permission` to @everyone (whose role id is the guild's) in #news: the bot has no other role. */
function denyInNews(permission: bigint): void {
	world.discord.setChannelOverwrites(news.id, [{ id: guild.id, type: 0, allow: '0', deny: permission.toString() }]);
}

function watch(subcommand: string, options: Record<string, string | number | boolean> = {}) {
	return world.discord.runCommand({ guildId: guild.id, channelId: general.id, name: 'watch', subcommand, options });
}

describe('/watch through the real bot', () => {
	it('permission check at /watch add: names what is missing, saves nothing, and saves once it is fixed', async () => {
		denyInNews(Permission.EmbedLinks);
		const refused = await watch('add', { channel: 'alpha', 'post-in': news.id });
		expect(refused.ephemeral).toBe(true);
		expect(refused.final.content).toMatch(new RegExp(`^I can’t post in <#${news.id}>: missing Embed Links\\.`));
		expect(refused.final.content).toContain('Nothing was saved');
		expect((await watch('list')).final.content).toContain('watches no Twitch channel yet');

		denyInNews(Permission.ViewChannel | Permission.SendMessages);
		const stillRefused = await watch('add', { channel: 'alpha', 'post-in': news.id });
		expect(stillRefused.final.content).toContain('missing View Channel and Send Messages');

		world.discord.setChannelOverwrites(news.id, []);
		const added = await watch('add', { channel: 'alpha', 'post-in': news.id });
		expect(added.ephemeral).toBe(true);
		expect(added.final.content).toContain('✅ Watching **Alpha**');
		expect(bot.context.repositories.watches.watchedUserIds()).toHaveLength(1);
	});

	it('refuses /watch add where the bot cannot Read Message History, saving nothing', async () => {
		denyInNews(Permission.ReadMessageHistory);
		const refused = await watch('add', { channel: 'alpha', 'post-in': news.id });
		expect(refused.final.content).toMatch(
			new RegExp(`^I can’t post in <#${news.id}>: missing Read Message History\\.`),
		);
		expect(refused.final.content).toContain('Nothing was saved');
		expect(bot.context.repositories.watches.watchedUserIds()).toEqual([]);
	});

	it('refuses a /watch settings default channel where the bot cannot Read Message History', async () => {
		denyInNews(Permission.ReadMessageHistory);
		const refused = await watch('settings', { 'default-channel': news.id });
		expect(refused.final.content).toContain(`I can’t post in <#${news.id}>: missing Read Message History.`);
		expect(refused.final.content).toContain('The settings were not changed');
		expect((await bot.context.repositories.guildSettings.get(guild.id)).defaultChannelId).toBeNull();
	});

	it('does not post a /watch test preview where the bot cannot Read Message History, and says why', async () => {
		await watch('add', { channel: 'alpha', 'post-in': news.id });
		denyInNews(Permission.ReadMessageHistory);
		const result = await watch('test', { channel: 'alpha' });
		expect(result.final.content).toContain(`I can’t post in <#${news.id}>: missing Read Message History.`);
		expect(world.discord.channelMessages(news.id)).toEqual([]);
	});

	it('refuses a role that is not mentionable from an admin without Mention Everyone in the post channel, saving nothing', async () => {
		// A careful server: members may not ping every role, the bot's own role may.
		world.discord.updateRole(guild.id, guild.id, {
			permissions: DEFAULT_EVERYONE_PERMISSIONS & ~Permission.MentionEveryone,
		});
		const botRole = world.discord.addRole(guild.id, { name: 'Bot', permissions: Permission.MentionEveryone });
		world.discord.setBotRoles(guild.id, [botRole.id]);
		const staff = world.discord.addRole(guild.id, { name: 'Staff', mentionable: false });
		const alerts = world.discord.addRole(guild.id, { name: 'Stream alerts', mentionable: true });
		const asModerator = (role: string) =>
			world.discord.runCommand({
				guildId: guild.id,
				channelId: general.id,
				name: 'watch',
				subcommand: 'add',
				options: { channel: 'alpha', 'post-in': news.id, role },
				// Granted /watch (Manage Server) but not “Mention @everyone, @here and All Roles”.
				userId: '1100000000000000042',
				memberPermissions: Permission.ManageGuild | Permission.ViewChannel | Permission.SendMessages,
			});

		const refused = await asModerator(staff.id);
		expect(refused.ephemeral).toBe(true);
		expect(refused.final.content).toMatch(
			new RegExp(
				`^You can’t ping <@&${staff.id}> in <#${news.id}>: the role is not mentionable and you don’t have “Mention @everyone, @here and All Roles” there`,
			),
		);
		expect(refused.final.content).toContain('Nothing was saved');
		expect(bot.context.repositories.watches.watchedUserIds()).toEqual([]);

		// A mentionable role anyone may ping is fine for them…
		expect((await asModerator(alerts.id)).final.content).toContain('✅ Watching **Alpha**');
		await watch('remove', { channel: 'alpha' });
		// …and the owner, who may ping any role, can choose the other one.
		expect((await watch('add', { channel: 'alpha', 'post-in': news.id, role: staff.id })).final.content).toContain(
			'✅ Watching **Alpha**',
		);
	});

	it('refuses @everyone as the role to ping, even from the owner, saving nothing', async () => {
		// The @everyone role's id is the guild's; Discord offers it in a role option.
		const refused = await watch('add', { channel: 'alpha', 'post-in': news.id, role: guild.id });
		expect(refused.final.content).toContain('@everyone cannot be the announcement role');
		expect(bot.context.repositories.watches.watchedUserIds()).toEqual([]);
	});

	it('posts a /watch test preview in the target channel over REST, pinging no one', async () => {
		const role = world.discord.addRole(guild.id, { name: 'Stream alerts', mentionable: true });
		await watch('add', { channel: 'alpha', 'post-in': news.id, role: role.id });
		const result = await watch('test', { channel: 'alpha' });
		expect(result.ephemeral).toBe(true);
		expect(result.final.content).toContain(`Posted a preview of the announcement for **Alpha** in <#${news.id}>`);
		const [preview] = world.discord.channelMessages(news.id);
		expect(preview?.content).toContain(`<@&${role.id}>`);
		expect(preview?.mentions).toEqual({ everyone: false, roles: [], users: [] });
	});

	it('answers /watch test with the preview itself when the bot lost the right to post', async () => {
		await watch('add', { channel: 'alpha', 'post-in': news.id });
		denyInNews(Permission.SendMessages);
		const result = await watch('test', { channel: 'alpha' });
		expect(result.final.content).toContain(`I can’t post in <#${news.id}>: missing Send Messages`);
		expect(result.final.embeds).toHaveLength(1);
		expect(world.discord.channelMessages(news.id)).toEqual([]);
		// And /watch list shows it before any go-live fails.
		const list = await watch('list');
		expect(list.final.embeds[0].description).toContain('⚠️ Now: I can’t post in');
	});

	it('suggests the server’s watches while typing the channel of /watch remove', async () => {
		await watch('add', { channel: 'alpha', 'post-in': news.id });
		const result = await world.discord.runCommand({
			guildId: guild.id,
			channelId: general.id,
			name: 'watch',
			subcommand: 'remove',
			options: { channel: 'AL' },
			type: 4,
			focused: 'channel',
		});
		expect(result.final.choices).toEqual([{ name: 'Alpha', value: 'alpha' }]);
		const removed = await watch('remove', { channel: 'alpha' });
		expect(removed.final.content).toContain('Stopped watching **Alpha**');
		expect(bot.context.repositories.watches.watchedUserIds()).toEqual([]);
	});

	it('is not offered to members without Manage Server (Discord enforces default_member_permissions)', async () => {
		await expect(
			world.discord.runCommand({
				guildId: guild.id,
				channelId: general.id,
				name: 'watch',
				subcommand: 'list',
				memberPermissions: Permission.SendMessages,
			}),
		).rejects.toThrow(/Discord would not offer it/);
	});
});
