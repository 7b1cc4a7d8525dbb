/**
 * The fake's guilds, channels, roles and users, and their JSON shapes as Discord's API and gateway send them
 * (the fields discord.js reads to build its caches and compute `channel.permissionsFor(client.user)`).
 */
import { apiError } from './api-error.ts';
import {
	computeChannelPermissions,
	DEFAULT_EVERYONE_PERMISSIONS,
	type PermissionOverwrite,
	toPermissionBits,
} from './permissions.ts';
import type { FakeChannel, FakeGuild, FakeRole } from './types.ts';

export interface GuildRecord {
	id: string;
	name: string;
	ownerId: string;
	joinedAt: number;
	/** Role ids in creation order; the first is @everyone (id = guild id). */
	roleIds: string[];
	channelIds: string[];
	botRoleIds: string[];
	/** The bot was removed: its channels answer Missing Access. */
	left: boolean;
}

export interface ChannelRecord {
	id: string;
	guildId: string;
	name: string;
	type: number;
	position: number;
	overwrites: PermissionOverwrite[];
	deleted: boolean;
	lastMessageId: string | null;
}

export interface RoleRecord {
	id: string;
	guildId: string;
	name: string;
	permissions: bigint;
	mentionable: boolean;
	position: number;
}

/** Channel types a message can be posted in directly (text, voice text chat, announcement, threads, stage). */
const MESSAGE_CHANNEL_TYPES = new Set([0, 2, 5, 10, 11, 12, 13]);

export interface BotIdentity {
	id: string;
	username: string;
}

/** Guild, channel and role state, with the lookups REST handlers and the gateway share. */
export class FakeWorld {
	readonly guilds = new Map<string, GuildRecord>();
	readonly channels = new Map<string, ChannelRecord>();
	readonly roles = new Map<string, RoleRecord>();
	readonly #bot: BotIdentity;
	readonly #nextId: () => string;
	readonly #now: () => number;

	constructor(bot: BotIdentity, nextId: () => string, now: () => number) {
		this.#bot = bot;
		this.#nextId = nextId;
		this.#now = now;
	}

	addGuild(input: { id?: string; name: string; ownerId?: string }): GuildRecord {
		const id = input.id ?? this.#nextId();
		// The gateway routes a guild's events by its id's bits (shard = (id >> 22) % shard_count): ids must be numbers.
		if (!/^\d{1,20}$/.test(id)) throw new Error(`fake Discord: guild id ${id} is not a snowflake`);
		if (this.guilds.has(id)) throw new Error(`fake Discord: guild ${id} exists already`);
		const guild: GuildRecord = {
			id,
			name: input.name,
			ownerId: input.ownerId ?? this.#nextId(),
			joinedAt: this.#now(),
			roleIds: [id],
			channelIds: [],
			botRoleIds: [],
			left: false,
		};
		this.guilds.set(id, guild);
		this.roles.set(id, {
			id,
			guildId: id,
			name: '@everyone',
			permissions: DEFAULT_EVERYONE_PERMISSIONS,
			mentionable: false,
			position: 0,
		});
		return guild;
	}

	addChannel(guildId: string, input: { id?: string; name: string; type?: number }): ChannelRecord {
		const guild = this.requireGuild(guildId);
		const id = input.id ?? this.#nextId();
		if (this.channels.has(id)) throw new Error(`fake Discord: channel ${id} exists already`);
		const channel: ChannelRecord = {
			id,
			guildId,
			name: input.name,
			type: input.type ?? 0,
			position: guild.channelIds.length,
			overwrites: [],
			deleted: false,
			lastMessageId: null,
		};
		this.channels.set(id, channel);
		guild.channelIds.push(id);
		return channel;
	}

	addRole(
		guildId: string,
		input: { id?: string; name: string; permissions?: bigint | string; mentionable?: boolean },
	): RoleRecord {
		const guild = this.requireGuild(guildId);
		const id = input.id ?? this.#nextId();
		if (this.roles.has(id)) throw new Error(`fake Discord: role ${id} exists already`);
		const role: RoleRecord = {
			id,
			guildId,
			name: input.name,
			permissions: input.permissions === undefined ? 0n : toPermissionBits(input.permissions),
			mentionable: input.mentionable ?? false,
			position: guild.roleIds.length,
		};
		this.roles.set(id, role);
		guild.roleIds.push(id);
		return role;
	}

	requireGuild(guildId: string): GuildRecord {
		const guild = this.guilds.get(guildId);
		if (!guild) throw new Error(`fake Discord: no guild ${guildId}`);
		return guild;
	}

	requireChannel(channelId: string): ChannelRecord {
		const channel = this.channels.get(channelId);
		if (!channel) throw new Error(`fake Discord: no channel ${channelId}`);
		return channel;
	}

	requireRole(guildId: string, roleId: string): RoleRecord {
		const role = this.roles.get(roleId);
		if (!role || role.guildId !== guildId) throw new Error(`fake Discord: no role ${roleId} in guild ${guildId}`);
		return role;
	}

	/** Guilds the bot is in, in creation order. */
	memberGuilds(): GuildRecord[] {
		return [...this.guilds.values()].filter((guild) => !guild.left);
	}

	/**
	 * The channel as the bot may reach it over REST: unknown or deleted → 404 Unknown Channel (10003); in a guild
	 * the bot left, or without View Channel → 403 Missing Access (50001), like Discord.
	 */
	accessibleChannel(channelId: string): { channel: ChannelRecord; guild: GuildRecord; permissions: bigint } {
		const channel = this.channels.get(channelId);
		if (!channel || channel.deleted) throw apiError(404, 10003);
		const guild = this.requireGuild(channel.guildId);
		if (guild.left) throw apiError(403, 50001);
		const permissions = this.botPermissionsIn(channel);
		if (permissions === 0n) throw apiError(403, 50001);
		return { channel, guild, permissions };
	}

	/** The guild as the bot may reach it: unknown → 10004; left → 50001. */
	accessibleGuild(guildId: string): GuildRecord {
		const guild = this.guilds.get(guildId);
		if (!guild) throw apiError(404, 10004);
		if (guild.left) throw apiError(403, 50001);
		return guild;
	}

	canHoldMessages(channel: ChannelRecord): boolean {
		return MESSAGE_CHANNEL_TYPES.has(channel.type);
	}

	botPermissionsIn(channel: ChannelRecord): bigint {
		const guild = this.requireGuild(channel.guildId);
		return this.memberPermissionsIn(channel, this.#bot.id, guild.botRoleIds);
	}

	memberPermissionsIn(channel: ChannelRecord, memberId: string, memberRoleIds: readonly string[]): bigint {
		const guild = this.requireGuild(channel.guildId);
		return computeChannelPermissions({
			guildId: guild.id,
			ownerId: guild.ownerId,
			memberId,
			memberRoleIds,
			rolePermissions: this.#rolePermissions(guild),
			overwrites: channel.overwrites,
		});
	}

	#rolePermissions(guild: GuildRecord): Map<string, bigint> {
		const permissions = new Map<string, bigint>();
		for (const roleId of guild.roleIds) {
			const role = this.roles.get(roleId);
			if (role) permissions.set(roleId, role.permissions);
		}
		return permissions;
	}

	// --- public snapshots -------------------------------------------------------------------------------------

	guildView(guild: GuildRecord): FakeGuild {
		return Object.freeze({ id: guild.id, name: guild.name, ownerId: guild.ownerId });
	}

	channelView(channel: ChannelRecord): FakeChannel {
		return Object.freeze({ id: channel.id, guildId: channel.guildId, name: channel.name, type: channel.type });
	}

	roleView(role: RoleRecord): FakeRole {
		return Object.freeze({
			id: role.id,
			guildId: role.guildId,
			name: role.name,
			permissions: role.permissions.toString(),
			mentionable: role.mentionable,
		});
	}

	// --- Discord JSON -----------------------------------------------------------------------------------------

	botUserJson(): Record<string, unknown> {
		return {
			id: this.#bot.id,
			username: this.#bot.username,
			discriminator: '0',
			global_name: null,
			avatar: null,
			bot: true,
			system: false,
			flags: 0,
			public_flags: 0,
		};
	}

	userJson(userId: string): Record<string, unknown> {
		if (userId === this.#bot.id) return this.botUserJson();
		return {
			id: userId,
			username: `user-${userId.slice(-6)}`,
			discriminator: '0',
			global_name: null,
			avatar: null,
			public_flags: 0,
		};
	}

	roleJson(role: RoleRecord): Record<string, unknown> {
		return {
			id: role.id,
			name: role.name,
			color: 0,
			colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
			hoist: false,
			icon: null,
			unicode_emoji: null,
			position: role.position,
			permissions: role.permissions.toString(),
			managed: false,
			mentionable: role.mentionable,
			flags: 0,
		};
	}

	channelJson(channel: ChannelRecord): Record<string, unknown> {
		return {
			id: channel.id,
			type: channel.type,
			guild_id: channel.guildId,
			name: channel.name,
			position: channel.position,
			permission_overwrites: channel.overwrites.map((overwrite) => ({ ...overwrite })),
			parent_id: null,
			topic: null,
			nsfw: false,
			last_message_id: channel.lastMessageId,
			rate_limit_per_user: 0,
			flags: 0,
		};
	}

	botMemberJson(guild: GuildRecord): Record<string, unknown> {
		return {
			user: this.botUserJson(),
			nick: null,
			avatar: null,
			banner: null,
			roles: [...guild.botRoleIds],
			joined_at: new Date(guild.joinedAt).toISOString(),
			premium_since: null,
			deaf: false,
			mute: false,
			pending: false,
			flags: 0,
			communication_disabled_until: null,
		};
	}

	/** Guild object of GET /guilds/:id (no channels, members). */
	guildJson(guild: GuildRecord): Record<string, unknown> {
		return {
			id: guild.id,
			name: guild.name,
			icon: null,
			splash: null,
			discovery_splash: null,
			banner: null,
			description: null,
			owner_id: guild.ownerId,
			afk_channel_id: null,
			afk_timeout: 300,
			verification_level: 0,
			default_message_notifications: 0,
			explicit_content_filter: 0,
			mfa_level: 0,
			nsfw_level: 0,
			premium_tier: 0,
			premium_subscription_count: 0,
			premium_progress_bar_enabled: false,
			preferred_locale: 'en-US',
			system_channel_id: null,
			system_channel_flags: 0,
			rules_channel_id: null,
			public_updates_channel_id: null,
			safety_alerts_channel_id: null,
			vanity_url_code: null,
			widget_enabled: false,
			max_members: 500_000,
			max_video_channel_users: 25,
			max_stage_video_channel_users: 50,
			features: [],
			roles: this.guildRoles(guild).map((role) => this.roleJson(role)),
			emojis: [],
			stickers: [],
		};
	}

	/** GUILD_CREATE payload: the guild with its channels, roles and the bot's own member. */
	guildCreateJson(guild: GuildRecord): Record<string, unknown> {
		const channels = this.guildChannels(guild).map((channel) => {
			const json = this.channelJson(channel);
			delete json.guild_id; // GUILD_CREATE channels carry no guild_id; discord.js fills it in.
			return json;
		});
		return {
			...this.guildJson(guild),
			unavailable: false,
			joined_at: new Date(guild.joinedAt).toISOString(),
			large: false,
			member_count: 2,
			members: [this.botMemberJson(guild)],
			channels,
			threads: [],
			presences: [],
			voice_states: [],
			stage_instances: [],
			guild_scheduled_events: [],
			soundboard_sounds: [],
		};
	}

	guildChannels(guild: GuildRecord): ChannelRecord[] {
		return guild.channelIds
			.map((id) => this.channels.get(id))
			.filter((channel): channel is ChannelRecord => channel !== undefined && !channel.deleted);
	}

	guildRoles(guild: GuildRecord): RoleRecord[] {
		return guild.roleIds.map((id) => this.roles.get(id)).filter((role): role is RoleRecord => role !== undefined);
	}
}
