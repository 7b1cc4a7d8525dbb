import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTypedCommand, type ServerDirectory, splitWords } from '../scripts/typed-slash-command.ts';
import type { CommandDefinition } from '../src/discord/command.ts';
import { loadCommands } from '../src/discord/command-loader.ts';
import { commandJson } from '../src/discord/command-schema.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `node scripts/try.ts` with piped stdin, its output collected as it comes. */
function startTry() {
	const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['scripts/try.ts'], {
		cwd: ROOT,
		env: { ...process.env, NO_COLOR: '1', TRY_VERBOSE: '' },
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	return {
		type: (...lines: string[]) => child.stdin.write(lines.map((line) => `${line}\n`).join('')),
		get stdout() {
			return stdout;
		},
		/** Resolves with the output once it matches `pattern`; fails with what was printed after `ms`. */
		async waitFor(pattern: RegExp, ms = 10_000): Promise<string> {
			const started = Date.now();
			while (!pattern.test(stdout)) {
				if (Date.now() - started > ms) throw new Error(`no ${pattern} within ${ms} ms:\n${stdout}\n${stderr}`);
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			return stdout;
		},
		/** The exit code, or a failure if the process is still running after `ms` (it is then killed). */
		async exitCode(ms = 10_000): Promise<number | null> {
			let timer: NodeJS.Timeout | undefined;
			const late = new Promise<never>((_, reject) => {
				timer = setTimeout(() => {
					child.kill('SIGKILL');
					reject(new Error(`still running after ${ms} ms:\n${stdout}\n${stderr}`));
				}, ms);
			});
			try {
				return await Promise.race([exited, late]);
			} finally {
				clearTimeout(timer);
			}
		},
	};
}

describe('npm run try', () => {
	it('adds a watch, announces a go-live in the chosen channel, answers /live, and quits with 0', async () => {
		const session = startTry();
		session.type('/watch add channel:pixelpaws post-in:#alerts', 'live pixelpaws Speedrun Celeste');
		await session.waitFor(/#alerts {2}Fake Bot posts:\n.*PixelPaws is live/);
		session.type('/live channel:pixelpaws', '/nope', '/watch add chanel:pixelpaws', 'quit');
		expect(await session.exitCode()).toBe(0);
		const out = session.stdout;

		// What it started, with settings the bot's config check accepted.
		expect(out).toMatch(/fake Twitch +http:\/\/127\.0\.0\.1:\d+/);
		expect(out).toMatch(/fake Discord +http:\/\/127\.0\.0\.1:\d+\/api/);
		expect(out).toContain('DISCORD_TOKEN=');
		expect(out).toMatch(/STORAGE_URL=sqlite:\/\/\S+bot\.sqlite/);

		const reply = (typed: string) => out.slice(out.indexOf(`> ${typed}`)).split('\n> ')[0] ?? '';
		expect(reply('/watch add channel:pixelpaws')).toContain('Watching PixelPaws');
		expect(reply('/watch add channel:pixelpaws')).toContain('#alerts');
		const goLive = reply('live pixelpaws');
		expect(goLive).toContain('Twitch: PixelPaws goes live — “Speedrun” · Celeste');
		expect(goLive).toMatch(/#alerts {2}Fake Bot posts:\n.*PixelPaws is live: Speedrun/);
		expect(reply('/live channel:pixelpaws')).toMatch(/Fake Bot answers:\n.*PixelPaws is live on Twitch/);
		expect(reply('/live channel:pixelpaws')).toContain('Celeste');

		expect(reply('/nope')).toContain(
			'Unknown command /nope. Commands: /clips /help /live /search /streams /topgames /user /watch',
		);
		expect(reply('/watch add chanel:pixelpaws')).toContain(
			'/watch add has no option "chanel". Options: channel (text, required), post-in (#channel)',
		);
		expect(out).toContain('The bot is stopped, the fakes are closed and the store is deleted.');
	}, 30_000);

	it('says which commands exist when a word is not one', async () => {
		const session = startTry();
		session.type('fly pixelpaws', 'live nobody', 'quit');
		expect(await session.exitCode()).toBe(0);
		expect(session.stdout).toContain(
			'Unknown command "fly". Type a slash command (/help, /live channel:…, /watch add channel:…) or one of: live, offline, users, channels, poll, help, quit',
		);
		expect(session.stdout).toContain('No Twitch user "nobody". Users: pixelpaws, nightowl');
	}, 30_000);
});

describe('a typed slash command', () => {
	let definitions: CommandDefinition[];
	const server: ServerDirectory = {
		channels: [
			{ id: '100000000000000001', name: 'general', type: 0 },
			{ id: '100000000000000002', name: 'alerts', type: 0 },
			{ id: '100000000000000003', name: 'Voice', type: 2 },
		],
		roles: [{ id: '200000000000000001', name: 'Stream alerts' }],
		members: [{ id: '300000000000000001', name: 'Ada' }],
	};
	beforeAll(async () => {
		definitions = [...(await loadCommands()).values()].map(commandJson);
	});
	const parse = (line: string) => parseTypedCommand(line, definitions, server);

	it('splits words on spaces, keeping quoted text together without its quotes', () => {
		expect(splitWords('/watch add message:"{streamer} is live!"  channel:a\\"b')).toEqual([
			'/watch',
			'add',
			'message:{streamer} is live!',
			'channel:a"b',
		]);
		expect(() => splitWords('/live channel:"open')).toThrow('A quote is not closed');
	});

	it('reads subcommands and gives channel and role options their ids', () => {
		expect(parse('/watch add channel:pixelpaws post-in:#alerts role:@Stream alerts')).toEqual({
			name: 'watch',
			subcommand: 'add',
			options: { channel: 'pixelpaws', 'post-in': '100000000000000002', role: '200000000000000001' },
		});
		expect(parse('/watch add channel:pixelpaws message:"{streamer}: live at 10:30"').options).toEqual({
			channel: 'pixelpaws',
			message: '{streamer}: live at 10:30',
		});
	});

	it('reads /watch category with a typed game name and a hyphenated integer option', () => {
		expect(parse('/watch category game:Celeste min-viewers:10')).toEqual({
			name: 'watch',
			subcommand: 'category',
			options: { game: 'Celeste', 'min-viewers': 10 },
		});
		expect(parse('/watch category game:Just Chatting language:de title-keyword:any% run').options).toEqual({
			game: 'Just Chatting',
			language: 'de',
			'title-keyword': 'any% run',
		});
		expect(() => parse('/watch category game:Celeste min-viewers:-1')).toThrow('min-viewers: at least 0');
	});

	it('types integers, booleans and choices as Discord sends them', () => {
		expect(parse('/topgames count:5').options).toEqual({ count: 5 });
		expect(parse('/search query:chess live:yes').options).toEqual({ query: 'chess', live: true });
		expect(parse('/clips channel:pixelpaws period:Last 7 days').options).toEqual({
			channel: 'pixelpaws',
			period: 'week',
		});
	});

	it('refuses what Discord’s client would not send, in one line saying what exists', () => {
		expect(() => parse('/watch')).toThrow('/watch needs a subcommand: add, category, remove, list, test, settings');
		expect(() => parse('/watch add post-in:#alerts')).toThrow('/watch add needs channel:…');
		expect(() => parse('/watch add channel:x post-in:#random')).toThrow(
			'/watch add post-in: no channel #random in this server. Channels: #general #alerts #Voice',
		);
		expect(() => parse('/watch add channel:x post-in:#Voice')).toThrow('#Voice is not a channel this option accepts');
		expect(() => parse('/topgames count:50')).toThrow('/topgames count: at most 25');
		expect(() => parse('/live pixelpaws')).toThrow('/live: "pixelpaws" is not an option');
	});
});
