/** Public types of the fake Discord: what tests build worlds with and what they observe. */

export interface FakeDiscordOptions {
	/** The token the bot must present (`Authorization: Bot <token>`, gateway identify). Default 'fake-bot-token'. */
	botToken?: string;
	/** Default: a generated snowflake. */
	applicationId?: string;
	/** Default: the application id (as for every bot created since 2019). */
	botUserId?: string;
	/** Default 'Fake Bot'. */
	botUsername?: string;
	/** Timestamps of messages and log entries, snowflakes and the nonce window. Default `Date.now`. */
	now?: () => number;
	/** Gateway heartbeat interval sent in Hello. Default 41250 ms, Discord's usual value. */
	heartbeatIntervalMs?: number;
	/** How long a bot has to call back an interaction (real time). Default 3000 ms, Discord's limit. */
	interactionDeadlineMs?: number;
	/** How long (by `now`) an `enforce_nonce` create returns the earlier message. Default 2 minutes. */
	nonceWindowMs?: number;
	/** Requests allowed per rate-limit bucket and window (real time) before a real 429. Default 50 per 1000 ms. */
	rateLimit?: { limit: number; windowMs: number };
	/** The shard count GET /gateway/bot recommends (`shards`; what discord.js's `shards: 'auto'` uses). Default 1. */
	recommendedShards?: number;
	/**
	 * GET /gateway/bot `session_start_limit.max_concurrency`: identifies are limited per bucket
	 * `shard_id % max_concurrency`, one every 5 s. Default 1.
	 */
	maxConcurrency?: number;
	/** Guilds one shard may carry; an identify whose shard count gives a shard more is closed with 4011. Default 2500. */
	maxGuildsPerShard?: number;
	/**
	 * What an identify within 5 s of the last one served in its bucket gets. 'refuse': op 9 Invalid Session, as
	 * Discord answers. 'record' (default): it is served like any other; both count in `gateway.identifyViolations`.
	 * The default lets a test restart the bot (a new discord.js client, whose own throttle starts empty) at once.
	 */
	identifyRateLimit?: 'refuse' | 'record';
	/**
	 * Largest file a message may carry, in bytes; a bigger one gets 413 Request entity too large (40005).
	 * Default 10 MiB, Discord's documented default upload limit (boosted servers allow more).
	 */
	attachmentSizeLimit?: number;
}

/** A shard as identify names it: [shard_id, shard_count]. */
export type FakeShard = readonly [id: number, count: number];

/** An identify the gateway received with a good token, intents and shard. */
export interface FakeIdentify {
	/** [0, 1] when the identify named no shard. */
	readonly shard: FakeShard;
	/** `shard_id % max_concurrency`. */
	readonly bucket: number;
	/** Real milliseconds on a monotonic clock (`performance.now()`), for measuring the spacing. */
	readonly at: number;
	/** Came within 5 s of the previous identify served in its bucket (Discord would refuse it). */
	readonly tooFast: boolean;
	/** Answered with op 9 Invalid Session (only with `identifyRateLimit: 'refuse'`). */
	readonly refused: boolean;
}

/** What the gateway saw of identifies and which shards are connected. */
export interface FakeGatewayView {
	/** Every identify with a good token, intents and shard, in order. */
	readonly identifies: readonly FakeIdentify[];
	/** How many identifies broke the one-per-5-s-per-bucket rule. */
	readonly identifyViolations: number;
	/** Shards with an open, identified (or resumed) session, by count then id. */
	readonly connectedShards: readonly FakeShard[];
	/** Which shard of `shardCount` carries the guild: `(guild_id >> 22) % shard_count`. */
	shardOf(guildId: string, shardCount: number): number;
}

/** A guild the bot is a member of. Its @everyone role has the guild's id. */
export interface FakeGuild {
	readonly id: string;
	readonly name: string;
	/** The owner: the default user of `runCommand`, with every permission. Never the bot. */
	readonly ownerId: string;
}

export interface FakeChannel {
	readonly id: string;
	readonly guildId: string;
	readonly name: string;
	/** Discord channel type: 0 text (default), 2 voice, 4 category, 5 announcement, 15 forum. */
	readonly type: number;
}

export interface FakeRole {
	readonly id: string;
	readonly guildId: string;
	readonly name: string;
	/** Permission bits as a decimal string, as Discord sends them. */
	readonly permissions: string;
	readonly mentionable: boolean;
}

/** `allowed_mentions` as the bot sent it. */
export interface AllowedMentionsBody {
	parse?: Array<'everyone' | 'roles' | 'users'>;
	roles?: string[];
	users?: string[];
	replied_user?: boolean;
}

/** Who a message notified when it was created: what Discord would actually ping, given `allowed_mentions`. */
export interface PingedMentions {
	everyone: boolean;
	roles: string[];
	users: string[];
}

/** A file on a message, as uploaded (`files[n]` of a multipart/form-data create or edit). */
export interface FakeAttachment {
	/** A snowflake the fake assigned, as Discord does; an edit keeps the file by listing `{ id }` in `attachments`. */
	readonly id: string;
	/** The upload's filename (or the `attachments[].filename` sent with it), whitespace turned into '_' as Discord does. */
	readonly filename: string;
	readonly size: number;
	/** The part's Content-Type; null when the upload named none. */
	readonly contentType: string | null;
	readonly description: string | null;
	/** Served by the fake itself (GET answers the bytes), standing in for cdn.discordapp.com. */
	readonly url: string;
	/** Also served by the fake, standing in for media.discordapp.net. */
	readonly proxyUrl: string;
	/** The uploaded bytes. */
	readonly data: Buffer;
}

export interface FakeMessageEdit {
	at: number;
	/** The PATCH body as the bot sent it (the `payload_json` of a multipart edit). */
	changes: Record<string, unknown>;
	/** Filenames of the `files[n]` parts of this edit, in order (kept or not by its `attachments`). */
	files: string[];
	/** The message's content, embeds, components and attachments just before this edit. */
	before: { content: string; embeds: unknown[]; components: unknown[]; attachments: FakeAttachment[] };
}

/** A message the bot created in a channel (not an interaction reply: those are in `InteractionResult`). */
export interface FakeMessage {
	readonly id: string;
	readonly channelId: string;
	readonly guildId: string;
	readonly authorId: string;
	readonly content: string;
	readonly embeds: readonly unknown[];
	readonly components: readonly unknown[];
	/**
	 * Every file on the message, oldest upload first. The message JSON's `attachments` leaves out those an embed
	 * shows through `attachment://filename`, as Discord does; this list has them all.
	 */
	readonly attachments: readonly FakeAttachment[];
	readonly flags: number;
	/** As sent; null when the bot sent none (Discord then parses every mention). */
	readonly allowedMentions: AllowedMentionsBody | null;
	readonly nonce: string | null;
	readonly enforceNonce: boolean;
	/** Pings happen when a message is created; mentions edited in later notify nobody. */
	readonly mentions: PingedMentions;
	readonly createdAt: number;
	readonly editedAt: number | null;
	readonly edits: readonly FakeMessageEdit[];
	readonly deleted: boolean;
	readonly deletedAt: number | null;
}

/** A REST fault served instead of the real answer for the next matching request(s). */
export interface RestFault {
	status: number;
	/** Discord JSON error code (e.g. 50013). */
	code?: number;
	message?: string;
	/** Seconds, for 429: sent as `retry_after` and in the Retry-After / X-RateLimit-Reset-After headers. */
	retryAfter?: number;
	/** Never answer the request (logged with status 0); `status` is then ignored. */
	hang?: boolean;
}

export interface RestLogEntry {
	method: string;
	/** Path without the `/api/vN` prefix and without the query, e.g. `/channels/123/messages`. */
	path: string;
	query: string;
	status: number;
	/** The request body (parsed JSON; for multipart/form-data its `payload_json`) or null. */
	body: unknown;
	/** The file parts of a multipart/form-data request (their bytes are on the message's attachments). */
	files?: Array<{ field: string; filename: string; size: number; contentType: string | null }>;
	/** The response body (parsed JSON) or null. */
	response: unknown;
	at: number;
}

export type CommandOptionValue = string | number | boolean;

export interface RunCommandOptions {
	guildId: string;
	channelId: string;
	name: string;
	/** A subcommand name, or 'group subcommand' for a subcommand in a group. */
	subcommand?: string;
	/**
	 * Option values by name. Their types come from the registered command definition when there is one;
	 * otherwise booleans are type 5, integers 4, other numbers 10, ids of the guild's channels 7, of its roles 8,
	 * any other string 3. Channel, role and user options get `resolved` data like Discord sends.
	 */
	options?: Record<string, CommandOptionValue>;
	/** Default: the guild owner. */
	userId?: string;
	/** The invoking member's permissions. Default: every permission (the owner). */
	memberPermissions?: bigint | string;
	/** Default 5000 ms. */
	timeoutMs?: number;
	/** 2 = application command (default), 4 = autocomplete. */
	type?: 2 | 4;
	/** For autocomplete: the option being typed (its value is the partial text). */
	focused?: string;
	/** Quiet time after the answer during which further edits/follow-ups are still awaited. Default 30 ms. */
	settleMs?: number;
}

export interface InteractionResult {
	/** The interaction callback type the bot answered with (4 reply, 5 defer, 8 autocomplete result…). */
	type: number;
	/** The callback's data as sent. */
	// biome-ignore lint/suspicious/noExplicitAny: Discord JSON as the bot sent it; tests read whatever fields they assert on
	data: any;
	/** Follow-up messages (bodies as sent, plus id), in order. Keeps filling after the promise resolves. */
	// biome-ignore lint/suspicious/noExplicitAny: Discord JSON as the bot sent it; tests read whatever fields they assert on
	followUps: any[];
	/** PATCH bodies sent to the original response, in order. */
	// biome-ignore lint/suspicious/noExplicitAny: Discord JSON as the bot sent it; tests read whatever fields they assert on
	edits: any[];
	/**
	 * What the user ends up seeing in the original response: content, embeds, components, flags; `{ choices }` for
	 * autocomplete; null once the bot deleted it.
	 */
	// biome-ignore lint/suspicious/noExplicitAny: Discord JSON as the bot sent it; tests read whatever fields they assert on
	final: any;
	ephemeral: boolean;
}

export type FakeDiscordEvent = 'message' | 'messageUpdate' | 'messageDelete' | 'rest';

export interface FakeDiscord {
	/** e.g. 'http://127.0.0.1:PORT/api': pass as discord.js `rest.api` / DISCORD_API_URL. */
	readonly apiUrl: string;
	/** 'ws://127.0.0.1:PORT', also what GET /gateway/bot returns. */
	readonly gatewayUrl: string;
	readonly applicationId: string;
	readonly botUserId: string;
	readonly botToken: string;

	addGuild(guild: { id?: string; name: string; ownerId?: string }): FakeGuild;
	addChannel(guildId: string, channel: { id?: string; name: string; type?: number }): FakeChannel;
	addRole(
		guildId: string,
		role: { id?: string; name: string; permissions?: bigint | string; mentionable?: boolean },
	): FakeRole;
	/** Changes a role; the @everyone role's id is the guild id. */
	updateRole(
		guildId: string,
		roleId: string,
		changes: { name?: string; permissions?: bigint | string; mentionable?: boolean },
	): FakeRole;
	setBotRoles(guildId: string, roleIds: string[]): void;
	setChannelOverwrites(
		channelId: string,
		overwrites: Array<{ id: string; type: 0 | 1; allow: string; deny: string }>,
	): void;
	/** Later requests for the channel get 404 Unknown Channel (10003); CHANNEL_DELETE goes to connected bots. */
	deleteChannel(channelId: string): void;
	/** The bot leaves the guild: GUILD_DELETE; its channels then answer 403 Missing Access (50001). */
	removeGuild(guildId: string): void;
	/** The bot is added back to a guild it left: GUILD_CREATE, and its channels answer again. */
	rejoinGuild(guildId: string): void;

	/**
	 * Serves `fault` to the next `times` (default 1) requests matching `route`: a string equal to the path
	 * ('/channels/1/messages') or to 'METHOD path'; a RegExp tested against 'METHOD path'.
	 */
	failNext(route: RegExp | string, fault: RestFault, times?: number): void;

	/** A user runs a slash command (or types into an autocomplete option); resolves once the bot has answered. */
	runCommand(options: RunCommandOptions): Promise<InteractionResult>;

	readonly messages: ReadonlyArray<FakeMessage>;
	/** Current (not deleted) messages of a channel, oldest first. */
	channelMessages(channelId: string): FakeMessage[];
	/** The bytes of the file `filename` now on message `messageId`; throws when the message has no such file. */
	attachmentBytes(messageId: string, filename: string): Buffer;
	/** The first message, existing or future, matching `pred`. Default timeout 5000 ms. */
	waitForMessage(pred: (message: FakeMessage) => boolean, timeoutMs?: number): Promise<FakeMessage>;
	readonly restLog: RestLogEntry[];
	readonly commands: { global: unknown[]; guild: Record<string, unknown[]> };
	/** Gateway sessions with an open, identified socket. */
	readonly connectedSessions: number;
	/** Identifies, their spacing per bucket, and the connected shards. */
	readonly gateway: FakeGatewayView;

	on(event: 'message' | 'messageDelete', listener: (message: FakeMessage) => void): void;
	on(event: 'messageUpdate', listener: (message: FakeMessage, changes: Record<string, unknown>) => void): void;
	on(event: 'rest', listener: (entry: RestLogEntry) => void): void;
	// biome-ignore lint/suspicious/noExplicitAny: removes a listener registered through any of the typed overloads
	off(event: FakeDiscordEvent, listener: (...args: any[]) => void): void;

	/** Closes every gateway socket (default code 4000, which discord.js answers with a resume). */
	disconnectAll(closeCode?: number): void;
	close(): Promise<void>;
}
