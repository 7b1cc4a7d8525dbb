import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';

function capture(secrets: string[] = []) {
	const lines: string[] = [];
	const logger = createLogger({
		level: 'info',
		format: 'json',
		secrets,
		destination: { write: (line: string) => lines.push(line) },
	});
	return { logger, lines };
}

describe('logging', () => {
	it('writes JSON lines', () => {
		const { logger, lines } = capture();
		logger.info({ guildId: '1' }, 'hello');
		expect(JSON.parse(lines[0] ?? '')).toMatchObject({ msg: 'hello', guildId: '1', level: 30 });
	});

	it('redacts tokens and secrets in logged objects', () => {
		const { logger, lines } = capture();
		logger.info(
			{
				accessToken: 'tok_123456',
				config: { twitchClientSecret: 'sec_123456', discordToken: 'dis_123456' },
				headers: { authorization: 'Bearer tok_123456' },
			},
			'objects',
		);
		const text = lines.join('');
		expect(text).not.toMatch(/tok_123456|sec_123456|dis_123456/);
		expect(text).toContain('[REDACTED]');
	});

	it('scrubs known secret values from messages and error stacks', () => {
		const secret = 'MTAwMDAwMDAwMDAwMDAwMDAw.GfAkEd.secret';
		const { logger, lines } = capture([secret]);
		logger.error({ err: new Error(`login failed with ${secret}`) }, `token ${secret} rejected`);
		expect(lines.join('')).not.toContain(secret);
	});

	it('scrubs a secret from every field of a line: nested objects, an error’s own fields and its cause', () => {
		const password = 'hunter2-storage';
		const { logger, lines } = capture([password]);
		const cause = new Error(`AUTH ${password} rejected`);
		const error = Object.assign(new Error('cannot connect', { cause }), { url: `redis://:${password}@cache:6379` });
		logger
			.child({ storage: { url: `redis://:${password}@cache:6379` } })
			.error({ err: error, attempt: { password } }, 'store');
		expect(lines).toHaveLength(1);
		expect(lines[0]).not.toContain(password);
		expect(JSON.parse(lines[0] ?? '')).toMatchObject({ storage: { url: 'redis://:[REDACTED]@cache:6379' } });
	});

	it('scrubs a secret holding characters that JSON escapes', () => {
		const password = 'pa"ss\\word';
		const { logger, lines } = capture([password]);
		logger.info({ detail: `login with ${password}` }, 'escaped');
		expect(JSON.parse(lines[0] ?? '').detail).toBe('login with [REDACTED]');
	});
});

describe('log format', () => {
	function lines(options: { format?: 'json' | 'pretty'; terminal: boolean }) {
		const written: string[] = [];
		const logger = createLogger({
			level: 'info',
			...options,
			destination: { write: (line: string) => written.push(line) },
		});
		logger.info({ guildId: '1' }, 'hello there');
		return written.join('');
	}

	it('is readable lines in a terminal and JSON otherwise when LOG_FORMAT is unset', () => {
		const pretty = lines({ terminal: true });
		expect(pretty).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: hello there\n/);
		expect(pretty).toContain('guildId: "1"');
		expect(() => JSON.parse(pretty)).toThrow();

		const json = lines({ terminal: false });
		expect(JSON.parse(json)).toMatchObject({ msg: 'hello there', guildId: '1', level: 30 });
	});

	it('follows LOG_FORMAT when it is set, terminal or not', () => {
		expect(JSON.parse(lines({ format: 'json', terminal: true }))).toMatchObject({ msg: 'hello there' });
		expect(lines({ format: 'pretty', terminal: false })).toMatch(/INFO: hello there/);
	});

	it('scrubs secrets from pretty lines too', () => {
		const written: string[] = [];
		const secret = 'hunter2-pretty-secret';
		const logger = createLogger({
			level: 'info',
			format: 'pretty',
			secrets: [secret],
			destination: { write: (line: string) => written.push(line) },
		});
		logger.error({ err: new Error(`login with ${secret} failed`) }, `token ${secret}`);
		expect(written.join('')).not.toContain(secret);
		expect(written.join('')).toContain('[REDACTED]');
	});
});
