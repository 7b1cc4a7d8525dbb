import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DiscordAPIError, HTTPError, REST, Routes } from 'discord.js';
import { z } from 'zod';
import { describeNoAnswer } from '../cli/network-failure.ts';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Command } from './command.ts';
import { CommandLoadError, loadCommands } from './command-loader.ts';
import { commandJson } from './command-schema.ts';
import { buildInviteUrl } from './invite.ts';

/** The two REST calls deploying needs: tests pass a recorder, the script a discord.js REST client. */
export type CommandRegistrar = Pick<REST, 'get' | 'put'>;

export interface DeployOptions {
	config: Pick<Config, 'discordApplicationId' | 'devGuildId'>;
	commands: ReadonlyMap<string, Command> | readonly Command[];
	rest: CommandRegistrar;
	logger?: Logger;
}

export interface DeployResult {
	applicationId: string;
	/** 'guild' when DEV_GUILD_ID is set (instant, for development); 'global' otherwise (every server). */
	scope: 'guild' | 'global';
	guildId: string | undefined;
	/** The names Discord now has, as it answered. */
	registered: string[];
}

const applicationSchema = z.looseObject({ id: z.string().min(1) });
const registeredSchema = z.array(z.looseObject({ name: z.string() }));

/**
 * Registers the commands with Discord by bulk overwrite (commands missing from the list are deleted there):
 * in DEV_GUILD_ID when set, else globally. The application id comes from DISCORD_APPLICATION_ID, or from
 * Discord (GET /applications/@me) when absent. Run by `npm run deploy-commands`, never on start-up: Discord limits
 * command creations to 200 a day.
 */
export async function deployCommands(options: DeployOptions): Promise<DeployResult> {
	const { config, rest, logger } = options;
	const commands = [...options.commands.values()];
	const applicationId = config.discordApplicationId ?? (await fetchApplicationId(rest));
	const guildId = config.devGuildId;
	const route = guildId
		? Routes.applicationGuildCommands(applicationId, guildId)
		: Routes.applicationCommands(applicationId);
	const answer = await rest.put(route, { body: commands.map(commandJson) });
	const parsed = registeredSchema.safeParse(answer);
	const registered = parsed.success ? parsed.data.map((command) => command.name) : [];
	const result: DeployResult = { applicationId, scope: guildId ? 'guild' : 'global', guildId, registered };
	logger?.info(result, 'Slash commands deployed');
	return result;
}

async function fetchApplicationId(rest: CommandRegistrar): Promise<string> {
	return applicationSchema.parse(await rest.get(Routes.currentApplication())).id;
}

/** One line per fact, for the terminal. */
export function describeDeployResult(result: DeployResult): string {
	const names = result.registered.map((name) => `/${name}`).join(', ') || '(none)';
	const where =
		result.scope === 'guild'
			? `in the server ${result.guildId} (DEV_GUILD_ID): they can be used there now`
			: 'globally (DEV_GUILD_ID is not set): every server the bot is in gets them';
	return [
		`Registered ${result.registered.length} slash commands ${where}.`,
		`Commands: ${names}`,
		`Application: ${result.applicationId}`,
	].join('\n');
}

/**
 * What went wrong, in words an operator can act on. Never a stack trace, and never the token (Discord's own
 * messages do not contain it; `secrets` are scrubbed anyway).
 */
export function describeDeployError(
	error: unknown,
	context: {
		config: Pick<Config, 'discordApplicationId' | 'devGuildId' | 'discordApiUrl'>;
		secrets?: readonly string[];
		/** How long one request may wait for Discord (default DEPLOY_TIMEOUT_MS), to say so when it ran out. */
		timeoutMs?: number;
	},
): string {
	const { config } = context;
	const invite = config.discordApplicationId ? ` Invite it with: ${buildInviteUrl(config.discordApplicationId)}` : '';
	let message: string;
	if (error instanceof ConfigError || error instanceof CommandLoadError) {
		message = error.message;
	} else if (error instanceof DiscordAPIError) {
		const code = Number(error.code);
		if (error.status === 401) {
			message =
				'Discord refused the bot token (401 Unauthorized): DISCORD_TOKEN is wrong or was reset. Copy a new one from the ' +
				'Discord developer portal (your application → Bot → Reset Token) into .env.';
		} else if (code === 10004 && config.devGuildId) {
			message = `DEV_GUILD_ID ${config.devGuildId} is not a server the bot is in (Unknown Guild).${invite}`;
		} else if (code === 50001 && config.devGuildId) {
			message =
				`The bot cannot manage commands in the server DEV_GUILD_ID=${config.devGuildId} (Missing Access): it is not ` +
				`in that server, or was added without the applications.commands scope.${invite}`;
		} else if (code === 10002 || (error.status === 403 && config.discordApplicationId)) {
			message =
				`DISCORD_APPLICATION_ID ${config.discordApplicationId ?? ''} is not this bot's application (${error.status}). ` +
				'Remove it from .env (it is then read from Discord) or copy the Application ID from the developer portal.';
		} else if (code === 30034) {
			message =
				'Discord’s daily limit of command creations (200 a day) is reached. Try again tomorrow, or deploy to a test ' +
				'server with DEV_GUILD_ID meanwhile.';
		} else if (code === 50035) {
			message = `Discord rejected the command definitions (400 Invalid Form Body): ${error.message}`;
		} else {
			message = `Discord answered ${error.status} (code ${error.code}): ${error.message}`;
		}
	} else if (error instanceof HTTPError) {
		message = `Discord answered ${error.status} ${error.name} at ${config.discordApiUrl}. Discord may be having trouble: try again later.`;
	} else if (error instanceof Error) {
		message =
			describeNoAnswer(error, {
				service: 'Discord',
				url: config.discordApiUrl,
				setting: 'DISCORD_API_URL',
				timeoutMs: context.timeoutMs ?? DEPLOY_TIMEOUT_MS,
			}) ?? `Deploying the commands failed: ${error.message}`;
	} else {
		message = `Deploying the commands failed: ${String(error)}`;
	}
	const secrets = (context.secrets ?? []).filter((secret) => secret.length >= 6);
	return secrets.reduce((text, secret) => text.replaceAll(secret, '[REDACTED]'), message);
}

/** Per request; a person is waiting at the terminal. */
const DEPLOY_TIMEOUT_MS = 10_000;

/** `npm run deploy-commands`: returns the exit code (0 done, 1 failed with a message on stderr). */
export async function main(): Promise<number> {
	let config: Config;
	try {
		config = loadConfig('discord', { tool: 'deploy-commands' });
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		console.error(error.message);
		return 1;
	}
	// Few retries: a person is waiting at the terminal, and a dead host should fail in seconds, not minutes.
	const rest = new REST({ api: config.discordApiUrl, retries: 1, timeout: DEPLOY_TIMEOUT_MS }).setToken(
		config.discordToken,
	);
	try {
		const commands = await loadCommands();
		console.log(describeDeployResult(await deployCommands({ config, commands, rest })));
		return 0;
	} catch (error) {
		console.error(describeDeployError(error, { config, secrets: [config.discordToken] }));
		return 1;
	}
}

function isRunDirectly(): boolean {
	const script = process.argv[1];
	if (!script) return false;
	try {
		return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
	} catch {
		return false;
	}
}

if (isRunDirectly()) {
	process.exitCode = await main();
}
