/**
 * startFakeDiscord: one HTTP server on 127.0.0.1 (random port) serving Discord's REST API under /api and the
 * gateway WebSocket on upgrade, wired to a world of guilds that tests build and observe.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiError } from './api-error.ts';
import { ApplicationCommandRegistry } from './application-commands.ts';
import { ChannelMessageStore, type StoredMessage } from './channel-messages.ts';
import { FakeGateway, Intent, MAX_GUILDS_PER_SHARD, shardOfGuild } from './gateway.ts';
import { InteractionDesk } from './interactions.ts';
import { parseMessageBody } from './message-body.ts';
import { toPermissionBits } from './permissions.ts';
import { FakeRestApi, type RouteDefinition, withStatus } from './rest.ts';
import { createSnowflakeGenerator } from './snowflake.ts';
import type {
	FakeDiscord,
	FakeDiscordEvent,
	FakeDiscordOptions,
	FakeMessage,
	InteractionResult,
	RestLogEntry,
	RunCommandOptions,
} from './types.ts';
import { FakeWorld } from './world.ts';

/** Session starts a bot gets a day (GET /gateway/bot `session_start_limit.total`). */
const SESSION_STARTS_PER_DAY = 1000;
/** Discord's default upload limit per file ("Uploading Files"); boosted servers allow more. */
const DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;
/** Where the fake serves uploaded files: its stand-ins for cdn.discordapp.com and media.discordapp.net. */
const ATTACHMENT_PATH = /^\/(?:media\/)?attachments\/(\d+)\/(\d+)\/[^/]+$/;

function positiveInteger(name: string, value: number): number {
	if (!Number.isInteger(value) || value < 1) throw new Error(`fake Discord: ${name} must be a whole number ≥ 1`);
	return value;
}

/** Starts a fake Discord (REST + gateway) on 127.0.0.1 and a random port. Close it with `close()`. */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
	const now = options.now ?? Date.now;
	const nextId = createSnowflakeGenerator(now);
	const botToken = options.botToken ?? 'fake-bot-token';
	const applicationId = options.applicationId ?? nextId();
	const botUserId = options.botUserId ?? applicationId;
	const botUsername = options.botUsername ?? 'Fake Bot';
	const events = new EventEmitter();
	const restLog: RestLogEntry[] = [];
	let baseUrl = '';
	const recommendedShards = positiveInteger('recommendedShards', options.recommendedShards ?? 1);
	const maxConcurrency = positiveInteger('maxConcurrency', options.maxConcurrency ?? 1);

	const world = new FakeWorld({ id: botUserId, username: botUsername }, nextId, now);
	const commands = new ApplicationCommandRegistry(applicationId, nextId);
	const gateway = new FakeGateway({
		botToken,
		heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
		url: () => `ws://${baseUrl}`,
		maxConcurrency,
		maxGuildsPerShard: options.maxGuildsPerShard ?? MAX_GUILDS_PER_SHARD,
		identifyRateLimit: options.identifyRateLimit ?? 'record',
		world: {
			applicationId,
			readyUser: () => ({ ...world.botUserJson(), verified: true, mfa_enabled: false, email: null }),
			guildIds: () => world.memberGuilds().map((guild) => guild.id),
			guildCreate: (guildId) => world.guildCreateJson(world.requireGuild(guildId)),
			guildMembers: (guildId) => {
				const guild = world.guilds.get(guildId);
				return guild && !guild.left ? [world.botMemberJson(guild)] : [];
			},
		},
	});
	const messages = new ChannelMessageStore({
		world,
		botUserId,
		nextId,
		now,
		nonceWindowMs: options.nonceWindowMs ?? 2 * 60_000,
		attachmentSizeLimit: positiveInteger(
			'attachmentSizeLimit',
			options.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_SIZE_LIMIT,
		),
		attachmentUrls: (channelId, attachmentId, filename) => {
			const path = `attachments/${channelId}/${attachmentId}/${encodeURIComponent(filename)}`;
			return { url: `http://${baseUrl}/${path}`, proxyUrl: `http://${baseUrl}/media/${path}` };
		},
		events: {
			created: (message) => {
				gateway.dispatch('MESSAGE_CREATE', messages.toJson(message, true), messageRoute(message));
				events.emit('message', message);
			},
			updated: (message, changes) => {
				gateway.dispatch('MESSAGE_UPDATE', messages.toJson(message, true), messageRoute(message));
				events.emit('messageUpdate', message, changes);
			},
			deleted: (message) => {
				gateway.dispatch(
					'MESSAGE_DELETE',
					{ id: message.id, channel_id: message.channelId, guild_id: message.guildId },
					messageRoute(message),
				);
				events.emit('messageDelete', message);
			},
		},
	});
	function messageRoute(message: StoredMessage) {
		return { guildId: message.guildId, intent: Intent.GuildMessages };
	}
	const interactions = new InteractionDesk({
		world,
		commands,
		gateway,
		applicationId,
		nextId,
		now,
		deadlineMs: options.interactionDeadlineMs ?? 3000,
	});
	const rest = new FakeRestApi({
		botToken,
		rateLimit: options.rateLimit ?? { limit: 50, windowMs: 1000 },
		now,
		log: (entry) => {
			restLog.push(entry);
			events.emit('rest', entry);
		},
		routes: buildRoutes(),
	});

	function requireApplication(id: string | undefined): void {
		if (id !== applicationId) throw apiError(403, 50001);
	}

	function buildRoutes(): RouteDefinition[] {
		const commandRoutes = (scope: 'global' | 'guild'): RouteDefinition[] => {
			const base =
				scope === 'global' ? '/applications/:appId/commands' : '/applications/:appId/guilds/:guildId/commands';
			const guildOf = (params: Record<string, string>): string | null => {
				requireApplication(params.appId);
				if (scope === 'global') return null;
				return world.accessibleGuild(params.guildId ?? '').id;
			};
			return [
				{ method: 'GET', pattern: base, auth: true, handle: ({ params }) => commands.list(guildOf(params)) },
				{
					method: 'PUT',
					pattern: base,
					auth: true,
					handle: ({ params, body }) => commands.overwrite(guildOf(params), body),
				},
				{
					method: 'POST',
					pattern: base,
					auth: true,
					handle: ({ params, body }) => {
						const { command, created } = commands.upsert(guildOf(params), body);
						return withStatus(created ? 201 : 200, command);
					},
				},
				{
					method: 'GET',
					pattern: `${base}/:commandId`,
					auth: true,
					handle: ({ params }) => commands.get(guildOf(params), params.commandId ?? ''),
				},
				{
					method: 'DELETE',
					pattern: `${base}/:commandId`,
					auth: true,
					handle: ({ params }) => {
						commands.remove(guildOf(params), params.commandId ?? '');
						return null;
					},
				},
			];
		};
		const webhookMessage = (method: 'GET' | 'PATCH' | 'DELETE'): RouteDefinition => ({
			method,
			pattern: '/webhooks/:appId/:token/messages/:messageId',
			auth: false,
			major: ['appId', 'token'],
			handle: ({ params, body, query }) =>
				interactions.webhook(method, params.appId ?? '', params.token ?? '', params.messageId ?? '', body, query),
		});
		return [
			{ method: 'GET', pattern: '/gateway', auth: false, handle: () => ({ url: gatewayUrl() }) },
			{
				method: 'GET',
				pattern: '/gateway/bot',
				auth: true,
				handle: () => ({
					url: gatewayUrl(),
					shards: recommendedShards,
					session_start_limit: {
						total: SESSION_STARTS_PER_DAY,
						remaining: Math.max(0, SESSION_STARTS_PER_DAY - gateway.servedIdentifies),
						reset_after: 86_400_000,
						max_concurrency: maxConcurrency,
					},
				}),
			},
			{ method: 'GET', pattern: '/users/@me', auth: true, handle: () => world.botUserJson() },
			{
				method: 'GET',
				pattern: '/users/@me/guilds',
				auth: true,
				handle: () =>
					world.memberGuilds().map((guild) => ({
						id: guild.id,
						name: guild.name,
						icon: null,
						banner: null,
						owner: false,
						permissions: (world.roles.get(guild.id)?.permissions ?? 0n).toString(),
						features: [],
					})),
			},
			{
				method: 'GET',
				pattern: '/users/:userId',
				auth: true,
				handle: ({ params }) => {
					const userId = params.userId ?? '';
					const isOwner = [...world.guilds.values()].some((guild) => guild.ownerId === userId);
					if (userId !== botUserId && !isOwner && !interactions.isKnownUser(userId)) throw apiError(404, 10013);
					return world.userJson(userId);
				},
			},
			{
				method: 'GET',
				pattern: '/applications/@me',
				auth: true,
				handle: () => ({
					id: applicationId,
					name: botUsername,
					icon: null,
					description: '',
					summary: '',
					type: null,
					bot_public: true,
					bot_require_code_grant: false,
					verify_key: '0'.repeat(64),
					flags: 0,
					team: null,
					bot: world.botUserJson(),
					approximate_guild_count: world.memberGuilds().length,
					integration_types_config: { '0': {} },
				}),
			},
			...commandRoutes('global'),
			...commandRoutes('guild'),
			{
				method: 'POST',
				pattern: '/interactions/:interactionId/:token/callback',
				auth: false,
				major: ['interactionId', 'token'],
				handle: ({ params, body, query }) =>
					interactions.callback(
						params.interactionId ?? '',
						params.token ?? '',
						body,
						query.get('with_response') === 'true',
					),
			},
			{
				method: 'POST',
				pattern: '/webhooks/:appId/:token',
				auth: false,
				major: ['appId', 'token'],
				handle: ({ params, body, query }) =>
					interactions.webhook('POST', params.appId ?? '', params.token ?? '', null, body, query),
			},
			webhookMessage('GET'),
			webhookMessage('PATCH'),
			webhookMessage('DELETE'),
			{
				method: 'GET',
				pattern: '/channels/:channelId',
				auth: true,
				major: ['channelId'],
				handle: ({ params }) => world.channelJson(world.accessibleChannel(params.channelId ?? '').channel),
			},
			{
				method: 'GET',
				pattern: '/channels/:channelId/messages',
				auth: true,
				major: ['channelId'],
				handle: ({ params, query }) =>
					messages.list(params.channelId ?? '', query).map((message) => messages.toJson(message)),
			},
			{
				method: 'POST',
				pattern: '/channels/:channelId/messages',
				auth: true,
				major: ['channelId'],
				handle: ({ params, body, files }) => {
					const channelId = params.channelId ?? '';
					// Permissions are Discord's first answer: check them before the body (50001/50013 over 50035).
					world.accessibleChannel(channelId);
					// A multipart create may be files alone: no payload_json, or one without content.
					const parsed = parseMessageBody(body ?? (files.length > 0 ? {} : null), files.length === 0);
					const { message } = messages.create(channelId, parsed, files);
					return messages.toJson(message);
				},
			},
			{
				method: 'GET',
				pattern: '/channels/:channelId/messages/:messageId',
				auth: true,
				major: ['channelId'],
				handle: ({ params }) => messages.toJson(messages.get(params.channelId ?? '', params.messageId ?? '')),
			},
			{
				method: 'PATCH',
				pattern: '/channels/:channelId/messages/:messageId',
				auth: true,
				major: ['channelId'],
				handle: ({ params, body, files }) => {
					const channelId = params.channelId ?? '';
					world.accessibleChannel(channelId);
					const raw = body ?? (files.length > 0 ? {} : null);
					const changes = parseMessageBody(raw, false);
					const message = messages.edit(
						channelId,
						params.messageId ?? '',
						changes,
						raw as Record<string, unknown>,
						files,
					);
					return messages.toJson(message);
				},
			},
			{
				method: 'DELETE',
				pattern: '/channels/:channelId/messages/:messageId',
				auth: true,
				major: ['channelId'],
				handle: ({ params }) => {
					messages.delete(params.channelId ?? '', params.messageId ?? '');
					return null;
				},
			},
			{
				method: 'GET',
				pattern: '/guilds/:guildId',
				auth: true,
				major: ['guildId'],
				handle: ({ params }) => world.guildJson(world.accessibleGuild(params.guildId ?? '')),
			},
			{
				method: 'GET',
				pattern: '/guilds/:guildId/channels',
				auth: true,
				major: ['guildId'],
				handle: ({ params }) =>
					world.guildChannels(world.accessibleGuild(params.guildId ?? '')).map((channel) => world.channelJson(channel)),
			},
			{
				method: 'GET',
				pattern: '/guilds/:guildId/roles',
				auth: true,
				major: ['guildId'],
				handle: ({ params }) =>
					world.guildRoles(world.accessibleGuild(params.guildId ?? '')).map((role) => world.roleJson(role)),
			},
			{
				method: 'GET',
				pattern: '/guilds/:guildId/members/:userId',
				auth: true,
				major: ['guildId'],
				handle: ({ params }) => {
					const guild = world.accessibleGuild(params.guildId ?? '');
					if (params.userId !== botUserId) throw apiError(404, 10007);
					return world.botMemberJson(guild);
				},
			},
		];
	}

	const server = createServer((request, response) => {
		const file = ATTACHMENT_PATH.exec(new URL(request.url ?? '/', 'http://fake').pathname);
		if (file && request.method === 'GET') {
			const attachment = messages.findAttachment(file[1] ?? '', file[2] ?? '');
			if (!attachment) {
				response.writeHead(404).end();
				return;
			}
			response.writeHead(200, { 'content-type': attachment.contentType ?? 'application/octet-stream' });
			response.end(attachment.data);
			return;
		}
		void rest.handle(request, response);
	});
	server.on('upgrade', (request, socket, head) => gateway.handleUpgrade(request, socket, head));
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const { port } = server.address() as AddressInfo;
	baseUrl = `127.0.0.1:${port}`;
	const gatewayUrl = () => `ws://${baseUrl}`;
	let closed = false;

	const guildEvent = (guildId: string, event: string, data: unknown) =>
		gateway.dispatch(event, data, { guildId, intent: Intent.Guilds });

	const fake: FakeDiscord = {
		apiUrl: `http://${baseUrl}/api`,
		gatewayUrl: gatewayUrl(),
		applicationId,
		botUserId,
		botToken,

		addGuild(input) {
			const guild = world.addGuild(input);
			guildEvent(guild.id, 'GUILD_CREATE', world.guildCreateJson(guild));
			return world.guildView(guild);
		},
		addChannel(guildId, input) {
			const channel = world.addChannel(guildId, input);
			guildEvent(guildId, 'CHANNEL_CREATE', world.channelJson(channel));
			return world.channelView(channel);
		},
		addRole(guildId, input) {
			const role = world.addRole(guildId, input);
			guildEvent(guildId, 'GUILD_ROLE_CREATE', { guild_id: guildId, role: world.roleJson(role) });
			return world.roleView(role);
		},
		updateRole(guildId, roleId, changes) {
			const role = world.requireRole(guildId, roleId);
			if (changes.name !== undefined) role.name = changes.name;
			if (changes.permissions !== undefined) role.permissions = toPermissionBits(changes.permissions);
			if (changes.mentionable !== undefined) role.mentionable = changes.mentionable;
			guildEvent(guildId, 'GUILD_ROLE_UPDATE', { guild_id: guildId, role: world.roleJson(role) });
			return world.roleView(role);
		},
		setBotRoles(guildId, roleIds) {
			const guild = world.requireGuild(guildId);
			for (const roleId of roleIds) world.requireRole(guildId, roleId);
			guild.botRoleIds = roleIds.filter((roleId) => roleId !== guildId);
			// Discord tells a bot about changes to its own member even without the Guild Members intent.
			gateway.dispatch('GUILD_MEMBER_UPDATE', { guild_id: guildId, ...world.botMemberJson(guild) }, { guildId });
		},
		setChannelOverwrites(channelId, overwrites) {
			const channel = world.requireChannel(channelId);
			channel.overwrites = overwrites.map((overwrite) => ({
				id: overwrite.id,
				type: overwrite.type,
				allow: toPermissionBits(overwrite.allow).toString(),
				deny: toPermissionBits(overwrite.deny).toString(),
			}));
			guildEvent(channel.guildId, 'CHANNEL_UPDATE', world.channelJson(channel));
		},
		deleteChannel(channelId) {
			const channel = world.requireChannel(channelId);
			if (channel.deleted) return;
			channel.deleted = true;
			guildEvent(channel.guildId, 'CHANNEL_DELETE', world.channelJson(channel));
		},
		removeGuild(guildId) {
			const guild = world.requireGuild(guildId);
			if (guild.left) return;
			guild.left = true;
			guildEvent(guildId, 'GUILD_DELETE', { id: guildId });
		},
		rejoinGuild(guildId) {
			const guild = world.requireGuild(guildId);
			if (!guild.left) return;
			guild.left = false;
			guildEvent(guildId, 'GUILD_CREATE', world.guildCreateJson(guild));
		},

		failNext(route, fault, times) {
			rest.failNext(route, fault, times);
		},

		runCommand(runOptions: RunCommandOptions): Promise<InteractionResult> {
			if (closed) return Promise.reject(new Error('fake Discord is closed'));
			return interactions.run(runOptions);
		},

		get messages(): ReadonlyArray<FakeMessage> {
			return messages.all;
		},
		channelMessages(channelId) {
			return messages.current(channelId);
		},
		attachmentBytes(messageId, filename) {
			const message = messages.all.find((candidate) => candidate.id === messageId && !candidate.deleted);
			if (!message) throw new Error(`fake Discord: no current message ${messageId}`);
			const attachment = message.attachments.find((candidate) => candidate.filename === filename);
			if (!attachment) {
				const names = message.attachments.map((candidate) => candidate.filename).join(', ') || 'none';
				throw new Error(`fake Discord: message ${messageId} has no file ${filename} (files: ${names})`);
			}
			return attachment.data;
		},
		waitForMessage(predicate, timeoutMs = 5000) {
			const existing = messages.all.find((message) => predicate(message));
			if (existing) return Promise.resolve(existing);
			return new Promise<FakeMessage>((resolve, reject) => {
				const onMessage = (message: StoredMessage) => {
					if (!predicate(message)) return;
					cleanup();
					resolve(message);
				};
				const timer = setTimeout(() => {
					cleanup();
					reject(new Error(`fake Discord: no matching message within ${timeoutMs} ms`));
				}, timeoutMs);
				const cleanup = () => {
					clearTimeout(timer);
					events.off('message', onMessage);
				};
				events.on('message', onMessage);
			});
		},
		restLog,
		get commands() {
			return {
				global: [...commands.global],
				guild: Object.fromEntries([...commands.guild.entries()].map(([guildId, list]) => [guildId, [...list]])),
			};
		},
		get connectedSessions() {
			return gateway.connectedSessions;
		},
		gateway: {
			get identifies() {
				return gateway.identifies;
			},
			get identifyViolations() {
				return gateway.identifyViolations;
			},
			get connectedShards() {
				return gateway.connectedShards;
			},
			shardOf: shardOfGuild,
		},

		// biome-ignore lint/suspicious/noExplicitAny: implements the typed overloads of FakeDiscord.on/off
		on(event: FakeDiscordEvent, listener: (...args: any[]) => void) {
			events.on(event, listener);
		},
		// biome-ignore lint/suspicious/noExplicitAny: implements the typed overloads of FakeDiscord.on/off
		off(event: FakeDiscordEvent, listener: (...args: any[]) => void) {
			events.off(event, listener);
		},

		disconnectAll(closeCode = 4000) {
			gateway.disconnectAll(closeCode);
		},
		async close() {
			if (closed) return;
			closed = true;
			interactions.close();
			events.removeAllListeners();
			await gateway.close();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
	return fake;
}
