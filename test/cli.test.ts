import { spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatChecks, runDoctor } from '../src/cli/doctor.ts';
import { runTwitchVerb } from '../src/cli/twitch.ts';
import { parseConfig } from '../src/config.ts';
import { describeDeployError } from '../src/discord/deploy-commands.ts';
import { openStore } from '../src/store/keyv.ts';
import { WatchRepository } from '../src/store/watch-repository.ts';
import type { TwitchClient } from '../src/twitch/client.ts';
import { freePort } from './store/throwaway-servers.ts';
import { createWorld, FAKE_CLIENT_SECRET, type World } from './support/bot-world.ts';
import { watchOfUser } from './support/fixtures.ts';
import { clientFor } from './twitch/helpers.ts';

let world: World;
let twitch: TwitchClient;
beforeEach(async () => {
	world = await createWorld();
	twitch = clientFor(world.twitch);
});
afterEach(async () => {
	await twitch.close();
	await world.close();
});

describe('npm run twitch', () => {
	it('lists users and says which logins do not exist', async () => {
		world.twitch.addUser({ login: 'alpha', display_name: 'Alpha' });
		const output = await runTwitchVerb(twitch, 'users', ['alpha', 'ghost'], {});
		expect(output.text).toContain('Alpha (alpha)');
		expect(output.text).toContain('ghost: no such channel');
		expect(output.json).toMatchObject({ missing: ['ghost'] });
	});

	it('tells live from offline channels', async () => {
		const id = world.twitch.addUser({ login: 'alpha' }).id;
		world.twitch.addUser({ login: 'beta' });
		world.twitch.goLive(id, { title: 'Hello', game_name: 'Chess' });
		const output = await runTwitchVerb(twitch, 'live', ['alpha', 'beta'], {});
		expect(output.text).toMatch(/alpha: LIVE — Hello \[Chess\]/i);
		expect(output.text).toContain('beta: offline');
	});

	it('prints top games, search results and the token validation', async () => {
		world.twitch.addGame({ name: 'Chess' });
		world.twitch.addUser({ login: 'chessbrah' });
		expect((await runTwitchVerb(twitch, 'top-games', [], { first: 5 })).text).toContain('1. Chess');
		expect((await runTwitchVerb(twitch, 'search', ['chess'], {})).text).toContain('chessbrah');
		expect((await runTwitchVerb(twitch, 'validate', [], {})).text).toMatch(/Token valid for client/);
	});

	it('rejects an unknown verb with the usage', async () => {
		await expect(runTwitchVerb(twitch, 'dance', [], {})).rejects.toThrow(/Unknown verb .*Usage/s);
	});
});

describe('npm run doctor', () => {
	it('passes every check against working Twitch and Discord, and prints the invite link', async () => {
		const checks = await runDoctor((scope) => parseConfig(world.env, scope));
		expect(checks.filter((check) => !check.ok)).toEqual([]);
		const report = formatChecks(checks);
		expect(report).toContain('All checks passed');
		expect(report).toContain('https://discord.com/oauth2/authorize?');
	});

	it('names the fix for a wrong Twitch secret and a missing Discord token, without printing secrets', async () => {
		const env = { ...world.env, TWITCH_CLIENT_SECRET: 'wrongsecretwrongsecret00', DISCORD_TOKEN: '' };
		const checks = await runDoctor((scope) => parseConfig(env, scope));
		const report = formatChecks(checks);
		expect(report).toContain('✗ settings: DISCORD_TOKEN is required but not set');
		expect(report).toMatch(/✗ twitch: Twitch rejected TWITCH_CLIENT_SECRET/);
		expect(report).not.toContain('wrongsecretwrongsecret00');
		expect(report).not.toContain(FAKE_CLIENT_SECRET);
		expect(report).toMatch(/problems? to fix/);
	});
});

describe('doctor with a wrong secret and a cached token', () => {
	it('checks TWITCH_CLIENT_SECRET itself, reports it as wrong and exits 1, though the stored token still works', async () => {
		// The bot ran once with the right secret: its app token is in the store, valid for two months.
		const store = await openStore(world.env.STORAGE_URL ?? '');
		const bot = clientFor(world.twitch, { store: store.keyv });
		const cached = await bot.tokens.getToken();
		await bot.close();
		await store.close();
		expect(world.twitch.tokens.has(cached)).toBe(true);

		const env = { ...world.env, TWITCH_CLIENT_SECRET: 'wrongsecretwrongsecret00' };
		const report = formatChecks(await runDoctor((scope) => parseConfig(env, scope)));
		expect(report).toMatch(/✗ twitch: Twitch rejected TWITCH_CLIENT_SECRET/);
		expect(report).not.toContain('✓ twitch secret');
		expect(report).not.toContain('wrongsecretwrongsecret00');

		const doctor = await runTool('src/cli/doctor.ts', [], env, world.dataDir);
		expect(doctor.code).toBe(1);
		expect(doctor.stdout).toMatch(/✗ twitch: Twitch rejected TWITCH_CLIENT_SECRET/);
		expect(world.twitch.tokens.has(cached)).toBe(true);
	});

	it('with the right secret, mints a token of its own, validates it and revokes it, leaving the cached one alone', async () => {
		const store = await openStore(world.env.STORAGE_URL ?? '');
		const bot = clientFor(world.twitch, { store: store.keyv });
		const cached = await bot.tokens.getToken();
		await bot.close();
		await store.close();
		const mintsBefore = world.twitch.stats.mints;

		const report = formatChecks(await runDoctor((scope) => parseConfig(world.env, scope)));
		expect(report).toContain(
			'✓ twitch secret: TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET work: Twitch gave a new app access token for them',
		);
		expect(report).toContain("✓ twitch revoke: the doctor's token is revoked again");
		expect(world.twitch.stats.mints).toBe(mintsBefore + 1);
		expect([...world.twitch.tokens.keys()]).toEqual([cached]);
	});
});

describe('npm run doctor: EventSub', () => {
	const doctor = async (env: Record<string, string> = world.env) => {
		const checks = await runDoctor((scope) => parseConfig(env, scope));
		return { checks, report: formatChecks(checks) };
	};
	/** Watches of these logins in the bot's store, one guild each, before the bot starts. */
	const watchInStore = async (...logins: string[]) => {
		const store = await openStore(world.env.STORAGE_URL ?? '');
		const watches = new WatchRepository(store);
		const users = logins.map((login) => world.twitch.addUser({ login }));
		for (const [index, user] of users.entries()) {
			await watches.add(watchOfUser(`20000000000000000${index}`, user, `21000000000000000${index}`), 100);
		}
		await store.close();
		return users;
	};
	const enabledSubscriptions = () =>
		world.twitch.eventsub.subscriptions.filter((subscription) => subscription.status === 'enabled').length;
	const attachedShards = () =>
		[...world.twitch.eventsub.shards.values()].flat().filter((shard) => shard.status === 'enabled').length;

	it('on a fresh app, says the conduit is created at the first start and creates none itself', async () => {
		const { checks, report } = await doctor();
		expect(checks.filter((check) => !check.ok)).toEqual([]);
		expect(report).toContain("✓ eventsub conduit: none yet: created at the bot's first start");
		expect(report).toContain('✓ eventsub subscriptions: none yet');
		expect(report).toContain('✓ eventsub budget: cost 0 of 10,000 (total_cost / max_total_cost): 5,000 channels fit');
		expect(report).not.toContain('eventsub shard 0');
		expect(world.twitch.eventsub.conduits).toEqual([]);
	});

	it('shows the conduit, the attached shard, the subscriptions by type and status, and the cost', async () => {
		const [first] = await watchInStore('alpha', 'beta');
		const bot = await world.startBot();
		await waitFor(() => enabledSubscriptions() === 4 && attachedShards() === 1);
		const online = world.twitch.eventsub.subscriptions.find(
			(subscription) =>
				subscription.type === 'stream.online' && subscription.condition.broadcaster_user_id === first?.id,
		);
		world.twitch.eventsub.revoke(online?.id ?? '');
		const conduit = world.twitch.eventsub.conduits[0];
		const session = world.twitch.eventsub.sessions.find((candidate) => candidate.attached);

		const { checks, report } = await doctor();
		expect(checks.filter((check) => !check.ok)).toEqual([]);
		expect(report).toContain(`✓ eventsub conduit: ${conduit?.id} (1 shard), the one the bot keeps in its store`);
		expect(report).toContain(`✓ eventsub shard 0: enabled: session ${session?.id} attached since`);
		expect(report).toContain('✓ eventsub subscriptions: 2 stream.online, 2 stream.offline; 3 enabled, 1 revoked');
		expect(report).toContain('✓ eventsub coverage: 2 watched channels: 1 instant (EventSub), 1 found by polling alone');
		expect(report).toContain('✓ eventsub budget: cost 3 of 10,000');
		expect(report).toContain('room for 4,998 more');

		await bot.stop();
		const stopped = await doctor();
		expect(stopped.report).toMatch(
			/✓ eventsub shard 0: websocket_disconnected \(its last session closed at .+\): expected while the bot is stopped/,
		);
		expect(stopped.report).not.toContain(FAKE_CLIENT_SECRET);
		expect(stopped.report).not.toContain(world.env.DISCORD_TOKEN);
	});

	it('warns when watched channels do not fit the budget, and says how many stay on polling', async () => {
		world.twitch.eventsub.setMaxTotalCost(2);
		await watchInStore('alpha', 'beta', 'gamma');
		const bot = await world.startBot();
		await waitFor(() => enabledSubscriptions() === 2 && attachedShards() === 1);
		await bot.context.notifier?.eventsub?.reconcile();

		const { checks, report } = await doctor();
		expect(checks.filter((check) => !check.ok)).toEqual([]);
		expect(report).toContain('✓ eventsub coverage: 3 watched channels: 1 instant (EventSub), 2 found by polling alone');
		expect(report).toMatch(
			/! eventsub budget: cost 2 of 2 .*room for 0 more; 2 watched channels do not fit and stay on polling/,
		);
		expect(report).toContain('All checks passed (1 warning above, marked !)');
	});

	it("fails with the fix when the client id has Twitch's 5 conduits and none is the bot's", async () => {
		for (let made = 0; made < 5; made++) await twitch.eventsub.createConduit(1);
		const { checks, report } = await doctor();
		expect(checks.filter((check) => !check.ok).map((check) => check.what)).toEqual(['eventsub conduit']);
		expect(report).toMatch(
			/✗ eventsub conduit: this client id has 5 conduits, Twitch's limit, and none is the one this bot stored.*Delete the conduits nothing uses/,
		);
		expect(world.twitch.eventsub.conduits).toHaveLength(5);
	});

	it('skips EventSub with a note when the Twitch app token cannot be had (a Public client)', async () => {
		const publicApp = world.twitch.addClient({ clientType: 'public' });
		const env = { ...world.env, TWITCH_CLIENT_ID: publicApp.clientId, TWITCH_CLIENT_SECRET: publicApp.clientSecret };
		const { report } = await doctor(env);
		expect(report).toMatch(/✗ twitch: .*Client Type is "Confidential"/);
		expect(report).toContain('! eventsub: not checked: it needs the Twitch app token above');
		expect(report).not.toContain(publicApp.clientSecret);
	});

	it('says go-lives come from polling alone when TWITCH_EVENTSUB is off', async () => {
		const { checks, report } = await doctor({ ...world.env, TWITCH_EVENTSUB: 'off' });
		expect(checks.filter((check) => check.what.startsWith('eventsub'))).toHaveLength(1);
		expect(report).toContain(
			'✓ eventsub: off (TWITCH_EVENTSUB=off): go-lives are found by polling alone, up to 60 s late',
		);
	});
});

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
	for (let waited = 0; !check(); waited += 20) {
		if (waited > timeoutMs) throw new Error('timed out waiting for the bot');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** Runs one of the tools as `npm run` does (in a folder without .env), to its exit code and output. */
function runTool(
	script: string,
	args: string[],
	env: Record<string, string>,
	cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
	const child = spawn(process.execPath, [fileURLToPath(new URL(`../${script}`, import.meta.url)), ...args], {
		env: { PATH: process.env.PATH ?? '', ...env },
		cwd,
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk) => {
		stdout += chunk;
	});
	child.stderr.on('data', (chunk) => {
		stderr += chunk;
	});
	return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('the CLI tools speak for themselves, in plain words', () => {
	it('npm run twitch -- --help prints the usage and exits 0; a command line it cannot run exits 2', async () => {
		const twitchTool = (...args: string[]) => runTool('src/cli/twitch.ts', args, {}, world.dataDir);
		for (const help of ['--help', '-h', 'help']) {
			const shown = await twitchTool(help);
			expect(shown).toMatchObject({ code: 0, stderr: '' });
			expect(shown.stdout).toMatch(/^Usage: npm run twitch -- <verb>/);
		}
		expect(await twitchTool()).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^Usage:/) });
		expect(await twitchTool('dance')).toMatchObject({
			code: 2,
			stderr: expect.stringMatching(/^Unknown verb “dance”/),
		});
		const typo = await twitchTool('top-games', '--frist', '3');
		expect(typo.code).toBe(2);
		expect(typo.stderr).toMatch(/^Unknown option '--frist'\.\n\nUsage:/);
		expect(typo.stderr).not.toContain('positional argument');
		expect(await twitchTool('top-games', '--first', 'ten')).toMatchObject({ code: 2 });
	});

	it('names the tool, not the bot, when its settings are missing', async () => {
		const twitchTool = await runTool('src/cli/twitch.ts', ['validate'], {}, world.dataDir);
		expect(twitchTool.code).toBe(1);
		expect(twitchTool.stderr).toMatch(/^twitch cannot run: 2 settings are missing or invalid\./);
		const deploy = await runTool('src/discord/deploy-commands.ts', [], {}, world.dataDir);
		expect(deploy.code).toBe(1);
		expect(deploy.stderr).toMatch(
			/^deploy-commands cannot run: 1 setting is missing or invalid\.\n {2}- DISCORD_TOKEN/,
		);
		for (const output of [twitchTool.stderr, deploy.stderr]) {
			expect(output).not.toContain('The bot cannot start');
			expect(output).not.toMatch(/\n\s+at /);
		}
	});

	it('says Discord did not answer in time, instead of "Cannot reach Discord (20)"', async () => {
		// What discord.js's REST client throws when its timeout aborts a request: a DOMException whose code is 20.
		const timedOut = new DOMException('This operation was aborted', 'AbortError');
		const config = { discordApplicationId: undefined, devGuildId: undefined, discordApiUrl: 'https://discord.com/api' };
		const message = describeDeployError(timedOut, { config });
		expect(message).toBe(
			"Discord did not answer at https://discord.com/api within 10 seconds: Discord may be having trouble, or the network is slow or blocked. Check this machine's network connection (and DISCORD_API_URL, if you set it), then try again.",
		);
		expect(message).not.toContain('(20)');
	});

	it('doctor says in words that Discord refused the connection, or did not answer within HTTP_TIMEOUT_MS', async () => {
		const closed = await freePort();
		const refused = formatChecks(
			await runDoctor((scope) =>
				parseConfig({ ...world.env, DISCORD_API_URL: `http://127.0.0.1:${closed}/api` }, scope),
			),
		);
		expect(refused).toContain(
			`✗ discord: Nothing accepts connections at http://127.0.0.1:${closed}/api (the connection was refused).`,
		);
		const silent = createServer(() => {});
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		try {
			const { port } = silent.address() as AddressInfo;
			const env = { ...world.env, DISCORD_API_URL: `http://127.0.0.1:${port}/api`, HTTP_TIMEOUT_MS: '500' };
			const report = formatChecks(await runDoctor((scope) => parseConfig(env, scope)));
			expect(report).toContain(`✗ discord: Discord did not answer at http://127.0.0.1:${port}/api within 0.5 seconds`);
		} finally {
			silent.close();
		}
	});
});

describe('npm start', () => {
	const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
	const children: ReturnType<typeof spawn>[] = [];
	const run = (env: Record<string, string>) => {
		const child = spawn(process.execPath, [entry], {
			env: { PATH: process.env.PATH ?? '', ...env },
			cwd: world.dataDir,
		});
		children.push(child);
		return child;
	};
	// A failed assertion must not leave a bot running after the test.
	afterEach(() => {
		for (const child of children.splice(0))
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	});

	it('exits 1 with one readable message naming every missing setting', async () => {
		const child = run({});
		let stderr = '';
		child.stderr.on('data', (chunk) => {
			stderr += chunk;
		});
		const code = await new Promise((resolve) => child.on('exit', resolve));
		expect(code).toBe(1);
		expect(stderr).toContain('DISCORD_TOKEN is required but not set');
		expect(stderr).toContain('.env.example');
		expect(stderr).not.toMatch(/\n\s+at /);
	});

	it('connects, then shuts down cleanly on SIGTERM with exit code 0', async () => {
		const child = run({ ...world.env, LOG_LEVEL: 'info' });
		let stdout = '';
		const connected = new Promise<void>((resolve, reject) => {
			child.stdout.on('data', (chunk) => {
				stdout += chunk;
				if (stdout.includes('connected to Discord') && stdout.includes('the bot is in no server yet')) resolve();
			});
			child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${stdout}`)));
		});
		await connected;
		expect(stdout).toContain('the bot is in no server yet');
		child.kill('SIGTERM');
		const code = await new Promise((resolve) => child.on('exit', resolve));
		expect(code).toBe(0);
		expect(stdout).toContain('shut down cleanly');
		expect(stdout).not.toContain(world.env.DISCORD_TOKEN);
		expect(stdout).not.toContain(FAKE_CLIENT_SECRET);
	});

	it('stops within 8 s of SIGTERM while a go-live post hangs, and posts it once at the next start', async () => {
		const guild = world.discord.addGuild({ name: 'Hangs' });
		const channel = world.discord.addChannel(guild.id, { name: 'live' });
		const user = world.twitch.addUser({ login: 'hanger' });
		const store = await openStore(world.env.STORAGE_URL ?? '');
		await new WatchRepository(store).add(watchOfUser(guild.id, user, channel.id), 100);
		await store.close();
		world.twitch.goLive(user.id);
		const route = `POST /channels/${channel.id}/messages`;
		world.discord.failNext(route, { status: 0, hang: true }, 2); // both attempts of the first run

		const child = run({ ...world.env, LOG_LEVEL: 'info' });
		let stdout = '';
		child.stdout.on('data', (chunk) => {
			stdout += chunk;
		});
		const posting = () => world.discord.restLog.some((entry) => `${entry.method} ${entry.path}` === route);
		for (let waited = 0; !posting(); waited += 20) {
			if (waited > 20_000) throw new Error(`the bot never tried to post: ${stdout}`);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		const signalled = performance.now();
		child.kill('SIGTERM');
		const code = await new Promise((resolve) => child.on('exit', resolve));
		const tookMs = performance.now() - signalled;

		expect(code).toBe(0);
		expect(tookMs).toBeLessThan(8_000);
		expect(stdout).toContain('the next start takes it up');
		expect(world.discord.channelMessages(channel.id)).toEqual([]);

		const again = run({ ...world.env, LOG_LEVEL: 'info' });
		await world.discord.waitForMessage((message) => message.channelId === channel.id, 20_000);
		again.kill('SIGTERM');
		await new Promise((resolve) => again.on('exit', resolve));
		expect(world.discord.channelMessages(channel.id)).toHaveLength(1);
	}, 60_000);
});
