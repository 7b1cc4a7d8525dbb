/**
 * Slash command interactions: the INTERACTION_CREATE a user's command produces, and the bot's answers over REST
 * (POST /interactions/:id/:token/callback, then the interaction webhook: follow-ups and the original response).
 * Discord's rules kept here: one callback per interaction, within 3 s; a follow-up needs a callback first;
 * autocomplete is answered with type 8 only.
 */
import { apiError, DiscordApiErrorResponse, invalidFormBody } from './api-error.ts';
import type { ApplicationCommandRegistry, CommandOptionDefinition, StoredCommand } from './application-commands.ts';
import type { FakeGateway } from './gateway.ts';
import { type MessageBody, parseMessageBody } from './message-body.ts';
import { ALL_PERMISSIONS, Permission, toPermissionBits } from './permissions.ts';
import type { CommandOptionValue, InteractionResult, RunCommandOptions } from './types.ts';
import type { ChannelRecord, FakeWorld, GuildRecord } from './world.ts';

/** Interaction types (Discord "Interaction Type"). */
const InteractionType = { ApplicationCommand: 2, Autocomplete: 4 } as const;
/** Interaction callback types (Discord "Interaction Callback Type"). */
const CallbackType = {
	ChannelMessage: 4,
	DeferredChannelMessage: 5,
	AutocompleteResult: 8,
	Modal: 9,
} as const;
/** Application command option types. */
const OptionType = {
	Subcommand: 1,
	SubcommandGroup: 2,
	String: 3,
	Integer: 4,
	Boolean: 5,
	User: 6,
	Channel: 7,
	Role: 8,
	Mentionable: 9,
	Number: 10,
} as const;
const EPHEMERAL = 1 << 6;
/** Set on a deferred response until the bot edits it ("Bot is thinking..."). */
const LOADING = 1 << 7;
/** Discord allows at most 25 autocomplete choices. */
const MAX_CHOICES = 25;

interface WebhookMessage {
	id: string;
	content: string;
	embeds: unknown[];
	components: unknown[];
	flags: number;
	deleted: boolean;
	editedAt: number | null;
	createdAt: number;
}

interface PendingInteraction {
	id: string;
	token: string;
	type: number;
	commandName: string;
	channelId: string;
	callbackType: number | null;
	expired: boolean;
	original: WebhookMessage | null;
	followUps: Map<string, { message: WebhookMessage; view: Record<string, unknown> }>;
	result: InteractionResult;
	waiter: InteractionWaiter | null;
}

interface InteractionWaiter {
	resolve(result: InteractionResult): void;
	reject(error: Error): void;
	settleMs: number;
	answered: boolean;
	timers: Set<NodeJS.Timeout>;
	settleTimer: NodeJS.Timeout | null;
}

export interface InteractionDeps {
	world: FakeWorld;
	commands: ApplicationCommandRegistry;
	gateway: FakeGateway;
	applicationId: string;
	nextId: () => string;
	now: () => number;
	deadlineMs: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class InteractionDesk {
	readonly #deps: InteractionDeps;
	readonly #byId = new Map<string, PendingInteraction>();
	readonly #byToken = new Map<string, PendingInteraction>();
	readonly #knownUsers = new Set<string>();

	constructor(deps: InteractionDeps) {
		this.#deps = deps;
	}

	/** Users that ran commands, so that GET /users/:id and member chunks know them. */
	isKnownUser(userId: string): boolean {
		return this.#knownUsers.has(userId);
	}

	run(options: RunCommandOptions): Promise<InteractionResult> {
		const { world, gateway } = this.#deps;
		const guild = world.guilds.get(options.guildId);
		if (!guild || guild.left)
			return Promise.reject(new Error(`fake Discord: the bot is not in guild ${options.guildId}`));
		const channel = world.channels.get(options.channelId);
		if (!channel || channel.deleted || channel.guildId !== guild.id) {
			return Promise.reject(new Error(`fake Discord: no channel ${options.channelId} in guild ${guild.id}`));
		}
		// The interaction goes to the session of the shard that carries the guild, like every guild event.
		if (!gateway.hasSessionFor(guild.id)) {
			return Promise.reject(
				new Error(
					`fake Discord: no bot is connected to the gateway on the shard of guild ${guild.id} to receive the command`,
				),
			);
		}
		let payload: Record<string, unknown>;
		let pending: PendingInteraction;
		try {
			({ payload, pending } = this.#createInteraction(options, guild, channel));
		} catch (error) {
			return Promise.reject(error);
		}
		const promise = new Promise<InteractionResult>((resolve, reject) => {
			pending.waiter = {
				resolve,
				reject,
				settleMs: options.settleMs ?? 30,
				answered: false,
				timers: new Set(),
				settleTimer: null,
			};
		});
		const waiter = pending.waiter as InteractionWaiter | null;
		if (waiter) {
			// Discord drops an interaction not answered within 3 s and shows "The application did not respond".
			this.#schedule(waiter, this.#deps.deadlineMs, () => {
				if (pending.callbackType !== null) return;
				pending.expired = true;
				this.#finish(
					pending,
					new Error(
						`fake Discord: the bot did not answer /${pending.commandName} within ${this.#deps.deadlineMs} ms (Discord shows "The application did not respond")`,
					),
				);
			});
			const timeoutMs = options.timeoutMs ?? 5000;
			this.#schedule(waiter, timeoutMs, () => {
				if (waiter.answered) return;
				const state = pending.callbackType === null ? 'no callback' : `callback type ${pending.callbackType}, no edit`;
				this.#finish(
					pending,
					new Error(`fake Discord: /${pending.commandName} not answered within ${timeoutMs} ms (${state})`),
				);
			});
		}
		gateway.dispatch('INTERACTION_CREATE', payload, { guildId: guild.id });
		return promise;
	}

	/** POST /interactions/:id/:token/callback. Returns the response body (null = 204). */
	callback(interactionId: string, token: string, raw: unknown, withResponse: boolean): unknown {
		const pending = this.#byId.get(interactionId);
		if (!pending || pending.token !== token || pending.expired) throw apiError(404, 10062);
		if (pending.callbackType !== null) throw apiError(400, 40060);
		if (!isRecord(raw) || typeof raw.type !== 'number') {
			throw invalidFormBody('type', 'BASE_TYPE_REQUIRED', 'This field is required');
		}
		const type = raw.type;
		const data = raw.data;
		const allowed: number[] =
			pending.type === InteractionType.Autocomplete
				? [CallbackType.AutocompleteResult]
				: [CallbackType.ChannelMessage, CallbackType.DeferredChannelMessage, CallbackType.Modal];
		if (!allowed.includes(type)) {
			throw invalidFormBody(
				'type',
				'INTERACTION_CALLBACK_TYPE_INVALID',
				'Interaction callback type is invalid for this interaction',
			);
		}
		const { result } = pending;
		if (type === CallbackType.ChannelMessage || type === CallbackType.DeferredChannelMessage) {
			const body =
				type === CallbackType.ChannelMessage ? parseMessageBody(data, true) : parseMessageBody(data ?? {}, false);
			const flags = body.flags ?? 0;
			pending.original = this.#newWebhookMessage(
				type === CallbackType.ChannelMessage ? body : {},
				type === CallbackType.DeferredChannelMessage ? (flags & EPHEMERAL) | LOADING : flags,
			);
			result.ephemeral = (flags & EPHEMERAL) !== 0;
			result.final = this.#view(pending.original);
		} else if (type === CallbackType.AutocompleteResult) {
			const choices = isRecord(data) ? data.choices : undefined;
			if (!Array.isArray(choices))
				throw invalidFormBody('data.choices', 'BASE_TYPE_REQUIRED', 'This field is required');
			if (choices.length > MAX_CHOICES) {
				throw invalidFormBody('data.choices', 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_CHOICES} or fewer in length.`);
			}
			result.final = { choices };
		} else {
			result.final = data;
		}
		pending.callbackType = type;
		result.type = type;
		result.data = data ?? null;
		if (type !== CallbackType.DeferredChannelMessage) this.#answered(pending);
		if (!withResponse) return null;
		const original = pending.original;
		return {
			interaction: {
				id: pending.id,
				type: pending.type,
				response_message_id: original?.id ?? null,
				response_message_loading: original ? (original.flags & LOADING) !== 0 : false,
				response_message_ephemeral: original ? (original.flags & EPHEMERAL) !== 0 : false,
			},
			resource: original
				? { type, message: this.#messageJson(pending, original) }
				: { type, ...(type === CallbackType.AutocompleteResult ? {} : { message: null }) },
		};
	}

	/** The interaction webhook: POST follow-up, GET/PATCH/DELETE the original or a follow-up. */
	webhook(
		method: string,
		applicationId: string,
		token: string,
		messageId: string | null,
		raw: unknown,
		query: URLSearchParams,
	): unknown {
		if (applicationId !== this.#deps.applicationId) throw apiError(404, 10015);
		const pending = this.#byToken.get(token);
		if (!pending) throw new DiscordApiErrorResponse(401, 50027, 'Invalid Webhook Token');
		// The webhook only exists once the interaction was acknowledged.
		if (pending.callbackType === null) throw apiError(404, 10015);

		if (messageId === null) {
			if (method !== 'POST') throw new DiscordApiErrorResponse(405, 0, '405: Method Not Allowed');
			const body = parseMessageBody(raw, true);
			const message = this.#newWebhookMessage(body, (body.flags ?? 0) & EPHEMERAL);
			const view = { id: message.id, ...(raw as Record<string, unknown>) };
			pending.followUps.set(message.id, { message, view });
			pending.result.followUps.push(view);
			this.#answered(pending);
			return query.get('wait') === 'true' ? this.#messageJson(pending, message) : null;
		}

		const isOriginal = messageId === '@original' || messageId === pending.original?.id;
		const message = isOriginal ? pending.original : pending.followUps.get(messageId)?.message;
		if (!message || message.deleted) throw apiError(404, 10008);
		if (method === 'GET') return this.#messageJson(pending, message);
		if (method === 'DELETE') {
			message.deleted = true;
			if (isOriginal) pending.result.final = null;
			this.#activity(pending);
			return null;
		}
		if (method !== 'PATCH') throw new DiscordApiErrorResponse(405, 0, '405: Method Not Allowed');
		const body = parseMessageBody(raw, false);
		this.#applyEdit(message, body);
		if (isOriginal) {
			pending.result.edits.push(raw);
			pending.result.final = this.#view(message);
			this.#answered(pending);
		} else {
			const entry = pending.followUps.get(message.id);
			if (entry) Object.assign(entry.view, raw as Record<string, unknown>);
			this.#activity(pending);
		}
		return this.#messageJson(pending, message);
	}

	/** Rejects every command still waiting (the fake is closing). */
	close(): void {
		for (const pending of this.#byId.values()) {
			if (pending.waiter) this.#finish(pending, new Error('fake Discord closed before the bot answered'));
		}
	}

	// --- building the interaction -----------------------------------------------------------------------------

	#createInteraction(
		options: RunCommandOptions,
		guild: GuildRecord,
		channel: ChannelRecord,
	): { payload: Record<string, unknown>; pending: PendingInteraction } {
		const { world, commands, applicationId, nextId } = this.#deps;
		const type = options.type ?? InteractionType.ApplicationCommand;
		const definition = commands.find(guild.id, options.name);
		if (!definition && commands.hasAny(guild.id)) {
			throw new Error(`fake Discord: no command /${options.name} is registered for guild ${guild.id}`);
		}
		const userId = options.userId ?? guild.ownerId;
		this.#knownUsers.add(userId);
		const memberPermissions =
			options.memberPermissions === undefined ? ALL_PERMISSIONS : toPermissionBits(options.memberPermissions);
		const requiredPermissions = definition?.default_member_permissions;
		if (
			requiredPermissions !== null &&
			requiredPermissions !== undefined &&
			(memberPermissions & Permission.Administrator) === 0n &&
			(memberPermissions & BigInt(requiredPermissions)) !== BigInt(requiredPermissions)
		) {
			// Discord does not even offer the command to a member without default_member_permissions.
			throw new Error(
				`fake Discord: /${options.name} needs permissions ${requiredPermissions}; Discord would not offer it to this member`,
			);
		}

		const resolved: Record<string, Record<string, unknown>> = {};
		const commandOptions = this.#buildOptions(options, definition, guild, memberPermissions, resolved, type);
		const data: Record<string, unknown> = {
			id: definition?.id ?? nextId(),
			name: options.name,
			type: 1,
		};
		if (commandOptions.length > 0) data.options = commandOptions;
		if (Object.keys(resolved).length > 0) data.resolved = resolved;
		if (typeof definition?.guild_id === 'string') data.guild_id = definition.guild_id;

		const id = nextId();
		const token = `fake-interaction-token.${id}.${Math.random().toString(36).slice(2)}`;
		const member = {
			...this.#memberJson(guild, memberPermissions),
			user: world.userJson(userId),
		};
		const payload: Record<string, unknown> = {
			id,
			application_id: applicationId,
			type,
			data,
			guild_id: guild.id,
			guild: { id: guild.id, locale: 'en-US', features: [] },
			channel_id: channel.id,
			channel: { ...world.channelJson(channel), permissions: memberPermissions.toString() },
			member,
			token,
			version: 1,
			app_permissions: world.botPermissionsIn(channel).toString(),
			locale: 'en-US',
			guild_locale: 'en-US',
			entitlements: [],
			authorizing_integration_owners: { '0': guild.id },
			context: 0,
			attachment_size_limit: 10_485_760,
		};
		const pending: PendingInteraction = {
			id,
			token,
			type,
			commandName: options.subcommand ? `${options.name} ${options.subcommand}` : options.name,
			channelId: channel.id,
			callbackType: null,
			expired: false,
			original: null,
			followUps: new Map(),
			result: { type: 0, data: null, followUps: [], edits: [], final: null, ephemeral: false },
			waiter: null,
		};
		this.#byId.set(id, pending);
		this.#byToken.set(token, pending);
		return { payload, pending };
	}

	#memberJson(guild: GuildRecord, permissions: bigint): Record<string, unknown> {
		return {
			roles: [],
			nick: null,
			avatar: null,
			banner: null,
			joined_at: new Date(guild.joinedAt).toISOString(),
			premium_since: null,
			deaf: false,
			mute: false,
			pending: false,
			flags: 0,
			communication_disabled_until: null,
			permissions: permissions.toString(),
		};
	}

	/** The command's option tree: subcommand group / subcommand, then typed leaf options, filling `resolved`. */
	#buildOptions(
		options: RunCommandOptions,
		definition: StoredCommand | undefined,
		guild: GuildRecord,
		memberPermissions: bigint,
		resolved: Record<string, Record<string, unknown>>,
		interactionType: number,
	): Array<Record<string, unknown>> {
		const path = options.subcommand ? options.subcommand.trim().split(/\s+/) : [];
		let definitions: CommandOptionDefinition[] | undefined = definition?.options;
		const commandName = `/${options.name}${path.length > 0 ? ` ${path.join(' ')}` : ''}`;
		if (path.length > 2) throw new Error(`fake Discord: subcommand "${options.subcommand}" has more than two levels`);
		const levels: Array<{ name: string; type: number }> = path.map((name, index) => ({
			name,
			type: index === 0 && path.length === 2 ? OptionType.SubcommandGroup : OptionType.Subcommand,
		}));
		for (const level of levels) {
			if (!definition) continue;
			const found = definitions?.find((candidate) => candidate.name === level.name && candidate.type === level.type);
			if (!found)
				throw new Error(`fake Discord: ${commandName} is not a subcommand of the registered /${options.name}`);
			definitions = found.options;
		}
		if (definition && levels.length === 0 && definitions?.some((option) => option.type <= OptionType.SubcommandGroup)) {
			throw new Error(`fake Discord: the registered /${options.name} needs a subcommand`);
		}

		const leaves: Array<Record<string, unknown>> = [];
		const values = options.options ?? {};
		for (const [name, value] of Object.entries(values)) {
			const optionDefinition = definitions?.find((candidate) => candidate.name === name);
			if (definition && !optionDefinition) throw new Error(`fake Discord: ${commandName} has no option "${name}"`);
			const type = optionDefinition?.type ?? this.#inferOptionType(value, guild);
			const focused = interactionType === InteractionType.Autocomplete && options.focused === name;
			leaves.push({
				name,
				type,
				value: focused ? String(value) : this.#optionValue(type, value, guild, memberPermissions, resolved, name),
				...(focused ? { focused: true } : {}),
			});
		}
		if (definition && interactionType === InteractionType.ApplicationCommand) {
			for (const optionDefinition of definitions ?? []) {
				if (optionDefinition.required === true && !(optionDefinition.name in values)) {
					throw new Error(`fake Discord: ${commandName} requires the option "${optionDefinition.name}"`);
				}
			}
		}
		let tree = leaves;
		for (const level of [...levels].reverse()) tree = [{ name: level.name, type: level.type, options: tree }];
		return tree;
	}

	#inferOptionType(value: CommandOptionValue, guild: GuildRecord): number {
		if (typeof value === 'boolean') return OptionType.Boolean;
		if (typeof value === 'number') return Number.isInteger(value) ? OptionType.Integer : OptionType.Number;
		if (guild.channelIds.includes(value)) return OptionType.Channel;
		if (guild.roleIds.includes(value)) return OptionType.Role;
		return OptionType.String;
	}

	#optionValue(
		type: number,
		value: CommandOptionValue,
		guild: GuildRecord,
		memberPermissions: bigint,
		resolved: Record<string, Record<string, unknown>>,
		name: string,
	): CommandOptionValue {
		const { world } = this.#deps;
		const add = (kind: string, id: string, json: Record<string, unknown>) => {
			resolved[kind] ??= {};
			(resolved[kind] as Record<string, unknown>)[id] = json;
		};
		switch (type) {
			case OptionType.String:
				return String(value);
			case OptionType.Integer:
			case OptionType.Number: {
				const number = Number(value);
				if (Number.isNaN(number) || (type === OptionType.Integer && !Number.isInteger(number))) {
					throw new Error(
						`fake Discord: option "${name}" needs ${type === OptionType.Integer ? 'an integer' : 'a number'}`,
					);
				}
				return number;
			}
			case OptionType.Boolean:
				return value === true || value === 'true';
			case OptionType.Channel: {
				const channel = world.channels.get(String(value));
				if (!channel || channel.deleted || channel.guildId !== guild.id) {
					throw new Error(`fake Discord: option "${name}": no channel ${String(value)} in guild ${guild.id}`);
				}
				const { guild_id, ...json } = world.channelJson(channel);
				add('channels', channel.id, { ...json, guild_id, permissions: memberPermissions.toString() });
				return channel.id;
			}
			case OptionType.Role:
			case OptionType.User:
			case OptionType.Mentionable: {
				const id = String(value);
				const role = world.roles.get(id);
				if (role && role.guildId === guild.id && type !== OptionType.User) {
					add('roles', id, world.roleJson(role));
					return id;
				}
				if (type === OptionType.Role)
					throw new Error(`fake Discord: option "${name}": no role ${id} in guild ${guild.id}`);
				this.#knownUsers.add(id);
				add('users', id, world.userJson(id));
				const { permissions: _, ...member } = this.#memberJson(guild, 0n);
				add('members', id, { ...member, permissions: '0' });
				return id;
			}
			default:
				return value;
		}
	}

	// --- answers ----------------------------------------------------------------------------------------------

	#newWebhookMessage(body: MessageBody, flags: number): WebhookMessage {
		return {
			id: this.#deps.nextId(),
			content: body.content ?? '',
			embeds: body.embeds ?? [],
			components: body.components ?? [],
			flags,
			deleted: false,
			editedAt: null,
			createdAt: this.#deps.now(),
		};
	}

	#applyEdit(message: WebhookMessage, body: MessageBody): void {
		if (body.content !== undefined) message.content = body.content;
		if (body.embeds !== undefined) message.embeds = body.embeds;
		if (body.components !== undefined) message.components = body.components;
		message.flags &= ~LOADING;
		message.editedAt = this.#deps.now();
	}

	#view(message: WebhookMessage): Record<string, unknown> {
		return { content: message.content, embeds: message.embeds, components: message.components, flags: message.flags };
	}

	#messageJson(pending: PendingInteraction, message: WebhookMessage): Record<string, unknown> {
		const { world, applicationId } = this.#deps;
		return {
			id: message.id,
			type: 20,
			channel_id: pending.channelId,
			author: world.botUserJson(),
			content: message.content,
			timestamp: new Date(message.createdAt).toISOString(),
			edited_timestamp: message.editedAt === null ? null : new Date(message.editedAt).toISOString(),
			tts: false,
			mention_everyone: false,
			mentions: [],
			mention_roles: [],
			attachments: [],
			embeds: message.embeds,
			components: message.components,
			pinned: false,
			flags: message.flags,
			webhook_id: applicationId,
			application_id: applicationId,
		};
	}

	// --- waiting for the bot ----------------------------------------------------------------------------------

	#schedule(waiter: InteractionWaiter, ms: number, run: () => void): NodeJS.Timeout {
		const timer = setTimeout(() => {
			waiter.timers.delete(timer);
			run();
		}, ms);
		waiter.timers.add(timer);
		return timer;
	}

	/** The user sees an answer: wait for a short quiet time so immediate follow-ups and edits are included. */
	#answered(pending: PendingInteraction): void {
		const waiter = pending.waiter;
		if (!waiter) return;
		waiter.answered = true;
		this.#activity(pending);
	}

	#activity(pending: PendingInteraction): void {
		const waiter = pending.waiter;
		if (!waiter?.answered) return;
		if (waiter.settleTimer) {
			clearTimeout(waiter.settleTimer);
			waiter.timers.delete(waiter.settleTimer);
		}
		waiter.settleTimer = this.#schedule(waiter, waiter.settleMs, () => this.#finish(pending, null));
	}

	#finish(pending: PendingInteraction, error: Error | null): void {
		const waiter = pending.waiter;
		if (!waiter) return;
		pending.waiter = null;
		for (const timer of waiter.timers) clearTimeout(timer);
		waiter.timers.clear();
		if (error) waiter.reject(error);
		else waiter.resolve(pending.result);
	}
}
