import { z } from 'zod';

/** Twitch logins and Discord snowflakes as Twitch/Discord define them. */
const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17–20 digits)');

const url = z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, ''));

const storageUrl = z
	.string()
	.refine(
		(value) => /^(sqlite|redis|rediss|postgres|postgresql):\/\//.test(value),
		'must start with sqlite://, redis://, rediss:// or postgres://',
	);

/**
 * A whole number read from the environment, every problem in plain words: zod's own ("Invalid input: expected
 * number, received NaN", "Too small: expected number to be >=500") would reach the operator otherwise.
 * `unit` completes "must be a whole number of …" ('' for a plain count).
 */
function wholeNumber(unit: string, bounds: { min: [number, string]; max: [number, string] }) {
	const kind = unit === '' ? 'must be a whole number' : `must be a whole number of ${unit}`;
	return z.coerce.number(kind).int(kind).min(bounds.min[0], bounds.min[1]).max(bounds.max[0], bounds.max[1]);
}

const environmentSchema = z.object({
	// A bot token is three base64url parts joined by dots; an application id or client secret pasted here is not.
	DISCORD_TOKEN: z
		.string()
		.regex(
			/^[\w-]{10,}\.[\w-]{4,}\.[\w-]{10,}$/,
			'must be the bot token from the Discord developer portal (Bot → Reset Token)',
		),
	TWITCH_CLIENT_ID: z
		.string()
		.regex(/^[a-z0-9]{10,64}$/i, 'must be the Client ID of your Twitch application (dev.twitch.tv/console/apps)'),
	TWITCH_CLIENT_SECRET: z
		.string()
		.regex(/^[a-z0-9]{10,64}$/i, 'must be the Client Secret of a Confidential Twitch application'),
	DISCORD_APPLICATION_ID: snowflake.optional(),
	DEV_GUILD_ID: snowflake.optional(),
	LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
	// No default: unset means readable lines in a terminal and JSON otherwise (src/logger.ts decides).
	LOG_FORMAT: z.enum(['json', 'pretty'], 'must be json or pretty').optional(),
	STORAGE_URL: storageUrl.default('sqlite://data/bot.sqlite'),
	TWITCH_API_URL: url.default('https://api.twitch.tv/helix'),
	TWITCH_AUTH_URL: url.default('https://id.twitch.tv/oauth2'),
	DISCORD_API_URL: url.default('https://discord.com/api'),
	POLL_INTERVAL_SECONDS: wholeNumber('seconds', {
		min: [15, 'must be at least 15 (Twitch asks clients not to poll faster)'],
		max: [86_400, 'must be at most 86400 (one day)'],
	}).default(60),
	STREAM_END_GRACE_SECONDS: wholeNumber('seconds', {
		min: [0, 'must be 0 or more'],
		max: [3600, 'must be at most 3600 (one hour)'],
	}).default(180),
	HTTP_TIMEOUT_MS: wholeNumber('milliseconds', {
		min: [500, 'must be at least 500 (half a second)'],
		max: [60_000, 'must be at most 60000 (one minute)'],
	}).default(10_000),
	TWITCH_EVENTSUB: z.enum(['on', 'off'], 'must be on or off').default('on'),
	TWITCH_EVENTSUB_WS_URL: z
		.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' })
		.default('wss://eventsub.wss.twitch.tv/ws'),
	BOT_ROLES: z
		.string()
		.transform((value, context) => {
			const roles = [...new Set(value.split(',').map((role) => role.trim().toLowerCase()))];
			if (roles.length === 0 || roles.some((role) => role !== 'gateway' && role !== 'notifier')) {
				context.addIssue({ code: 'custom', message: 'must be gateway, notifier, or gateway,notifier' });
				return z.NEVER;
			}
			return roles as Array<'gateway' | 'notifier'>;
		})
		.default(['gateway', 'notifier']),
	SHARD_COUNT: wholeNumber('', { min: [1, 'must be at least 1'], max: [100_000, 'must be at most 100000'] }).optional(),
	SHARD_IDS: z
		.string()
		.transform((value, context) => {
			const ids = parseShardIds(value);
			if (ids === null) {
				context.addIssue({ code: 'custom', message: 'must be shard ids or ranges, e.g. 0,1 or 0-3 or 4-7,9' });
				return z.NEVER;
			}
			return ids;
		})
		.optional(),
	// 0: any free port (the address is logged); tests use it.
	HTTP_PORT: z.coerce
		.number('must be a port number from 0 to 65535')
		.int('must be a port number from 0 to 65535')
		.min(0, 'must be a port number from 0 to 65535')
		.max(65_535, 'must be a port number from 0 to 65535')
		.optional(),
	HTTP_HOST: z.string().default('0.0.0.0'),
	NOTIFIER_LEASE_SECONDS: wholeNumber('seconds', {
		min: [3, 'must be at least 3'],
		max: [300, 'must be at most 300 (five minutes)'],
	}).default(15),
});

/** `0,1`, `0-3`, `4-7,9` → the sorted unique shard ids; null when the text is not such a list. */
export function parseShardIds(text: string): number[] | null {
	const ids = new Set<number>();
	for (const part of text.split(',').map((piece) => piece.trim())) {
		const match = /^(\d{1,6})(?:\s*-\s*(\d{1,6}))?$/.exec(part);
		if (!match) return null;
		const first = Number(match[1]);
		const last = match[2] === undefined ? first : Number(match[2]);
		if (last < first || last - first > 100_000) return null;
		for (let id = first; id <= last; id++) ids.add(id);
	}
	return [...ids].sort((a, b) => a - b);
}

export type Config = Readonly<{
	discordToken: string;
	twitchClientId: string;
	twitchClientSecret: string;
	discordApplicationId: string | undefined;
	devGuildId: string | undefined;
	logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
	/** undefined: pretty when stdout is a terminal, JSON otherwise. */
	logFormat: 'json' | 'pretty' | undefined;
	storageUrl: string;
	twitchApiUrl: string;
	twitchAuthUrl: string;
	discordApiUrl: string;
	pollIntervalSeconds: number;
	/** How long a live channel must be missing from Get Streams before its stream is called ended (Twitch flaps). */
	streamEndGraceSeconds: number;
	httpTimeoutMs: number;
	/** EventSub over a conduit WebSocket for instant go-lives (polling stays the safety net). */
	twitchEventSub: boolean;
	twitchEventSubWsUrl: string;
	/** What this process runs: the gateway (slash commands, server events), the notifier, or both (the default). */
	roles: ReadonlyArray<'gateway' | 'notifier'>;
	/** How many gateway shards the bot has in all (default: Discord's recommendation from GET /gateway/bot). */
	shardCount: number | undefined;
	/** Which of them this process runs (default: all of them). Needs SHARD_COUNT. */
	shardIds: readonly number[] | undefined;
	/** How long the notifier's lease in the store lasts; a standby takes over this long after the holder dies. */
	notifierLeaseSeconds: number;
	/** The port of the health and metrics endpoints (/healthz, /readyz, /metrics); undefined: no HTTP server. */
	httpPort: number | undefined;
	/** The address that server listens on (default 0.0.0.0: every interface, as a container needs). */
	httpHost: string;
}>;

/** Names of the settings that hold secrets: their values never appear in messages or logs. */
export const SECRET_SETTINGS = ['DISCORD_TOKEN', 'TWITCH_CLIENT_SECRET'] as const;

/** Thrown when the environment cannot make a Config; `message` names every bad setting, never a value. */
export class ConfigError extends Error {
	override readonly name = 'ConfigError';
	readonly problems: readonly string[];

	/** `tool`: who cannot go on, for the first line (the bot by default; a CLI tool speaks for itself). */
	constructor(problems: readonly string[], tool?: string) {
		const who = tool === undefined ? 'The bot cannot start' : `${tool} cannot run`;
		super(
			[
				`${who}: ${problems.length} setting${problems.length === 1 ? ' is' : 's are'} missing or invalid.`,
				...problems.map((problem) => `  - ${problem}`),
				'Set them in the environment or in a .env file; every setting is described in .env.example.',
			].join('\n'),
		);
		this.problems = problems;
	}
}

type ConfigScope = 'bot' | 'twitch' | 'discord';

/**
 * Parses the environment once into a frozen Config.
 * `scope` relaxes what is required for tools that need only one side (the Twitch CLI does not need a bot token);
 * `tool` names the CLI tool reading the settings in a ConfigError (default: the bot).
 */
export function parseConfig(
	env: Record<string, string | undefined>,
	scope: ConfigScope = 'bot',
	tool?: string,
): Config {
	const cleaned = Object.fromEntries(
		Object.entries(env)
			.filter(([, value]) => value !== undefined && value.trim() !== '')
			.map(([key, value]) => [key, value?.trim()]),
	);
	let schema = environmentSchema;
	if (scope === 'twitch') {
		schema = schema.extend({ DISCORD_TOKEN: z.string().optional().default('') }) as unknown as typeof environmentSchema;
	}
	if (scope === 'discord') {
		schema = schema.extend({
			TWITCH_CLIENT_ID: z.string().optional().default(''),
			TWITCH_CLIENT_SECRET: z.string().optional().default(''),
		}) as unknown as typeof environmentSchema;
	}
	const result = schema.safeParse(cleaned);
	if (!result.success) {
		// One problem per setting: "-1.5" is not a whole number and too small, and the first says enough.
		const problemBySetting = new Map<string, string>();
		for (const issue of result.error.issues) {
			const name = String(issue.path[0] ?? 'environment');
			const missing = issue.code === 'invalid_type' && cleaned[name] === undefined;
			if (!problemBySetting.has(name))
				problemBySetting.set(
					name,
					missing ? `${name} is required but not set` : `${name} ${describeIssue(issue.message)}`,
				);
		}
		throw new ConfigError([...problemBySetting.values()], tool);
	}
	const e = result.data;
	const shardProblems: string[] = [];
	if (e.SHARD_IDS !== undefined && e.SHARD_COUNT === undefined) {
		shardProblems.push('SHARD_IDS needs SHARD_COUNT (how many shards the bot has in all) to be set too');
	}
	if (e.SHARD_IDS !== undefined && e.SHARD_COUNT !== undefined && e.SHARD_IDS.some((id) => id >= e.SHARD_COUNT!)) {
		shardProblems.push(`SHARD_IDS must be below SHARD_COUNT (shard ids run from 0 to ${e.SHARD_COUNT - 1})`);
	}
	if (shardProblems.length > 0) throw new ConfigError(shardProblems, tool);
	return Object.freeze({
		discordToken: e.DISCORD_TOKEN,
		twitchClientId: e.TWITCH_CLIENT_ID,
		twitchClientSecret: e.TWITCH_CLIENT_SECRET,
		discordApplicationId: e.DISCORD_APPLICATION_ID,
		devGuildId: e.DEV_GUILD_ID,
		logLevel: e.LOG_LEVEL,
		logFormat: e.LOG_FORMAT,
		storageUrl: e.STORAGE_URL,
		twitchApiUrl: e.TWITCH_API_URL,
		twitchAuthUrl: e.TWITCH_AUTH_URL,
		discordApiUrl: e.DISCORD_API_URL,
		pollIntervalSeconds: e.POLL_INTERVAL_SECONDS,
		streamEndGraceSeconds: e.STREAM_END_GRACE_SECONDS,
		httpTimeoutMs: e.HTTP_TIMEOUT_MS,
		twitchEventSub: e.TWITCH_EVENTSUB === 'on',
		twitchEventSubWsUrl: e.TWITCH_EVENTSUB_WS_URL,
		roles: e.BOT_ROLES,
		shardCount: e.SHARD_COUNT,
		shardIds: e.SHARD_IDS,
		notifierLeaseSeconds: e.NOTIFIER_LEASE_SECONDS,
		httpPort: e.HTTP_PORT,
		httpHost: e.HTTP_HOST,
	});
}

// zod's own wording ("Invalid input: expected string") is for developers; keep the custom messages as they are.
function describeIssue(message: string): string {
	if (message.startsWith('must')) return message;
	if (message.startsWith('Invalid option')) {
		// 'Invalid option: expected one of "fatal"|"error"|…' → 'must be one of fatal, error, …'
		const options = message
			.replace(/^Invalid option: expected one of /, '')
			.replaceAll('"', '')
			.split('|');
		return `must be one of ${options.join(', ')}`;
	}
	if (message.startsWith('Invalid URL') || message.startsWith('Invalid url')) return 'must be an http(s) URL';
	return `is invalid (${message})`;
}

/** Where loadConfig reads from, and for whom. */
export interface LoadConfigOptions {
	/** Default `.env` in the current folder. */
	envFile?: string;
	/** The CLI tool reading the settings, named in a ConfigError ("deploy-commands cannot run: …"); default the bot. */
	tool?: string;
}

/**
 * Reads `.env` (when present) into process.env without overriding what the environment already sets, then
 * parses. The only place that touches process.env.
 */
export function loadConfig(scope: ConfigScope = 'bot', options: LoadConfigOptions = {}): Config {
	const { envFile = '.env', tool } = options;
	try {
		process.loadEnvFile(envFile);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
	}
	// discord.js reads SHARD_COUNT and SHARDS from the environment by itself, and throws at `new Client` on a blank
	// one (Number('') is 0); blank means unset here, so it goes.
	for (const name of ['SHARD_COUNT', 'SHARDS']) if (process.env[name]?.trim() === '') delete process.env[name];
	return parseConfig(process.env, scope, tool);
}

/** Whether stdout is a terminal, for the default log format of CLI tools. */
export function isInteractiveTerminal(): boolean {
	return Boolean(process.stdout.isTTY);
}
