import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../src/config.ts';
import { gatewayShardOptions } from '../src/discord/sharding.ts';

const valid = {
	DISCORD_TOKEN: 'MTAwMDAwMDAwMDAwMDAwMDAw.GfAkEd.fake_bot_token_for_local_tests_only',
	TWITCH_CLIENT_ID: 'abcdefghij0123456789abcdefghij',
	TWITCH_CLIENT_SECRET: 'secretsecret0123456789secretse',
};

function problemsOf(env: Record<string, string | undefined>, scope?: 'bot' | 'twitch' | 'discord'): ConfigError {
	try {
		parseConfig(env, scope);
	} catch (error) {
		if (error instanceof ConfigError) return error;
		throw error;
	}
	throw new Error('expected a ConfigError');
}

describe('configuration', () => {
	it('applies the documented defaults', () => {
		const config = parseConfig(valid);
		expect(config).toMatchObject({
			storageUrl: 'sqlite://data/bot.sqlite',
			twitchApiUrl: 'https://api.twitch.tv/helix',
			twitchAuthUrl: 'https://id.twitch.tv/oauth2',
			discordApiUrl: 'https://discord.com/api',
			pollIntervalSeconds: 60,
			streamEndGraceSeconds: 180,
			logLevel: 'info',
			logFormat: undefined,
			httpPort: undefined,
			httpHost: '0.0.0.0',
		});
		expect(Object.isFrozen(config)).toBe(true);
	});

	it('turns EventSub on by default against Twitch’s WebSocket, and off with TWITCH_EVENTSUB=off (polling alone)', () => {
		expect(parseConfig(valid)).toMatchObject({
			twitchEventSub: true,
			twitchEventSubWsUrl: 'wss://eventsub.wss.twitch.tv/ws',
		});
		expect(parseConfig({ ...valid, TWITCH_EVENTSUB: 'off' }).twitchEventSub).toBe(false);
		expect(parseConfig({ ...valid, POLL_INTERVAL_SECONDS: '3600' }).pollIntervalSeconds).toBe(3600);
		const error = problemsOf({ ...valid, TWITCH_EVENTSUB: 'maybe', TWITCH_EVENTSUB_WS_URL: 'https://example.test/ws' });
		expect(error.message).toContain('TWITCH_EVENTSUB must be on or off');
		expect(error.message).toContain('TWITCH_EVENTSUB_WS_URL must be a ws:// or wss:// URL');
	});

	it('names every missing required setting in one message pointing to .env.example', () => {
		const error = problemsOf({});
		expect(error.problems).toHaveLength(3);
		expect(error.message).toContain('DISCORD_TOKEN is required but not set');
		expect(error.message).toContain('TWITCH_CLIENT_ID is required but not set');
		expect(error.message).toContain('TWITCH_CLIENT_SECRET is required but not set');
		expect(error.message).toContain('.env.example');
	});

	it('names malformed settings without ever showing a secret’s value', () => {
		const leaked = 'this-is-my-secret value!';
		const error = problemsOf({
			...valid,
			TWITCH_CLIENT_SECRET: leaked,
			DISCORD_TOKEN: 'not a token',
			POLL_INTERVAL_SECONDS: '5',
			STORAGE_URL: 'mysql://x',
			TWITCH_API_URL: 'ftp://example',
			LOG_LEVEL: 'loud',
		});
		expect(error.message).toMatch(/TWITCH_CLIENT_SECRET must be the Client Secret/);
		expect(error.message).toMatch(/DISCORD_TOKEN must be the bot token/);
		expect(error.message).toMatch(/POLL_INTERVAL_SECONDS must be at least 15/);
		expect(error.message).toMatch(/STORAGE_URL must start with sqlite:\/\//);
		expect(error.message).toMatch(/TWITCH_API_URL/);
		expect(error.message).toMatch(/LOG_LEVEL must be one of/);
		expect(error.message).not.toContain(leaked);
		expect(error.message).not.toContain('not a token');
	});

	it('says what is wrong with every numeric setting in plain words, one problem per setting', () => {
		const wrong = (name: string, value: string) => problemsOf({ ...valid, [name]: value }).problems;
		const seconds = ['POLL_INTERVAL_SECONDS', 'STREAM_END_GRACE_SECONDS', 'NOTIFIER_LEASE_SECONDS'];
		for (const name of seconds) {
			for (const value of ['soon', '1.5', 'Infinity'])
				expect(wrong(name, value)).toEqual([`${name} must be a whole number of seconds`]);
		}
		expect(wrong('HTTP_TIMEOUT_MS', '10s')).toEqual(['HTTP_TIMEOUT_MS must be a whole number of milliseconds']);
		expect(wrong('SHARD_COUNT', '2.5')).toEqual(['SHARD_COUNT must be a whole number']);
		expect(wrong('POLL_INTERVAL_SECONDS', '-1.5')).toEqual(['POLL_INTERVAL_SECONDS must be a whole number of seconds']);
		expect(wrong('POLL_INTERVAL_SECONDS', '10')).toEqual([
			'POLL_INTERVAL_SECONDS must be at least 15 (Twitch asks clients not to poll faster)',
		]);
		expect(wrong('POLL_INTERVAL_SECONDS', '100000')).toEqual(['POLL_INTERVAL_SECONDS must be at most 86400 (one day)']);
		expect(wrong('STREAM_END_GRACE_SECONDS', '-1')).toEqual(['STREAM_END_GRACE_SECONDS must be 0 or more']);
		expect(wrong('STREAM_END_GRACE_SECONDS', '7200')).toEqual([
			'STREAM_END_GRACE_SECONDS must be at most 3600 (one hour)',
		]);
		expect(wrong('HTTP_TIMEOUT_MS', '100')).toEqual(['HTTP_TIMEOUT_MS must be at least 500 (half a second)']);
		expect(wrong('HTTP_TIMEOUT_MS', '120000')).toEqual(['HTTP_TIMEOUT_MS must be at most 60000 (one minute)']);
		expect(wrong('SHARD_COUNT', '0')).toEqual(['SHARD_COUNT must be at least 1']);
		expect(wrong('NOTIFIER_LEASE_SECONDS', '600')).toEqual([
			'NOTIFIER_LEASE_SECONDS must be at most 300 (five minutes)',
		]);
		const everything = problemsOf({
			...valid,
			...Object.fromEntries([...seconds, 'HTTP_TIMEOUT_MS', 'SHARD_COUNT'].map((name) => [name, 'NaN'])),
		});
		expect(everything.problems).toHaveLength(5);
		expect(everything.message).not.toMatch(/expected|received|Invalid input|Too (small|big)|NaN/);
	});

	it('turns the health and metrics server on with HTTP_PORT, on 0.0.0.0 unless HTTP_HOST says otherwise', () => {
		expect(parseConfig({ ...valid, HTTP_PORT: '8080' })).toMatchObject({ httpPort: 8080, httpHost: '0.0.0.0' });
		expect(parseConfig({ ...valid, HTTP_PORT: '0' })).toMatchObject({ httpPort: 0 }); // any free port
		expect(parseConfig({ ...valid, HTTP_PORT: '9464', HTTP_HOST: '127.0.0.1' })).toMatchObject({
			httpPort: 9464,
			httpHost: '127.0.0.1',
		});
		for (const port of ['65536', 'http', '80.5', '-1']) {
			expect(problemsOf({ ...valid, HTTP_PORT: port }).problems).toEqual([
				'HTTP_PORT must be a port number from 0 to 65535',
			]);
		}
	});

	it('leaves LOG_FORMAT to the logger when unset (pretty in a terminal, JSON otherwise), and takes json or pretty', () => {
		expect(parseConfig(valid).logFormat).toBeUndefined();
		expect(parseConfig({ ...valid, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
		expect(parseConfig({ ...valid, LOG_FORMAT: 'json' }).logFormat).toBe('json');
		expect(problemsOf({ ...valid, LOG_FORMAT: 'xml' }).problems).toEqual(['LOG_FORMAT must be json or pretty']);
		expect(problemsOf({ ...valid, LOG_LEVEL: 'loud' }).problems).toEqual([
			'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
		]);
	});

	it('says who cannot go on: the bot at start, or the CLI tool that read the settings', () => {
		expect(problemsOf({}).message).toMatch(/^The bot cannot start: 3 settings are missing or invalid\./);
		const folder = mkdtempSync(join(tmpdir(), 'twitchbot-config-'));
		const saved = { ...process.env };
		try {
			for (const name of ['DISCORD_TOKEN', 'TWITCH_CLIENT_ID', 'TWITCH_CLIENT_SECRET']) delete process.env[name];
			const error = (() => {
				try {
					loadConfig('discord', { envFile: join(folder, '.env'), tool: 'deploy-commands' });
				} catch (caught) {
					return caught as Error;
				}
				throw new Error('expected a ConfigError');
			})();
			expect(error).toBeInstanceOf(ConfigError);
			expect(error.message).toMatch(
				/^deploy-commands cannot run: 1 setting is missing or invalid\.\n {2}- DISCORD_TOKEN/,
			);
			expect(error.message).not.toContain('The bot');
		} finally {
			Object.assign(process.env, saved);
			rmSync(folder, { recursive: true, force: true });
		}
	});

	it('treats blank values as unset and trims the rest', () => {
		const config = parseConfig({ ...valid, DEV_GUILD_ID: '  ', TWITCH_CLIENT_ID: ` ${valid.TWITCH_CLIENT_ID}\n` });
		expect(config.devGuildId).toBeUndefined();
		expect(config.twitchClientId).toBe(valid.TWITCH_CLIENT_ID);
	});

	it('lets the Twitch tools run without a Discord token, and the Discord tools without Twitch credentials', () => {
		expect(
			parseConfig(
				{ TWITCH_CLIENT_ID: valid.TWITCH_CLIENT_ID, TWITCH_CLIENT_SECRET: valid.TWITCH_CLIENT_SECRET },
				'twitch',
			).twitchClientId,
		).toBe(valid.TWITCH_CLIENT_ID);
		expect(parseConfig({ DISCORD_TOKEN: valid.DISCORD_TOKEN }, 'discord').discordToken).toBe(valid.DISCORD_TOKEN);
		expect(problemsOf({ TWITCH_CLIENT_ID: valid.TWITCH_CLIENT_ID }, 'twitch').message).toContain(
			'TWITCH_CLIENT_SECRET',
		);
	});

	it('accepts the local fakes’ URLs and strips trailing slashes', () => {
		const config = parseConfig({
			...valid,
			TWITCH_API_URL: 'http://127.0.0.1:8080/helix/',
			DISCORD_API_URL: 'http://127.0.0.1:9090/api',
		});
		expect(config.twitchApiUrl).toBe('http://127.0.0.1:8080/helix');
		expect(config.discordApiUrl).toBe('http://127.0.0.1:9090/api');
	});

	it('runs the gateway and the notifier in one process by default; BOT_ROLES picks one or both', () => {
		expect(parseConfig(valid)).toMatchObject({
			roles: ['gateway', 'notifier'],
			shardCount: undefined,
			shardIds: undefined,
			notifierLeaseSeconds: 15,
		});
		expect(parseConfig({ ...valid, BOT_ROLES: 'notifier' }).roles).toEqual(['notifier']);
		expect(parseConfig({ ...valid, BOT_ROLES: ' Gateway , notifier,gateway' }).roles).toEqual(['gateway', 'notifier']);
		expect(problemsOf({ ...valid, BOT_ROLES: 'gateway,poller' }).problems).toEqual([
			'BOT_ROLES must be gateway, notifier, or gateway,notifier',
		]);
	});

	it('reads SHARD_IDS as a list of ids and ranges below SHARD_COUNT, and says what is wrong in plain words', () => {
		expect(parseConfig({ ...valid, SHARD_COUNT: '8', SHARD_IDS: '0-2, 5,7' })).toMatchObject({
			shardCount: 8,
			shardIds: [0, 1, 2, 5, 7],
		});
		expect(problemsOf({ ...valid, SHARD_COUNT: '2', SHARD_IDS: '1-0' }).problems).toEqual([
			'SHARD_IDS must be shard ids or ranges, e.g. 0,1 or 0-3 or 4-7,9',
		]);
		expect(problemsOf({ ...valid, SHARD_IDS: '0' }).problems).toEqual([
			'SHARD_IDS needs SHARD_COUNT (how many shards the bot has in all) to be set too',
		]);
		expect(problemsOf({ ...valid, SHARD_COUNT: '2', SHARD_IDS: '2' }).problems).toEqual([
			'SHARD_IDS must be below SHARD_COUNT (shard ids run from 0 to 1)',
		]);
		expect(problemsOf({ ...valid, SHARD_COUNT: 'two' }).problems).toEqual(['SHARD_COUNT must be a whole number']);
	});

	it('takes a blank SHARD_COUNT in .env as unset, for discord.js too (it reads the environment by itself)', () => {
		const folder = mkdtempSync(join(tmpdir(), 'twitchbot-config-'));
		const saved = { ...process.env };
		try {
			const envFile = join(folder, '.env');
			writeFileSync(
				envFile,
				Object.entries({ ...valid, SHARD_COUNT: '' })
					.map(([name, value]) => `${name}=${value}`)
					.join('\n'),
			);
			const config = loadConfig('bot', { envFile });
			expect(config.shardCount).toBeUndefined();
			const client = new Client({ intents: [], ...gatewayShardOptions(config) });
			expect(client.options.shards).toBe('auto');
			void client.destroy();
		} finally {
			for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
			Object.assign(process.env, saved);
			rmSync(folder, { recursive: true, force: true });
		}
	});
});
