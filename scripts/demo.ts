/**
 * `npm run demo`: the whole product working on this machine, with no credentials and no internet.
 *
 * Starts the fake Twitch and the fake Discord on 127.0.0.1, runs the real bot against them (with a throwaway SQLite
 * store), and tells in the terminal what a Discord server would see: an admin setting up an announcement, a streamer
 * going live and the post pushed by EventSub (with the measured time from go-live to post), a second streamer past
 * the EventSub budget found by the next poll instead, the post edited when the title changes, Twitch flapping
 * (nothing happens), the stream ending (the post becomes "was live" with the VOD link), and `/live` and
 * `/watch list` answers.
 *
 * The demo runs the poll cycles itself and moves a shared clock forward ("two hours later") instead of waiting, so
 * the story takes about 15 seconds. EventSub pushes are real: the fake Twitch sends them over its WebSocket as soon
 * as a streamer goes live, and the demo waits for the post in real time. It ends by itself and deletes what it
 * stored.
 *
 * DEMO_VERBOSE=1 shows the bot's logs (DEMO_VERBOSE=debug for every poll); DEMO_PAUSE_MS sets the pause between
 * steps (default 900; 0 runs straight through).
 */
import type { RunningBot } from '../src/bot.ts';
import type { Logger } from '../src/logger.ts';
import type { PollCycleReport } from '../src/notify/poller.ts';
import { formatElapsed as formatDuration } from '../src/views/quantities.ts';
import type { FakeMessage, InteractionResult, RunCommandOptions } from '../test/fakes/discord/index.ts';
import { Permission } from '../test/fakes/discord/index.ts';
import { createWorld, type World } from '../test/support/bot-world.ts';
import { createAdjustableClock } from '../test/support/clock.ts';
import { createTerminalStyle, type DiscordNames, quoteBlock, relativeTime, renderBody } from './demo-render.ts';
import { describePings, registerCommandsInGuild, scriptLogger } from './fake-world.ts';

const verbosity = process.env.DEMO_VERBOSE;
const pauseMs = Math.max(0, Number(process.env.DEMO_PAUSE_MS ?? 900) || 0);
const colors = process.stdout.isTTY === true && !process.env.NO_COLOR;
const style = createTerminalStyle(colors);

const say = (text = '') => console.log(text);
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, pauseMs));
let stepNumber = 0;
async function step(title: string): Promise<void> {
	await pause();
	stepNumber++;
	say();
	say(style.bold(`── ${stepNumber}. ${title} ${'─'.repeat(Math.max(3, 72 - title.length))}`));
}
const note = (text: string) => say(`  ${text}`);
const aside = (text: string) => say(`  ${style.dim(text)}`);

/** The people of the story, by Discord user id (the owner's id comes from the fake). */
const MEMBER_ID = '300000000000000001';

/** How long the demo waits, in real time, for something the bot does on its own (an EventSub session, a push). */
const WAIT_LIMIT_MS = 10_000;

/** Waits until `done()` holds, or fails the demo with `what` after WAIT_LIMIT_MS. */
async function waitFor(what: string, done: () => boolean): Promise<void> {
	const started = performance.now();
	while (!done()) {
		if (performance.now() - started > WAIT_LIMIT_MS) throw new Error(`${what}: not within ${WAIT_LIMIT_MS} ms`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

const formatMs = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** Everything the bot did in Discord since the last look: posts, edits, deletions. */
interface DiscordActivity {
	kind: 'posted' | 'edited' | 'deleted';
	message: FakeMessage;
}

async function tellStory(world: World, clock: ReturnType<typeof createAdjustableClock>, logger: Logger) {
	const { twitch, discord } = world;
	/** Get Streams requests (polls) the fake Twitch received between two times of the shared clock. */
	const pollsBetween = (from: number, to: number) =>
		twitch.requests.filter((entry) => entry.route === '/helix/streams' && entry.at >= from && entry.at <= to).length;

	// ── The world: a Discord server and a Twitch streamer ──
	const guild = discord.addGuild({ name: 'Cozy Corner' });
	const general = discord.addChannel(guild.id, { name: 'general' });
	const alerts = discord.addChannel(guild.id, { name: 'stream-alerts' });
	const role = discord.addRole(guild.id, { name: 'Stream alerts', mentionable: true });
	twitch.addGame({ name: 'Celeste' });
	twitch.addGame({ name: 'Hollow Knight' });
	const streamer = twitch.addUser({
		login: 'pixelpaws',
		display_name: 'PixelPaws',
		description: 'Cozy platformers and speedruns',
	});
	const latecomer = twitch.addUser({ login: 'nightowl', display_name: 'NightOwl', description: 'Late-night chess' });
	const names: DiscordNames = {
		channels: new Map([
			[general.id, general.name],
			[alerts.id, alerts.name],
		]),
		roles: new Map([[role.id, role.name]]),
		users: new Map([
			[guild.ownerId, 'Ada'],
			[MEMBER_ID, 'Sam'],
			[discord.botUserId, 'the bot'],
		]),
	};

	const activity: DiscordActivity[] = [];
	discord.on('message', (message) => activity.push({ kind: 'posted', message }));
	discord.on('messageUpdate', (message) => activity.push({ kind: 'edited', message }));
	discord.on('messageDelete', (message) => activity.push({ kind: 'deleted', message }));
	const takeActivity = () => activity.splice(0, activity.length);

	say(style.bold('Twitch go-live bot — demo'));
	aside('Everything runs on this machine: a fake Discord and a fake Twitch on 127.0.0.1, the real bot between them,');
	aside('and a throwaway SQLite store. No credentials, no internet. The clock is moved forward instead of waiting.');

	await step('The Discord server and the Twitch channel');
	note(`Discord server ${style.bold(guild.name)} (owner: Ada, an admin)`);
	note(`  ${style.accent(`#${general.name}`)}        where people chat and type commands`);
	note(`  ${style.accent(`#${alerts.name}`)}  where stream announcements should go`);
	note(`  ${style.accent(`@${role.name}`)}  a role members opt into to get pinged when a stream starts`);
	note(`Twitch channels ${style.bold('PixelPaws')} and ${style.bold('NightOwl')}, both offline for now`);
	aside(`fake Discord ${discord.apiUrl} · fake Twitch ${twitch.helixUrl}`);

	await step('The bot comes online');
	let bot: RunningBot = await world.startBot(logger);
	const botName = bot.client?.user?.username ?? 'The bot';
	note(`${style.good('✓')} Twitch app token minted and validated (client credentials)`);
	note(`${style.good('✓')} connected to the Discord gateway: in ${bot.client?.guilds.cache.size ?? 0} server`);
	const registered = await registerCommandsInGuild(discord, bot, guild.id);
	note(
		`${style.good('✓')} slash commands registered in ${guild.name}: ${registered.map((name) => `/${name}`).join(' ')}`,
	);
	const eventsub = bot.context.notifier?.eventsub;
	if (!eventsub) throw new Error('the bot started without EventSub');
	// What Twitch sees: shard 0 of the bot's conduit attached to an open WebSocket session.
	await waitFor('the bot attaching its EventSub session', () =>
		[...twitch.eventsub.shards.values()].some((shards) => shards.some((shard) => shard.status === 'enabled')),
	);
	const conduit = twitch.eventsub.conduits[0];
	note(
		`${style.good('✓')} EventSub: conduit ${conduit?.id ?? '?'} created, its shard 0 attached to the bot's WebSocket`,
	);
	note(
		`${style.good('✓')} go-live notifier running: EventSub pushes go-lives; polling every ${bot.context.config.pollIntervalSeconds} s`,
	);
	note('  is the safety net (this demo runs the polls itself so you do not have to wait)');

	const runCommand = async (
		who: string,
		typed: string,
		options: Omit<RunCommandOptions, 'guildId' | 'channelId'>,
	): Promise<InteractionResult> => {
		note(`${style.bold(who)} types in ${style.accent(`#${general.name}`)}:`);
		say(`      ${style.accent(typed)}`);
		const result = await discord.runCommand({ guildId: guild.id, channelId: general.id, ...options });
		const visibility = result.ephemeral ? style.dim(` (only ${who} can see this)`) : '';
		note(`${style.bold(botName)} answers${visibility}:`);
		say(quoteBlock(renderBody(result.final ?? {}, names, clock.now(), style), style, '      '));
		return result;
	};

	/** The Twitch channels the story has watched so far, to tell what Get Streams listed from what the bot holds. */
	const watched: Array<{ id: string }> = [];
	const poll = async (): Promise<PollCycleReport> => {
		const notifier = bot.context.notifier;
		if (!notifier) throw new Error('the bot started without its go-live notifier');
		const report = await notifier.runCycle();
		const requests = `${report.batches} Get Streams request${report.batches === 1 ? '' : 's'}`;
		const channels = `${report.watchedUsers} watched channel${report.watchedUsers === 1 ? '' : 's'}`;
		const listed = watched.filter((user) => twitch.getStream(user.id) !== undefined).length;
		// The bot's count is its own state: a stream Twitch leaves out stays live through the grace period.
		const held = report.liveUsers;
		const grace = formatDuration(bot.context.config.streamEndGraceSeconds * 1000);
		const why = held > listed ? ` (a stream missing for under ${grace} has not ended)` : '';
		aside(
			`⟳ the bot polls Twitch, ${requests} for ${channels}: Twitch lists ${listed || 'none'} as live; the bot holds ${held || 'none'} as live${why}`,
		);
		return report;
	};

	/**
	 * Shows what the bot did in Discord since the last look. The story says what should have happened: anything else
	 * stops the demo with exit code 1, so a broken bot cannot pass for a working one.
	 */
	const showActivity = (expected: DiscordActivity['kind'] | 'nothing', ifNothing = '') => {
		const seen = takeActivity();
		const kinds = seen.map(({ kind }) => kind);
		const asExpected = expected === 'nothing' ? seen.length === 0 : kinds.length === 1 && kinds[0] === expected;
		if (!asExpected) {
			throw new Error(
				`expected ${expected === 'nothing' ? 'no Discord activity' : `one message ${expected}`}, saw: ${kinds.join(', ') || 'nothing'}`,
			);
		}
		if (seen.length === 0) {
			note(style.good(`✓ ${ifNothing}`));
			return;
		}
		for (const { kind, message } of seen) {
			const verb = { posted: 'posts', edited: 'edits its post', deleted: 'deletes its post' }[kind];
			const channel = names.channels.get(message.channelId) ?? message.channelId;
			note(`${style.accent(`#${channel}`)}  ${style.bold(botName)} ${verb}:`);
			if (kind !== 'deleted') say(quoteBlock(renderBody(message, names, clock.now(), style), style, '      '));
			if (kind === 'posted') note(describePings(message, names, style));
		}
	};

	// ── The admin sets up the announcement ──
	await step('An admin sets up the announcement');
	await runCommand('Ada', `/watch add channel:pixelpaws post-in:#${alerts.name} role:@${role.name}`, {
		name: 'watch',
		subcommand: 'add',
		options: { channel: 'pixelpaws', 'post-in': alerts.id, role: role.id },
	});
	watched.push(streamer);
	await poll();
	showActivity('nothing', 'PixelPaws is offline: nothing to post');
	const subscribed = await eventsub.reconcile();
	if (!bot.context.notifier?.isInstant(streamer.id)) throw new Error('PixelPaws was not subscribed through EventSub');
	aside(
		`⚡ the bot subscribes to PixelPaws's stream.online and stream.offline (EventSub cost ${subscribed.totalCost} of ${subscribed.maxTotalCost.toLocaleString('en-US')})`,
	);

	// ── Going live: the instant path ──
	await step('PixelPaws goes live on Twitch');
	clock.advance(20 * 60_000);
	const wentLiveAt = clock.now();
	const wentLive = performance.now();
	const stream = twitch.goLive(streamer.id, {
		title: 'Celeste any% — road to sub-30 @everyone come watch',
		game_name: 'Celeste',
		viewer_count: 312,
	});
	note(`Twitch: PixelPaws starts a stream (id ${stream.id}), titled “${stream.title}”`);
	const pushedPost = await discord
		.waitForMessage((message) => message.channelId === alerts.id, WAIT_LIMIT_MS)
		.catch(() => {
			throw new Error(`no post within ${WAIT_LIMIT_MS} ms of the go-live`);
		});
	const pushedMs = performance.now() - wentLive;
	// The bot's own poll loop runs every 60 s of real time: a poll in this window would make "pushed" untrue.
	if (pollsBetween(wentLiveAt, pushedPost.createdAt) > 0) throw new Error('a poll, not the push, found the go-live');
	await bot.context.notifier?.whenIdle();
	showActivity('posted');
	note(
		`${style.good('⚡')} posted ${style.bold(formatMs(pushedMs))} after the go-live (measured), with no poll in between: EventSub pushed`,
	);
	note('  stream.online, and the bot read the title and category from Get Channel Information.');
	aside('  The fake Twitch sends stream.online at once; real Twitch takes about a second more to send it.');

	await step('The next poll fills in what only Get Streams knows');
	clock.advance(60_000);
	await poll();
	showActivity('edited');
	note('The push brings no preview picture: the first poll that lists the stream adds it.');
	clock.advance(60_000);
	await poll();
	showActivity('nothing', `same stream id ${stream.id}: no new post (one announcement per stream)`);

	// ── Past the EventSub budget: the polling path ──
	await step('A second streamer, past the EventSub budget');
	twitch.eventsub.setMaxTotalCost(subscribed.totalCost);
	aside(
		`(this demo shrinks the app's EventSub budget, max_total_cost, to ${subscribed.totalCost}; Twitch's default is 10,000: 5,000 channels)`,
	);
	await runCommand('Ada', `/watch add channel:nightowl post-in:#${alerts.name}`, {
		name: 'watch',
		subcommand: 'add',
		options: { channel: 'nightowl', 'post-in': alerts.id },
	});
	watched.push(latecomer);
	await poll();
	showActivity('nothing', 'NightOwl is offline: nothing to post');
	const overBudget = await eventsub.reconcile();
	if (bot.context.notifier?.isInstant(latecomer.id) !== false) throw new Error('NightOwl should be left to polling');
	aside(
		`⏱ EventSub cost ${overBudget.totalCost} of ${overBudget.maxTotalCost}: no room for NightOwl (${overBudget.overBudget} channel left to polling)`,
	);
	clock.advance(4 * 60_000);
	twitch.goLive(latecomer.id, { title: 'Blitz until sunrise', game_name: 'Chess', viewer_count: 41 });
	note('Twitch: NightOwl starts a stream');
	const quietMs = Math.max(1000, 5 * pushedMs);
	await new Promise((resolve) => setTimeout(resolve, quietMs));
	await bot.context.notifier?.whenIdle();
	showActivity('nothing', `${formatMs(quietMs)} later, still no post: no subscription, so Twitch pushes nothing`);

	await step('The next poll finds NightOwl');
	clock.advance(30_000);
	const pollStarted = performance.now();
	await poll();
	const polledMs = performance.now() - pollStarted;
	showActivity('posted');
	const interval = bot.context.config.pollIntervalSeconds;
	note(
		`${style.good('✓')} posted by the poll, ${formatMs(polledMs)} after it began. Left to itself the bot polls every ${interval} s, so a`,
	);
	note(
		`  polled go-live reaches Discord up to ${interval} s after it starts; a pushed one, as soon as Twitch sends it.`,
	);

	await step('The bot restarts mid-stream (say, to install an update)');
	await bot.stop();
	note(`${style.good('✓')} bot stopped cleanly; its state is in the store`);
	clock.advance(10 * 60_000);
	bot = await world.startBot(logger);
	note(`${style.good('✓')} bot started again, ten minutes later (long after Discord forgets a message nonce)`);
	await poll();
	showActivity('nothing', `the store says stream ${stream.id} was announced: no second post`);

	// ── A title change ──
	await step('The streamer changes the title and the game');
	clock.advance(25 * 60_000);
	twitch.updateStream(streamer.id, { title: 'Sub-30 done! Now some Hollow Knight', game_name: 'Hollow Knight' });
	note('Twitch: new title “Sub-30 done! Now some Hollow Knight”, category Hollow Knight');
	await poll();
	showActivity('edited');

	await step('A member asks what is on');
	clock.advance(5 * 60_000);
	await runCommand('Sam', '/live channel:pixelpaws', {
		name: 'live',
		options: { channel: 'pixelpaws' },
		userId: MEMBER_ID,
		memberPermissions: Permission.ViewChannel | Permission.SendMessages | Permission.UseApplicationCommands,
	});

	// ── Twitch flaps ──
	await step('Twitch leaves PixelPaws out of one poll (it does that)');
	const current = twitch.getStream(streamer.id);
	if (!current) throw new Error('the stream should still be live');
	twitch.endStream(streamer.id, { archive: false });
	clock.advance(60_000);
	note('Twitch: Get Streams does not list PixelPaws this time');
	await poll();
	showActivity(
		'nothing',
		`nothing posted, nothing edited: a stream must be missing for ${formatDuration(bot.context.config.streamEndGraceSeconds * 1000)} before it counts as ended`,
	);
	twitch.goLive(streamer.id, { ...current });
	clock.advance(60_000);
	note(`Twitch: PixelPaws is back, same stream id ${current.id}`);
	await poll();
	showActivity('nothing', 'no second announcement: it is the same stream');

	// ── The end ──
	await step('The stream ends');
	clock.advance(97 * 60_000);
	twitch.endStream(streamer.id, { archive: true });
	note('Twitch: PixelPaws ends the stream; Twitch keeps the recording (VOD)');
	await poll();
	showActivity('nothing', 'missing once could still be a flap: the post stays as it is for now');
	clock.advance(bot.context.config.streamEndGraceSeconds * 1000 + 5000);
	aside(`${formatDuration(bot.context.config.streamEndGraceSeconds * 1000)} later…`);
	await poll();
	showActivity('edited');

	await step('The admin checks the watches');
	clock.advance(10 * 60_000);
	await runCommand('Ada', '/watch list', { name: 'watch', subcommand: 'list' });

	await step('What the channel holds now');
	const posts = discord.channelMessages(alerts.id);
	note(
		`${style.accent(`#${alerts.name}`)}: ${posts.length} message${posts.length === 1 ? '' : 's'} from the bot, one per stream:`,
	);
	for (const post of posts) {
		const who = post.content.includes('NightOwl') ? 'NightOwl (still live)' : 'PixelPaws';
		note(
			`  ${who}: posted ${relativeTime(post.createdAt, clock.now())}, edited ${post.edits.length} time${post.edits.length === 1 ? '' : 's'}`,
		);
	}
	await bot.stop();
	note(`${style.good('✓')} bot stopped cleanly`);
}

async function main(): Promise<number> {
	// `npm run demo | head` closes stdout early: keep going quietly, so that the temporary store is still deleted.
	process.stdout.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
	});
	const clock = createAdjustableClock();
	const world = await createWorld({}, { clock });
	const interrupted = () => {
		void world.close().finally(() => process.exit(130));
	};
	process.once('SIGINT', interrupted);
	try {
		await tellStory(world, clock, scriptLogger(verbosity, colors));
		say();
		say(style.bold('That is the whole story.'));
		aside(
			'Run it for real: copy .env.example to .env, fill in your tokens, then npm run deploy-commands and npm start.',
		);
		return 0;
	} catch (error) {
		console.error(`\nThe demo stopped: ${(error as Error).stack ?? String(error)}`);
		return 1;
	} finally {
		process.off('SIGINT', interrupted);
		await world.close();
		aside('The fakes are closed and the temporary store is deleted.');
	}
}

process.exitCode = await main();
