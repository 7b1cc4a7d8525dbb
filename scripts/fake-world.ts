/**
 * What `npm run demo` and `npm run try` share about running the real bot against the fake Twitch and fake Discord:
 * where its logs go, registering its slash commands in the fake server, and who a post actually pinged.
 */
import { REST } from 'discord.js';
import pinoPretty from 'pino-pretty';
import type { RunningBot } from '../src/bot.ts';
import { deployCommands } from '../src/discord/deploy-commands.ts';
import { createLogger, createSilentLogger, type Logger } from '../src/logger.ts';
import type { FakeDiscord, FakeMessage } from '../test/fakes/discord/index.ts';
import type { DiscordNames, TerminalStyle } from './demo-render.ts';

/**
 * The bot's logs: nowhere unless `verbosity` asks for them ('1' info, 'debug' every poll), then pretty on stderr,
 * written at once so that they come in order with what the script prints.
 */
export function scriptLogger(verbosity: string | undefined, colors: boolean): Logger {
	if (!verbosity || verbosity === '0') return createSilentLogger();
	return createLogger({
		level: verbosity === 'debug' ? 'debug' : 'info',
		format: 'pretty',
		destination: pinoPretty({ colorize: colors, sync: true, translateTime: 'SYS:HH:MM:ss', destination: 2 }),
	});
}

/**
 * What `npm run deploy-commands` does once for a development server (DEV_GUILD_ID): registers the bot's slash
 * commands in that guild of the fake Discord, which then checks typed options against them as Discord would.
 * Returns the registered names.
 */
export async function registerCommandsInGuild(discord: FakeDiscord, bot: RunningBot, guildId: string) {
	const deployed = await deployCommands({
		config: { discordApplicationId: discord.applicationId, devGuildId: guildId },
		commands: bot.commands,
		rest: new REST({ api: discord.apiUrl }).setToken(discord.botToken),
	});
	return deployed.registered;
}

/** Who a new message actually notified, as the fake Discord recorded it. */
export function describePings(message: FakeMessage, names: DiscordNames, style: TerminalStyle): string {
	const { mentions } = message;
	const pinged = [
		...(mentions.everyone ? ['@everyone'] : []),
		...mentions.roles.map((id) => `@${names.roles.get(id) ?? id}`),
		...mentions.users.map((id) => `@${names.users.get(id) ?? id}`),
	];
	const who = pinged.length === 0 ? 'nobody' : pinged.join(', ');
	const everyoneInText = /@\u200b?(everyone|here)/.test(message.content);
	const safety = everyoneInText && !mentions.everyone ? ' The “@everyone” in the title pinged nobody.' : '';
	return `${style.dim('Pinged:')} ${style.bold(who)}.${safety}`;
}
