import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { REST } from 'discord.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../src/discord/command.ts';
import { loadCommands } from '../../src/discord/command-loader.ts';
import { deployCommands, describeDeployError } from '../../src/discord/deploy-commands.ts';

const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAw.GsecrT.deploytestdeploytestdeploytest';
const APPLICATION_ID = '100000000000000000';
const GUILD_ID = '200000000000000000';

interface SeenRequest {
	method: string;
	path: string;
	authorization: string | undefined;
	body: unknown;
}

/** A tiny stand-in for Discord's REST API: answers with `respond`, records every request. */
async function startDiscordStub(respond: (request: SeenRequest) => { status: number; body: unknown }) {
	const seen: SeenRequest[] = [];
	const server: Server = createServer(async (req: IncomingMessage, res) => {
		let raw = '';
		for await (const chunk of req) raw += chunk;
		const request: SeenRequest = {
			method: req.method ?? '',
			path: req.url ?? '',
			authorization: req.headers.authorization,
			body: raw ? JSON.parse(raw) : undefined,
		};
		seen.push(request);
		const answer = respond(request);
		res.writeHead(answer.status, { 'content-type': 'application/json' });
		res.end(JSON.stringify(answer.body));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
	return { api, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Answers like Discord: GET /applications/@me → the application, PUT …/commands → the commands as registered. */
function discordLike(request: SeenRequest): { status: number; body: unknown } {
	if (request.method === 'GET' && request.path === '/api/v10/applications/@me') {
		return { status: 200, body: { id: APPLICATION_ID, name: 'Test bot' } };
	}
	if (request.method === 'PUT') {
		const body = request.body as { name: string }[];
		return { status: 200, body: body.map((command, index) => ({ ...command, id: String(300 + index) })) };
	}
	return { status: 404, body: { message: 'Unknown', code: 0 } };
}

let commands: Map<string, Command>;
beforeAll(async () => {
	commands = await loadCommands();
});
const stubs: { close(): Promise<void> }[] = [];
afterEach(async () => {
	await Promise.all(stubs.splice(0).map((stub) => stub.close()));
});

async function stub(respond: Parameters<typeof startDiscordStub>[0] = discordLike) {
	const started = await startDiscordStub(respond);
	stubs.push(started);
	const rest = new REST({ api: started.api, retries: 0 }).setToken(TOKEN);
	return { ...started, rest };
}

describe('deploy-commands', () => {
	it('overwrites the commands of DEV_GUILD_ID when it is set', async () => {
		const discord = await stub();
		const result = await deployCommands({
			config: { discordApplicationId: APPLICATION_ID, devGuildId: GUILD_ID },
			commands,
			rest: discord.rest,
		});
		expect(discord.seen.map((r) => `${r.method} ${r.path}`)).toEqual([
			`PUT /api/v10/applications/${APPLICATION_ID}/guilds/${GUILD_ID}/commands`,
		]);
		expect(discord.seen[0]?.authorization).toBe(`Bot ${TOKEN}`);
		expect((discord.seen[0]!.body as { name: string }[]).map((c) => c.name).sort()).toEqual(
			[...commands.keys()].sort(),
		);
		expect(result).toMatchObject({ scope: 'guild', guildId: GUILD_ID, applicationId: APPLICATION_ID });
		expect(result.registered).toHaveLength(commands.size);
	});

	it('overwrites the global commands when DEV_GUILD_ID is not set', async () => {
		const discord = await stub();
		const result = await deployCommands({
			config: { discordApplicationId: APPLICATION_ID, devGuildId: undefined },
			commands,
			rest: discord.rest,
		});
		expect(discord.seen.map((r) => `${r.method} ${r.path}`)).toEqual([
			`PUT /api/v10/applications/${APPLICATION_ID}/commands`,
		]);
		expect(result.scope).toBe('global');
	});

	it('reads the application id from Discord when DISCORD_APPLICATION_ID is absent', async () => {
		const discord = await stub();
		const result = await deployCommands({
			config: { discordApplicationId: undefined, devGuildId: undefined },
			commands,
			rest: discord.rest,
		});
		expect(discord.seen.map((r) => `${r.method} ${r.path}`)).toEqual([
			'GET /api/v10/applications/@me',
			`PUT /api/v10/applications/${APPLICATION_ID}/commands`,
		]);
		expect(result.applicationId).toBe(APPLICATION_ID);
	});

	it('sends each command as Discord API JSON with its options', async () => {
		const discord = await stub();
		await deployCommands({
			config: { discordApplicationId: APPLICATION_ID, devGuildId: undefined },
			commands,
			rest: discord.rest,
		});
		const live = (discord.seen[0]!.body as { name: string; options: unknown[] }[]).find((c) => c.name === 'live');
		expect(live?.options).toEqual([
			expect.objectContaining({ type: 3, name: 'channel', required: true, autocomplete: true }),
		]);
	});

	it('explains a 401 as a wrong DISCORD_TOKEN without showing the token', async () => {
		const discord = await stub(() => ({ status: 401, body: { message: '401: Unauthorized', code: 0 } }));
		const config = {
			discordApplicationId: APPLICATION_ID,
			devGuildId: undefined,
			discordApiUrl: discord.api,
		};
		const error = await deployCommands({ config, commands, rest: discord.rest }).catch((e: unknown) => e);
		const message = describeDeployError(error, { config, secrets: [TOKEN] });
		expect(message).toMatch(/DISCORD_TOKEN is wrong or was reset/);
		expect(message).not.toContain(TOKEN);
	});

	it('explains Missing Access in the dev guild with an invite link', async () => {
		const discord = await stub(() => ({ status: 403, body: { message: 'Missing Access', code: 50001 } }));
		const config = { discordApplicationId: APPLICATION_ID, devGuildId: GUILD_ID, discordApiUrl: discord.api };
		const error = await deployCommands({ config, commands, rest: discord.rest }).catch((e: unknown) => e);
		const message = describeDeployError(error, { config });
		expect(message).toContain(`DEV_GUILD_ID=${GUILD_ID}`);
		expect(message).toContain(`client_id=${APPLICATION_ID}`);
	});

	it('exits 1 with one readable line and no stack trace or token when run as a script against a refusing Discord', async () => {
		const discord = await stub(() => ({ status: 401, body: { message: '401: Unauthorized', code: 0 } }));
		const script = fileURLToPath(new URL('../../src/discord/deploy-commands.ts', import.meta.url));
		const child = spawn(process.execPath, [script], {
			// A folder without .env, and only the settings this run needs.
			cwd: fileURLToPath(new URL('.', import.meta.url)),
			env: {
				PATH: process.env.PATH,
				DISCORD_TOKEN: TOKEN,
				DISCORD_API_URL: discord.api,
				DISCORD_APPLICATION_ID: APPLICATION_ID,
			},
		});
		let output = '';
		child.stdout.on('data', (chunk) => {
			output += chunk;
		});
		child.stderr.on('data', (chunk) => {
			output += chunk;
		});
		const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
		expect(code).toBe(1);
		expect(output).toMatch(/DISCORD_TOKEN is wrong or was reset/);
		expect(output).not.toContain(TOKEN);
		expect(output).not.toMatch(/\n\s+at /);
	});
});
