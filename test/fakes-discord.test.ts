import { once } from 'node:events';
import {
	ChannelType,
	Client,
	DiscordAPIError,
	EmbedBuilder,
	Events,
	GatewayIntentBits,
	MessageFlags,
	PermissionFlagsBits,
	type TextChannel,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeDiscord, type FakeDiscordOptions, type FakeGuild, startFakeDiscord } from './fakes/discord/index.ts';

let fake: FakeDiscord;
let guild: FakeGuild;
let generalId: string;
const clients: Client[] = [];

/** A fresh fake with one guild and its #general channel. */
async function startWorld(options: FakeDiscordOptions = {}): Promise<void> {
	fake = await startFakeDiscord({ interactionDeadlineMs: 500, ...options });
	guild = fake.addGuild({ name: 'Streamers' });
	generalId = fake.addChannel(guild.id, { name: 'general' }).id;
}

beforeEach(() => startWorld());

afterEach(async () => {
	await Promise.all(clients.splice(0).map((client) => client.destroy()));
	await fake.close();
});

/** A real discord.js client, logged in to the fake and ready (guilds received). */
async function connectClient(): Promise<Client> {
	const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
	clients.push(client);
	const ready = once(client, Events.ClientReady);
	await client.login(fake.botToken);
	await ready;
	return client;
}

async function textChannel(client: Client, channelId: string): Promise<TextChannel> {
	const channel = await client.channels.fetch(channelId);
	if (channel?.type !== ChannelType.GuildText) throw new Error('expected a text channel');
	return channel;
}

describe('fake Discord gateway', () => {
	it('lets the real discord.js client log in with the guild, its channels and roles in cache', async () => {
		const role = fake.addRole(guild.id, { name: 'Live pings', mentionable: true });
		const client = await connectClient();

		expect(client.user?.id).toBe(fake.botUserId);
		expect(client.application?.id).toBe(fake.applicationId);
		const cached = client.guilds.cache.get(guild.id);
		expect(cached?.name).toBe('Streamers');
		expect(cached?.channels.cache.get(generalId)?.name).toBe('general');
		expect(cached?.roles.cache.get(role.id)?.mentionable).toBe(true);
		expect(cached?.members.me?.id).toBe(fake.botUserId);
		expect(fake.connectedSessions).toBe(1);
	});

	it('computes channel permissions like Discord, including an overwrite that denies Send Messages', async () => {
		const quietId = fake.addChannel(guild.id, { name: 'quiet' }).id;
		fake.setChannelOverwrites(quietId, [
			{ id: guild.id, type: 0, allow: '0', deny: PermissionFlagsBits.SendMessages.toString() },
		]);
		const client = await connectClient();
		const me = client.guilds.cache.get(guild.id)?.members.me;
		if (!me) throw new Error('bot member missing');

		const general = client.channels.cache.get(generalId) as TextChannel;
		const quiet = client.channels.cache.get(quietId) as TextChannel;
		expect(general.permissionsFor(me).has(PermissionFlagsBits.SendMessages)).toBe(true);
		expect(general.permissionsFor(me).has(PermissionFlagsBits.EmbedLinks)).toBe(true);
		expect(quiet.permissionsFor(me).has(PermissionFlagsBits.ViewChannel)).toBe(true);
		expect(quiet.permissionsFor(me).has(PermissionFlagsBits.SendMessages)).toBe(false);
	});

	it('sends guilds added after connecting and live overwrite changes to the client', async () => {
		const client = await connectClient();
		const joined = once(client, Events.GuildCreate);
		const later = fake.addGuild({ name: 'Later' });
		await joined;
		expect(client.guilds.cache.get(later.id)?.name).toBe('Later');

		const updated = once(client, Events.ChannelUpdate);
		fake.setChannelOverwrites(generalId, [
			{ id: guild.id, type: 0, allow: '0', deny: PermissionFlagsBits.EmbedLinks.toString() },
		]);
		await updated;
		const me = client.guilds.cache.get(guild.id)?.members.me;
		const general = client.channels.cache.get(generalId) as TextChannel;
		expect(me && general.permissionsFor(me).has(PermissionFlagsBits.EmbedLinks)).toBe(false);
	});

	it('acknowledges heartbeats so that the client measures a ping instead of reconnecting', async () => {
		await fake.close();
		await startWorld({ heartbeatIntervalMs: 30 });
		const client = await connectClient();

		await vi.waitFor(() => expect(client.ws.shards.first()?.ping).toBeGreaterThanOrEqual(0), { timeout: 2000 });
		expect(fake.connectedSessions).toBe(1);
	});

	it('gives the bot its new roles when they change, so permissions follow', async () => {
		const quietId = fake.addChannel(guild.id, { name: 'quiet' }).id;
		const announcer = fake.addRole(guild.id, { name: 'Announcer' });
		fake.setChannelOverwrites(quietId, [
			{ id: guild.id, type: 0, allow: '0', deny: PermissionFlagsBits.SendMessages.toString() },
			{ id: announcer.id, type: 0, allow: PermissionFlagsBits.SendMessages.toString(), deny: '0' },
		]);
		const client = await connectClient();
		const quiet = client.channels.cache.get(quietId) as TextChannel;
		const me = () => client.guilds.cache.get(guild.id)?.members.me ?? fake.botUserId;
		expect(quiet.permissionsFor(me())?.has(PermissionFlagsBits.SendMessages)).toBe(false);

		const updated = once(client, Events.GuildMemberUpdate);
		fake.setBotRoles(guild.id, [announcer.id]);
		await updated;

		expect(quiet.permissionsFor(me())?.has(PermissionFlagsBits.SendMessages)).toBe(true);
		await expect(quiet.send('now allowed')).resolves.toMatchObject({ content: 'now allowed' });
	});

	it('refuses a wrong token so that login fails with TokenInvalid', async () => {
		const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
		clients.push(client);
		await expect(client.login('wrong-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
		expect(fake.restLog.at(-1)).toMatchObject({ path: '/gateway/bot', status: 401 });
	});

	it('lets the client resume after the fake drops every connection, and delivers commands afterwards', async () => {
		const client = await connectClient();
		client.on(Events.InteractionCreate, (interaction) => {
			if (interaction.isChatInputCommand()) void interaction.reply('still here');
		});
		const resumed = once(client, Events.ShardResume);
		fake.disconnectAll();
		await resumed;

		const result = await fake.runCommand({ guildId: guild.id, channelId: generalId, name: 'ping' });
		expect(result.final.content).toBe('still here');
	});

	it('replays the events a client missed while disconnected when it resumes', async () => {
		const client = await connectClient();
		const resumed = once(client, Events.ShardResume);
		fake.disconnectAll();
		const missed = fake.addChannel(guild.id, { name: 'made-while-away' });
		await resumed;

		expect(client.channels.cache.get(missed.id)?.toString()).toBe(`<#${missed.id}>`);
	});
});

describe('fake Discord interactions', () => {
	it('dispatches a slash command with its subcommand and options, and resolves with the reply', async () => {
		const client = await connectClient();
		client.on(Events.InteractionCreate, (interaction) => {
			if (!interaction.isChatInputCommand()) return;
			const login = interaction.options.getString('channel', true);
			const target = interaction.options.getChannel('post-in');
			void interaction.reply({
				content: `${interaction.commandName} ${interaction.options.getSubcommand()} ${login} in #${target?.name}`,
				flags: MessageFlags.Ephemeral,
			});
		});

		const result = await fake.runCommand({
			guildId: guild.id,
			channelId: generalId,
			name: 'watch',
			subcommand: 'add',
			options: { channel: 'twitchdev', 'post-in': generalId },
		});

		expect(result.type).toBe(4);
		expect(result.ephemeral).toBe(true);
		expect(result.final.content).toBe('watch add twitchdev in #general');
	});

	it('types options from the registered command definition and enforces default_member_permissions', async () => {
		const client = await connectClient();
		await client.application?.commands.set(
			[
				{
					name: 'watch',
					description: 'Manage watched channels',
					defaultMemberPermissions: PermissionFlagsBits.ManageGuild,
					options: [
						{
							type: 1,
							name: 'settings',
							description: 'Guild settings',
							options: [{ type: 4, name: 'grace', description: 'Minutes', required: true }],
						},
					],
				},
			],
			guild.id,
		);
		expect(fake.commands.guild[guild.id]).toHaveLength(1);
		client.on(Events.InteractionCreate, (interaction) => {
			if (interaction.isChatInputCommand()) void interaction.reply(`grace ${interaction.options.getInteger('grace')}`);
		});

		const result = await fake.runCommand({
			guildId: guild.id,
			channelId: generalId,
			name: 'watch',
			subcommand: 'settings',
			options: { grace: 3 },
		});
		expect(result.final.content).toBe('grace 3');
		await expect(
			fake.runCommand({
				guildId: guild.id,
				channelId: generalId,
				name: 'watch',
				subcommand: 'settings',
				options: { grace: 3 },
				memberPermissions: PermissionFlagsBits.SendMessages,
			}),
		).rejects.toThrow(/would not offer/);
	});

	it('resolves after a defer only once the reply is edited', async () => {
		const client = await connectClient();
		client.on(Events.InteractionCreate, async (interaction) => {
			if (!interaction.isChatInputCommand()) return;
			await interaction.deferReply({ flags: MessageFlags.Ephemeral });
			await new Promise((resolve) => setTimeout(resolve, 20));
			await interaction.editReply({ content: 'Watching twitchdev', embeds: [{ title: 'twitchdev' }] });
		});

		const result = await fake.runCommand({ guildId: guild.id, channelId: generalId, name: 'watch' });

		expect(result.type).toBe(5);
		expect(result.ephemeral).toBe(true);
		expect(result.edits).toHaveLength(1);
		expect(result.final).toMatchObject({ content: 'Watching twitchdev', embeds: [{ title: 'twitchdev' }] });
	});

	it('collects follow-ups sent right after the reply', async () => {
		const client = await connectClient();
		client.on(Events.InteractionCreate, async (interaction) => {
			if (!interaction.isChatInputCommand()) return;
			await interaction.reply('first');
			await interaction.followUp('second');
		});

		const result = await fake.runCommand({ guildId: guild.id, channelId: generalId, name: 'watch' });

		expect(result.final.content).toBe('first');
		expect(result.followUps.map((followUp) => followUp.content)).toEqual(['second']);
	});

	it('answers autocomplete with the focused option and returns the choices', async () => {
		const client = await connectClient();
		client.on(Events.InteractionCreate, (interaction) => {
			if (!interaction.isAutocomplete()) return;
			const typed = interaction.options.getFocused();
			void interaction.respond([{ name: `${typed}dev`, value: `${typed}dev` }]);
		});

		const result = await fake.runCommand({
			type: 4,
			guildId: guild.id,
			channelId: generalId,
			name: 'watch',
			subcommand: 'remove',
			options: { channel: 'twitch' },
			focused: 'channel',
		});

		expect(result.type).toBe(8);
		expect(result.final.choices).toEqual([{ name: 'twitchdev', value: 'twitchdev' }]);
	});

	it('rejects when the bot does not answer within the interaction deadline, and refuses a late answer', async () => {
		const client = await connectClient();
		const late = new Promise<unknown>((resolve) => {
			client.on(Events.InteractionCreate, (interaction) => {
				if (!interaction.isChatInputCommand()) return;
				setTimeout(() => interaction.reply('too late').then(resolve, resolve), 600);
			});
		});

		await expect(fake.runCommand({ guildId: guild.id, channelId: generalId, name: 'slow' })).rejects.toThrow(
			/did not answer/,
		);
		expect(await late).toMatchObject({ code: 10062 });
	});
});

describe('fake Discord channel messages', () => {
	it('returns the existing message for a repeated nonce with enforce_nonce instead of posting twice', async () => {
		const client = await connectClient();
		const channel = await textChannel(client, generalId);

		const first = await channel.send({ content: 'twitchdev is live', nonce: 'stream-1-general', enforceNonce: true });
		const second = await channel.send({ content: 'twitchdev is live', nonce: 'stream-1-general', enforceNonce: true });

		expect(second.id).toBe(first.id);
		expect(fake.channelMessages(generalId)).toHaveLength(1);
		expect(fake.messages[0]).toMatchObject({ nonce: 'stream-1-general', enforceNonce: true });
	});

	it('posts a new message for a repeated nonce once the nonce window has passed', async () => {
		let clock = Date.parse('2025-06-01T12:00:00Z');
		await fake.close();
		await startWorld({ now: () => clock, nonceWindowMs: 60_000 });
		const client = await connectClient();
		const channel = await textChannel(client, generalId);

		const first = await channel.send({ content: 'live', nonce: 'stream-1-general', enforceNonce: true });
		clock += 61_000;
		const second = await channel.send({ content: 'live', nonce: 'stream-1-general', enforceNonce: true });

		expect(second.id).not.toBe(first.id);
		expect(first.createdTimestamp).toBe(Date.parse('2025-06-01T12:00:00Z'));
		expect(fake.channelMessages(generalId)).toHaveLength(2);
	});

	it('refuses an embed Discord would refuse with Invalid Form Body', async () => {
		const client = await connectClient();
		const channel = await textChannel(client, generalId);

		await expect(channel.send({ embeds: [{ title: 'x'.repeat(257) }] })).rejects.toMatchObject({
			code: 50035,
			rawError: { errors: { embeds: { 0: { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } } },
		});
		await expect(
			channel.send({ embeds: [{ title: 'live', thumbnail: { url: '/relative.jpg' } }] }),
		).rejects.toMatchObject({
			code: 50035,
		});
		expect(fake.messages).toHaveLength(0);
	});

	it('surfaces Missing Access, Missing Permissions and Unknown Channel as DiscordAPIError codes', async () => {
		const client = await connectClient();
		const hiddenId = fake.addChannel(guild.id, { name: 'hidden' }).id;
		const readOnlyId = fake.addChannel(guild.id, { name: 'read-only' }).id;
		const noEmbedsId = fake.addChannel(guild.id, { name: 'no-embeds' }).id;
		const goneId = fake.addChannel(guild.id, { name: 'gone' }).id;
		const deny = (permission: bigint) => [{ id: guild.id, type: 0 as const, allow: '0', deny: permission.toString() }];
		fake.setChannelOverwrites(hiddenId, deny(PermissionFlagsBits.ViewChannel));
		fake.setChannelOverwrites(readOnlyId, deny(PermissionFlagsBits.SendMessages));
		fake.setChannelOverwrites(noEmbedsId, deny(PermissionFlagsBits.EmbedLinks));
		fake.deleteChannel(goneId);
		const post = (channelId: string, body: Record<string, unknown>) =>
			client.rest.post(`/channels/${channelId}/messages`, { body }).catch((error: unknown) => error);

		const missingAccess = await post(hiddenId, { content: 'hi' });
		expect(missingAccess).toBeInstanceOf(DiscordAPIError);
		expect(missingAccess).toMatchObject({ code: 50001, status: 403, message: 'Missing Access' });
		expect(await post(readOnlyId, { content: 'hi' })).toMatchObject({ code: 50013, status: 403 });
		const embed = new EmbedBuilder().setTitle('live').toJSON();
		expect(await post(noEmbedsId, { embeds: [embed] })).toMatchObject({ code: 50013, status: 403 });
		expect(await post(noEmbedsId, { content: 'plain text is fine' })).toMatchObject({ content: 'plain text is fine' });
		expect(await post(goneId, { content: 'hi' })).toMatchObject({
			code: 10003,
			status: 404,
			message: 'Unknown Channel',
		});
	});

	it('edits and deletes messages, and answers Unknown Message for one that is gone', async () => {
		const client = await connectClient();
		const channel = await textChannel(client, generalId);
		const message = await channel.send('live now');

		await message.edit('was live for 2 h');
		await message.delete();

		expect(fake.messages[0]).toMatchObject({ content: 'was live for 2 h', deleted: true });
		expect(fake.messages[0]?.edits[0]?.before.content).toBe('live now');
		expect(fake.channelMessages(generalId)).toEqual([]);
		await expect(channel.messages.edit(message.id, 'again')).rejects.toMatchObject({ code: 10008 });
	});

	it('lists the bot’s messages newest first with a limit', async () => {
		const client = await connectClient();
		const channel = await textChannel(client, generalId);
		for (const content of ['one', 'two', 'three']) await channel.send(content);

		const listed = await channel.messages.fetch({ limit: 2 });

		expect([...listed.values()].map((message) => message.content)).toEqual(['three', 'two']);
	});

	it('serves a 429 fault that discord.js waits out and retries', async () => {
		const client = await connectClient();
		const channel = await textChannel(client, generalId);
		fake.failNext(`POST /channels/${generalId}/messages`, { status: 429, retryAfter: 0.05 });

		const message = await channel.send('after the rate limit');

		expect(message.content).toBe('after the rate limit');
		const posts = fake.restLog.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/messages'));
		expect(posts.map((entry) => entry.status)).toEqual([429, 200]);
		expect(fake.channelMessages(generalId)).toHaveLength(1);
	});

	it('pings nobody for @everyone in content when allowed_mentions parses nothing', async () => {
		const client = await connectClient();
		const channel = await textChannel(client, generalId);
		const role = fake.addRole(guild.id, { name: 'Live pings' });

		await channel.send({ content: 'Free @everyone giveaway', allowedMentions: { parse: [] } });
		await channel.send({
			content: `<@&${role.id}> Free @everyone giveaway`,
			allowedMentions: { parse: [], roles: [role.id] },
		});
		await channel.send({ content: 'Free @everyone giveaway' });

		expect(fake.messages.map((message) => message.mentions)).toEqual([
			{ everyone: false, roles: [], users: [] },
			{ everyone: false, roles: [role.id], users: [] },
			{ everyone: true, roles: [], users: [] },
		]);
		expect(fake.messages[0]?.allowedMentions).toEqual({ parse: [] });
	});

	it('resolves waitForMessage with a message posted later', async () => {
		const client = await connectClient();
		const channel = await textChannel(client, generalId);
		const waiting = fake.waitForMessage((message) => message.content.includes('live'));

		await channel.send('twitchdev is live');

		expect((await waiting).channelId).toBe(generalId);
	});
});
