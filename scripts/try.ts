/**
 * `npm run try`: the bot to play with, with no Discord or Twitch account and no internet.
 *
 * Starts the fake Twitch and the fake Discord on 127.0.0.1 (seeded with a Discord server and a few Twitch
 * channels), runs the real bot against them with a throwaway SQLite store, says what it started and with which
 * settings, then reads commands: slash commands as a Discord user types them (`/live channel:pixelpaws`,
 * `/watch add channel:pixelpaws post-in:#alerts`), sent as interactions from the server's admin through the fake
 * Discord, and words that drive the fake Twitch (`live pixelpaws`, `offline pixelpaws`). What Discord would show —
 * the bot's replies and the posts it makes in the server's channels — is printed as text (scripts/demo-render.ts).
 *
 * Reads a terminal line by line with a prompt, or a script piped on stdin (one command a line, each finished
 * before the next is read). `quit` (or Ctrl-C, or the end of the input) stops the bot, closes the fakes and deletes
 * the store. TRY_VERBOSE=1 shows the bot's logs on stderr (TRY_VERBOSE=debug for every poll).
 */
import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { RunningBot } from '../src/bot.ts';
import type { CommandDefinition } from '../src/discord/command.ts';
import { commandJson } from '../src/discord/command-schema.ts';
import { formatCount } from '../src/views/quantities.ts';
import type { FakeChannel, FakeGuild, FakeMessage, FakeRole } from '../test/fakes/discord/index.ts';
import type { RawGame, RawUser } from '../test/fakes/twitch/index.ts';
import { createWorld, type World } from '../test/support/bot-world.ts';
import { createTerminalStyle, type DiscordBody, type DiscordNames, quoteBlock, renderBody } from './demo-render.ts';
import { describePings, registerCommandsInGuild, scriptLogger } from './fake-world.ts';
import { parseTypedCommand, type ServerDirectory, splitWords, TypedCommandError } from './typed-slash-command.ts';

const colors = process.stdout.isTTY === true && !process.env.NO_COLOR;
const style = createTerminalStyle(colors);
const interactive = process.stdin.isTTY === true;

/**
 * Settings that make the bot quick to watch by hand: a poll every 15 s (the lowest the bot accepts) instead of 60,
 * and a stream counted as ended 10 s after it disappears instead of 3 minutes.
 */
const TRY_SETTINGS = { POLL_INTERVAL_SECONDS: '15', STREAM_END_GRACE_SECONDS: '10' };

/** How long a command waits, in real time, for what the bot does on its own (an EventSub session, a pushed post). */
const WAIT_LIMIT_MS = 5_000;

/** The server owner's name: the person typing, with every permission. */
const ADMIN_NAME = 'Ada';

/** Waits until `done()` holds; false if it still does not after `limitMs`. */
async function waitUntil(done: () => boolean, limitMs = WAIT_LIMIT_MS): Promise<boolean> {
	const started = performance.now();
	while (!done()) {
		if (performance.now() - started > limitMs) return false;
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	return true;
}

/** The seeded world: a Discord server with two text channels and a role, and Twitch channels, some live. */
interface Scene {
	guild: FakeGuild;
	general: FakeChannel;
	alerts: FakeChannel;
	role: FakeRole;
	/** Every seeded Twitch user, in the order `users` lists them. */
	users: RawUser[];
	/** Games by lowercased name; `live … <game>` adds the ones not there. */
	games: Map<string, RawGame>;
}

function seedWorld(world: World): Scene {
	const { twitch, discord } = world;
	const guild = discord.addGuild({ name: 'Cozy Corner' });
	const general = discord.addChannel(guild.id, { name: 'general' });
	const alerts = discord.addChannel(guild.id, { name: 'alerts' });
	const role = discord.addRole(guild.id, { name: 'Stream alerts', mentionable: true });

	const games = new Map<string, RawGame>();
	for (const name of ['Celeste', 'Hollow Knight', 'Chess', 'Minecraft', 'Just Chatting']) {
		games.set(name.toLowerCase(), twitch.addGame({ name }));
	}
	const user = (login: string, display_name: string, description: string) =>
		twitch.addUser({ login, display_name, description, broadcaster_type: 'affiliate' });
	const users = [
		user('pixelpaws', 'PixelPaws', 'Cozy platformers and speedruns'),
		user('nightowl', 'NightOwl', 'Late-night chess'),
		user('quietcoder', 'QuietCoder', 'Building things, slowly'),
		user('sandysanderman', 'SandySanderman', 'Blocks and more blocks'),
		user('chattycathy', 'ChattyCathy', 'Coffee and conversation'),
	];
	const [pixelpaws, , , sandy, cathy] = users as [RawUser, RawUser, RawUser, RawUser, RawUser];
	const gameId = (name: string) => games.get(name.toLowerCase())?.id ?? '';
	twitch.goLive(sandy.id, {
		title: 'Building a castle, block by block',
		game_id: gameId('Minecraft'),
		viewer_count: 7836,
	});
	twitch.goLive(cathy.id, { title: 'Morning coffee chat', game_id: gameId('Just Chatting'), viewer_count: 412 });
	twitch.addClip({ broadcaster_id: pixelpaws.id, title: 'That last jump', view_count: 4200 });
	twitch.addClip({ broadcaster_id: sandy.id, title: 'The castle falls', view_count: 900 });
	return { guild, general, alerts, role, users, games };
}

/** Prints above the prompt: a post that arrives while the person is typing does not mix with their line. */
function createPrinter() {
	let prompting: (() => void) | undefined;
	return {
		print(text = '') {
			if (prompting && interactive) {
				clearLine(process.stdout, 0);
				cursorTo(process.stdout, 0);
			}
			console.log(text);
			prompting?.();
		},
		/** While set, printing redraws the prompt and what was typed after each message. */
		setPrompt(redraw: (() => void) | undefined) {
			prompting = redraw;
		},
	};
}

const printer = createPrinter();
const say = (text = '') => printer.print(text);
const note = (text: string) => say(`  ${text}`);
const aside = (text: string) => say(`  ${style.dim(text)}`);
const warn = (text: string) => say(`  ${style.warn(text)}`);

const HELPERS = [
	[
		'live <login> [title…] [game]',
		'the Twitch channel goes live (the last word is the game; quote words that go together)',
	],
	['offline <login>', 'the stream ends (Twitch keeps the recording)'],
	['users', 'the Twitch channels: who is live, who is watched'],
	['channels', 'the Discord server: its channels and roles'],
	['poll', 'the bot polls Twitch now instead of at its next turn'],
	['help', 'this list'],
	['quit', 'stop the bot, close the fakes, delete the store'],
] as const;

/** The session: the world, the running bot, and what each typed command does. */
class TrySession {
	readonly #world: World;
	readonly #scene: Scene;
	readonly #bot: RunningBot;
	readonly #definitions: CommandDefinition[];
	readonly #names: DiscordNames;
	readonly #botName: string;
	#reconciledRevision = -1;

	constructor(world: World, scene: Scene, bot: RunningBot) {
		this.#world = world;
		this.#scene = scene;
		this.#bot = bot;
		this.#definitions = [...bot.commands.values()].map(commandJson);
		this.#botName = bot.client?.user?.username ?? 'The bot';
		this.#names = {
			channels: new Map([scene.general, scene.alerts].map((channel) => [channel.id, channel.name])),
			roles: new Map([[scene.role.id, scene.role.name]]),
			users: new Map([
				[scene.guild.ownerId, ADMIN_NAME],
				[world.discord.botUserId, this.#botName],
			]),
		};
	}

	/** Prints what the bot does in the server's channels as it happens, labelled with the channel. */
	watchDiscord(): void {
		const { discord } = this.#world;
		// One print per message: it may arrive while the person is typing, and goes above their line in one piece.
		const show = (verb: string, message: FakeMessage, ...after: string[]) => {
			const channel = this.#names.channels.get(message.channelId) ?? message.channelId;
			const heading = `\n  ${style.accent(`#${channel}`)}  ${style.bold(this.#botName)} ${verb}:`;
			say([heading, ...after].join('\n'));
		};
		discord.on('message', (message) =>
			show('posts', message, this.#render(message), `  ${describePings(message, this.#names, style)}`),
		);
		discord.on('messageUpdate', (message) => show('edits its post', message, this.#render(message)));
		discord.on('messageDelete', (message) => show('deletes its post', message));
	}

	/** Runs one typed line; resolves 'quit' when the session should end. */
	async run(line: string): Promise<'quit' | undefined> {
		if (line.startsWith('/')) return void (await this.#slashCommand(line));
		const [word = '', ...rest] = splitWords(line);
		switch (word.toLowerCase()) {
			case 'live':
				return void (await this.#goLive(rest));
			case 'offline':
				return void this.#goOffline(rest);
			case 'users':
				return void this.#listUsers();
			case 'channels':
				return void this.#listChannels();
			case 'poll':
				return void (await this.#poll());
			case 'help':
			case '?':
				return void this.help();
			case 'quit':
			case 'exit':
				return 'quit';
			default:
				warn(
					`Unknown command "${word}". Type a slash command (/help, /live channel:…, /watch add channel:…) or one of: ${HELPERS.map(([usage]) => usage.split(' ')[0]).join(', ')}`,
				);
				return undefined;
		}
	}

	help(): void {
		note(style.bold('Slash commands') + style.dim(` (you are ${ADMIN_NAME}, the server's owner, typing in #general):`));
		for (const definition of this.#definitions) {
			const subcommands = (definition.options ?? []).filter((option) => option.type === 1 || option.type === 2);
			const usage = subcommands.length > 0 ? ` ${subcommands.map((option) => option.name).join('|')}` : '';
			note(`  ${style.accent(`/${definition.name}${usage}`)}  ${style.dim(definition.description)}`);
		}
		note(
			style.dim(
				'  Options as option:value — channel:pixelpaws post-in:#alerts role:@Stream alerts message:"{streamer} is live!"',
			),
		);
		note(style.bold('Twitch and this session:'));
		for (const [usage, what] of HELPERS) note(`  ${style.accent(usage.padEnd(30))}${style.dim(what)}`);
	}

	async #slashCommand(line: string): Promise<void> {
		let typed: ReturnType<typeof parseTypedCommand>;
		try {
			typed = parseTypedCommand(line, this.#definitions, this.#directory());
		} catch (error) {
			if (!(error instanceof TypedCommandError)) throw error;
			warn(error.message);
			return;
		}
		const { guild, general } = this.#scene;
		const result = await this.#world.discord.runCommand({
			guildId: guild.id,
			channelId: general.id,
			...typed,
			timeoutMs: 10_000,
		});
		const visibility = (ephemeral: boolean) => (ephemeral ? style.dim(' (only you can see this)') : '');
		if (result.final === null) {
			note(`${style.bold(this.#botName)} answered, then deleted its answer.`);
		} else {
			note(`${style.bold(this.#botName)} answers${visibility(result.ephemeral)}:`);
			say(this.#render(result.final ?? {}));
		}
		for (const followUp of result.followUps) {
			note(`${style.bold(this.#botName)} adds${visibility(((followUp.flags ?? 0) & 64) !== 0)}:`);
			say(this.#render(followUp));
		}
		if (typed.name === 'watch') await this.#followWatches();
	}

	/**
	 * The bot brings its EventSub subscriptions in line with the watches after each poll; here that happens at once,
	 * so that a channel just watched has its go-live pushed without waiting up to a poll interval first.
	 */
	async #followWatches(): Promise<void> {
		const eventsub = this.#bot.context.notifier?.eventsub;
		const revision = this.#bot.context.repositories.watches.revision;
		if (!eventsub || revision === this.#reconciledRevision) return;
		const report = await eventsub.reconcile();
		this.#reconciledRevision = revision;
		if (report.created === 0 && report.deleted === 0) return;
		aside(
			`⚡ EventSub: the bot now has go-lives pushed for ${report.covered} watched channel${report.covered === 1 ? '' : 's'} (it updates its subscriptions after each poll; this session does it at once)`,
		);
	}

	async #goLive(words: string[]): Promise<void> {
		const user = this.#userFrom(words[0], 'live <login> [title…] [game]');
		if (!user) return;
		const rest = words.slice(1);
		const gameName = rest.length >= 2 ? rest.pop() : undefined;
		const title = rest.length > 0 ? rest.join(' ') : undefined;
		const game = gameName === undefined ? undefined : this.#game(gameName);
		const { twitch } = this.#world;
		const changes = {
			...(title === undefined ? {} : { title }),
			...(game === undefined ? {} : { game_id: game.id, game_name: game.name }),
		};
		if (twitch.getStream(user.id)) {
			const stream = twitch.updateStream(user.id, changes);
			note(
				`Twitch: ${user.display_name} is already live; now “${stream.title}” · ${stream.game_name || 'no category'}`,
			);
			if (this.#watchCount(user) > 0) {
				aside(
					`the bot edits its post when a poll sees the change (every ${this.#bot.context.config.pollIntervalSeconds} s; type poll to run one now)`,
				);
			}
			return;
		}
		const postedBefore = new Set(this.#world.discord.messages.map((message) => message.id));
		const stream = twitch.goLive(user.id, { viewer_count: 40 + Math.floor(Math.random() * 400), ...changes });
		note(
			`Twitch: ${style.bold(user.display_name)} goes live — “${stream.title}” · ${stream.game_name || 'no category'} (stream ${stream.id})`,
		);
		const notifier = this.#bot.context.notifier;
		if (this.#watchCount(user) === 0) {
			aside(
				`nobody in ${this.#scene.guild.name} watches ${user.login}: nothing to announce (try /watch add channel:${user.login} post-in:#${this.#scene.alerts.name})`,
			);
		} else if (notifier?.isInstant(user.id)) {
			aside('⚡ Twitch pushes stream.online to the bot over its EventSub WebSocket');
			const posted = await waitUntil(() =>
				this.#world.discord.messages.some((message) => !postedBefore.has(message.id)),
			);
			await notifier.whenIdle();
			if (!posted) aside(`no post within ${WAIT_LIMIT_MS / 1000} s: /watch list shows how delivery is going`);
		} else {
			aside(
				`no EventSub subscription for ${user.login}: the bot finds the stream at its next poll (every ${this.#bot.context.config.pollIntervalSeconds} s); type poll to run one now`,
			);
		}
	}

	#goOffline(words: string[]): void {
		const user = this.#userFrom(words[0], 'offline <login>');
		if (!user) return;
		if (!this.#world.twitch.getStream(user.id)) {
			warn(`${user.login} is not live.`);
			return;
		}
		this.#world.twitch.endStream(user.id, { archive: true });
		note(`Twitch: ${style.bold(user.display_name)} ends the stream; Twitch keeps the recording (VOD)`);
		if (this.#watchCount(user) === 0) return;
		const grace = this.#bot.context.config.streamEndGraceSeconds;
		const how = this.#bot.context.notifier?.isInstant(user.id)
			? 'Twitch pushes stream.offline now'
			: 'the next poll finds it gone';
		aside(
			`${how}; the bot changes its post once the stream has been gone ${grace} s (STREAM_END_GRACE_SECONDS: Twitch sometimes leaves a live channel out of a poll)`,
		);
	}

	#listUsers(): void {
		const { twitch } = this.#world;
		const notifier = this.#bot.context.notifier;
		for (const user of this.#scene.users) {
			const stream = twitch.getStream(user.id);
			const state = stream
				? `${style.good('live')}  “${stream.title}” · ${stream.game_name || 'no category'} · ${formatCount(stream.viewer_count)} viewers`
				: style.dim('offline');
			const watched = this.#watchCount(user) > 0;
			const how = watched
				? style.accent(notifier?.isInstant(user.id) ? '  [watched ⚡ pushed]' : '  [watched, polled]')
				: '';
			note(`${user.login.padEnd(16)}${state}${how}`);
		}
	}

	#listChannels(): void {
		const { guild, general, alerts, role } = this.#scene;
		note(`Discord server ${style.bold(guild.name)}; you are ${ADMIN_NAME}, its owner (every permission)`);
		note(`  ${style.accent(`#${general.name}`)}  where you type commands`);
		note(`  ${style.accent(`#${alerts.name}`)}   a channel for announcements`);
		note(`  ${style.accent(`@${role.name}`)}  a role an announcement can ping`);
	}

	async #poll(): Promise<void> {
		const notifier = this.#bot.context.notifier;
		if (!notifier) {
			warn('The bot is not running its notifier.');
			return;
		}
		const report = await notifier.runCycle();
		const requests = `${report.batches} Get Streams request${report.batches === 1 ? '' : 's'}`;
		// liveUsers counts the bot's own states: a stream missing from one answer stays live until the end grace passes.
		const held = report.liveUsers === 0 ? 'none' : String(report.liveUsers);
		aside(
			`⟳ the bot polls Twitch: ${requests} for ${report.watchedUsers} watched channel(s); the bot holds ${held} of them as live`,
		);
	}

	/** The seeded Twitch user `login` names, or a warning listing them. */
	#userFrom(login: string | undefined, usage: string): RawUser | undefined {
		if (login === undefined) {
			warn(`Usage: ${usage}`);
			return undefined;
		}
		const user = this.#world.twitch.getUser(login.toLowerCase());
		if (!user) warn(`No Twitch user "${login}". Users: ${this.#scene.users.map(({ login }) => login).join(', ')}`);
		return user;
	}

	#game(name: string): RawGame {
		const known = this.#scene.games.get(name.toLowerCase());
		if (known) return known;
		const game = this.#world.twitch.addGame({ name });
		this.#scene.games.set(name.toLowerCase(), game);
		return game;
	}

	#watchCount(user: RawUser): number {
		return this.#bot.context.repositories.watches.watchesForUser(user.id).length;
	}

	#directory(): ServerDirectory {
		const { general, alerts, role, guild } = this.#scene;
		return {
			channels: [general, alerts],
			roles: [role],
			members: [
				{ id: guild.ownerId, name: ADMIN_NAME },
				{ id: this.#world.discord.botUserId, name: this.#botName },
			],
		};
	}

	#render(body: DiscordBody): string {
		return quoteBlock(renderBody(body, this.#names, Date.now(), style), style, '      ');
	}
}

/** What was started, in plain words: the fakes, the settings the bot got, where the store is. */
function describeStart(world: World, scene: Scene, bot: RunningBot, commands: string[]): void {
	const { twitch, discord } = world;
	say(style.bold('Twitch go-live bot — try it without accounts'));
	aside('Everything runs on this machine: no Discord or Twitch account, no internet.');
	say();
	note(`${style.bold('fake Twitch')}   ${twitch.origin}`);
	note(`  Helix ${twitch.helixUrl} · OAuth ${twitch.authUrl} · EventSub ${twitch.eventsubWsUrl}`);
	note(`${style.bold('fake Discord')}  ${discord.apiUrl} (REST) · ${discord.gatewayUrl} (gateway)`);
	note(
		`${style.bold('the bot')}       the real one (startBot of src/bot.ts, in this process), with these settings — what`,
	);
	note('  `npm start` would read from .env. The token and secret are the fakes’ own made-up values, not secrets:');
	for (const [name, value] of Object.entries(world.env)) {
		if (name !== 'LOG_LEVEL') say(`      ${name}=${value}`);
	}
	const storeFile = world.env.STORAGE_URL?.replace(/^sqlite:\/\//, '') ?? '';
	note(`${style.bold('store')}         ${storeFile} (SQLite, deleted at quit)`);
	note(
		`${style.bold('logs')}          ${process.env.TRY_VERBOSE ? 'on stderr (TRY_VERBOSE)' : 'off (TRY_VERBOSE=1 shows them on stderr)'}`,
	);
	say();
	note(
		`${style.good('✓')} ${bot.client?.user?.username ?? 'The bot'} is online in ${style.bold(scene.guild.name)}; slash commands registered there: ${commands.map((name) => `/${name}`).join(' ')}`,
	);
	note(`${style.good('✓')} EventSub WebSocket open; polling every ${bot.context.config.pollIntervalSeconds} s`);
	note(
		`Discord: #${scene.general.name}, #${scene.alerts.name}, role @${scene.role.name}; you are ${ADMIN_NAME}, the server's owner`,
	);
	const live = scene.users.filter((user) => twitch.getStream(user.id)).map((user) => user.login);
	const offline = scene.users.filter((user) => !twitch.getStream(user.id)).map((user) => user.login);
	note(`Twitch: live ${live.join(', ')}; offline ${offline.join(', ')}`);
	say();
	note(
		`Try: ${style.accent(`/watch add channel:pixelpaws post-in:#${scene.alerts.name} role:@${scene.role.name}`)}, then ${style.accent('live pixelpaws "Any% practice" Celeste')},`,
	);
	note(
		`     ${style.accent('/live channel:pixelpaws')}, ${style.accent('offline pixelpaws')}, ${style.accent('/watch list')}. Type ${style.accent('help')} for everything.`,
	);
}

/** Reads lines until quit or the end of the input, running each before reading the next. */
async function readCommands(session: TrySession): Promise<void> {
	const lines = createInterface({
		input: process.stdin,
		...(interactive ? { output: process.stdout, prompt: style.accent('> ') } : {}),
		terminal: interactive,
	});
	// Ctrl-C at the prompt ends the session as `quit` does.
	lines.on('SIGINT', () => lines.close());
	const stopOnSignal = () => lines.close();
	process.once('SIGINT', stopOnSignal);
	process.once('SIGTERM', stopOnSignal);
	const prompt = () => {
		say();
		lines.prompt();
		printer.setPrompt(() => lines.prompt(true));
	};
	try {
		if (interactive) prompt();
		for await (const raw of lines) {
			printer.setPrompt(undefined);
			const line = raw.trim();
			if (line !== '' && !line.startsWith('#')) {
				// A piped script is shown as it is run, so that the output reads like a session at the terminal.
				if (!interactive) say(`\n> ${line}`);
				try {
					if ((await session.run(line)) === 'quit') break;
				} catch (error) {
					warn(`That did not work: ${(error as Error).message}`);
				}
			}
			if (interactive) prompt();
		}
	} finally {
		printer.setPrompt(undefined);
		process.off('SIGINT', stopOnSignal);
		process.off('SIGTERM', stopOnSignal);
		lines.close();
	}
}

async function main(): Promise<number> {
	process.stdout.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
	});
	const world = await createWorld(TRY_SETTINGS);
	const interrupted = () => {
		void world.close().finally(() => process.exit(130));
	};
	process.once('SIGINT', interrupted);
	try {
		const scene = seedWorld(world);
		const bot = await world.startBot(scriptLogger(process.env.TRY_VERBOSE, colors));
		const commands = await registerCommandsInGuild(world.discord, bot, scene.guild.id);
		// The bot attaches its EventSub session to its conduit: until then go-lives are found by polling alone.
		await waitUntil(() =>
			[...world.twitch.eventsub.shards.values()].some((shards) => shards.some((shard) => shard.status === 'enabled')),
		);
		process.off('SIGINT', interrupted);
		const session = new TrySession(world, scene, bot);
		describeStart(world, scene, bot, commands);
		session.watchDiscord();
		await readCommands(session);
		return 0;
	} catch (error) {
		console.error(`\nnpm run try stopped: ${(error as Error).stack ?? String(error)}`);
		return 1;
	} finally {
		process.off('SIGINT', interrupted);
		await world.close();
		aside('The bot is stopped, the fakes are closed and the store is deleted.');
	}
}

process.exitCode = await main();
// Nothing of the session is left running; stdin (a terminal or a pipe still open) must not keep the process up.
process.stdin.destroy();
