import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialsOf, openStore, redactUrl } from '../../src/store/keyv.ts';
import { freePort } from './throwaway-servers.ts';

/** A STORAGE_URL password must never reach stderr, the logs or an error message, in any of the forms a URL can carry it. */

const schemes = ['redis', 'rediss', 'postgres'] as const;

const credentialForms = [
	{
		form: 'scheme://:password@',
		url: (scheme: string) => `${scheme}://:hunter2@db.example:6380/0`,
		keeps: 'db.example:6380/0',
	},
	{
		form: 'scheme://user:password@',
		url: (scheme: string) => `${scheme}://bot:hunter2@db.example:6380/0`,
		keeps: 'bot:',
	},
	{
		form: '?password=',
		url: (scheme: string) => `${scheme}://db.example:6380/0?password=hunter2`,
		keeps: 'db.example',
	},
	{
		form: '&password=',
		url: (scheme: string) => `${scheme}://db.example/0?tls=true&password=hunter2&x=1`,
		keeps: '&x=1',
	},
];

describe.each(schemes)('redactUrl on %s URLs', (scheme) => {
	it.each(credentialForms)('hides the password given as $form and keeps the rest', ({ url, keeps }) => {
		const redacted = redactUrl(url(scheme));
		expect(redacted).not.toContain('hunter2');
		expect(redacted).toContain('***');
		expect(redacted).toContain(keeps);
		expect(redacted.startsWith(`${scheme}://`)).toBe(true);
	});

	it.each(credentialForms)('names the password given as $form as a secret to scrub from logs', ({ url }) => {
		expect(credentialsOf(url(scheme))).toEqual(['hunter2']);
	});
});

describe('redactUrl', () => {
	it('keeps the exact shape of a URL: user, host, port, path', () => {
		expect(redactUrl('postgres://bot:s3cret@db:5432/bot')).toBe('postgres://bot:***@db:5432/bot');
		expect(redactUrl('redis://:s3cret@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379');
		expect(redactUrl('postgres://db/bot?sslmode=require&password=s3cret')).toBe(
			'postgres://db/bot?sslmode=require&password=***',
		);
	});

	it('leaves URLs without a password alone', () => {
		for (const url of ['redis://127.0.0.1:6379', 'postgres://bot@db:5432/bot', 'sqlite://data/bot.sqlite']) {
			expect(redactUrl(url)).toBe(url);
		}
	});

	it('hides a password holding an unencoded @ up to the last @ of the host part', () => {
		expect(redactUrl('redis://:p@ss@cache:6379/0')).toBe('redis://:***@cache:6379/0');
	});

	it('hides every URL password quoted inside a client error message', () => {
		const message =
			'connect to redis://:hunter2@cache:6379 failed, then rediss://bot:hunter2@replica:6380 and postgres://x/db?password=hunter2 too';
		const redacted = redactUrl(message);
		expect(redacted).not.toContain('hunter2');
		expect(redacted).toBe(
			'connect to redis://:***@cache:6379 failed, then rediss://bot:***@replica:6380 and postgres://x/db?password=*** too',
		);
	});
});

describe('credentialsOf', () => {
	it('gives a percent-encoded password both as written and decoded', () => {
		expect(credentialsOf('redis://:p%40ss%2Fword@cache:6379')).toEqual(['p%40ss%2Fword', 'p@ss/word']);
	});

	it('finds nothing in a URL without a password', () => {
		expect(credentialsOf('redis://127.0.0.1:6379')).toEqual([]);
		expect(credentialsOf('postgres://bot@db/bot')).toEqual([]);
		expect(credentialsOf('sqlite://data/bot.sqlite')).toEqual([]);
	});
});

describe('openStore failures', () => {
	it.each([
		{ form: 'redis://:password@', url: (port: number) => `redis://:hunter2@127.0.0.1:${port}` },
		{ form: 'redis://user:password@', url: (port: number) => `redis://bot:hunter2@127.0.0.1:${port}` },
		{ form: 'postgres://user:password@', url: (port: number) => `postgres://bot:hunter2@127.0.0.1:${port}/bot` },
		{ form: 'postgres ?password=', url: (port: number) => `postgres://bot@127.0.0.1:${port}/bot?password=hunter2` },
	])('say which store is unreachable and why, without the password given as $form', async ({ url }) => {
		const port = await freePort();
		const error = (await openStore(url(port), { deadlineMs: 1_000 }).catch((caught: unknown) => caught)) as Error;
		expect(error).toBeInstanceOf(Error);
		expect(error.message).toMatch(/^Cannot open the (redis|postgres) store at (redis|postgres):\/\/.*\*\*\*/);
		expect(error.message).toContain(`127.0.0.1:${port}`);
		expect(error.message).toContain('ECONNREFUSED');
		expect(error.message).not.toContain('hunter2');
	});
});

describe('npm start with a Redis password in STORAGE_URL', () => {
	const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
	const folders: string[] = [];
	afterEach(() => {
		for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
	});

	it('says once, in the log, why the store cannot be opened, never the password', async () => {
		const port = await freePort();
		const folder = mkdtempSync(join(tmpdir(), 'twitchbot-redaction-'));
		folders.push(folder);
		const child = spawn(process.execPath, [entry], {
			cwd: folder,
			env: {
				PATH: process.env.PATH ?? '',
				DISCORD_TOKEN: 'MTAwMDAwMDAwMDAwMDAwMDAw.GfAkEd.fake_bot_token_for_local_tests_only',
				TWITCH_CLIENT_ID: 'fakeclientid0000000000000000000',
				TWITCH_CLIENT_SECRET: 'fakeclientsecret00000000000000',
				// Nothing listens there: the bot must fail on the store before it talks to anyone.
				TWITCH_API_URL: 'http://127.0.0.1:9/helix',
				TWITCH_AUTH_URL: 'http://127.0.0.1:9/oauth2',
				DISCORD_API_URL: 'http://127.0.0.1:9/api',
				STORAGE_URL: `redis://:hunter2@127.0.0.1:${port}`,
				LOG_LEVEL: 'info',
			},
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => {
			stdout += chunk;
		});
		child.stderr.on('data', (chunk) => {
			stderr += chunk;
		});
		const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
		expect(code).toBe(1);
		// Neither stream is a terminal: JSON log lines on stdout, and the fatal one is not repeated on stderr.
		const fatal = stdout.split('\n').filter((line) => line.includes('"level":60'));
		expect(fatal).toHaveLength(1);
		expect(fatal[0]).toContain(`Cannot open the redis store at redis://:***@127.0.0.1:${port}`);
		expect(fatal[0]).toContain('ECONNREFUSED');
		expect(fatal[0]).toContain('Check STORAGE_URL');
		expect(stderr).toBe('');
		expect(stdout).not.toContain('hunter2');
		expect(stderr).not.toContain('hunter2');
	}, 20_000);
});
