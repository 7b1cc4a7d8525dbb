/**
 * `npm run demo`: the whole product working on this machine, with no credentials and no internet.
 *
 * Starts the fake Twitch and the fake Discord on 127.0.0.1, runs the real bot against them (with a throwaway SQLite
 * store), and tells in the terminal what a Discord server would see: an admin setting up an announcement, a streamer
 * going live and the post pushed by EventSub (with the measured time from go-live to post), a second streamer past
 * the EventSub budget found by the next poll instead, the post edited when the title changes, Twitch flapping
 * (nothing happens), the stream ending (the post becomes "was live" with the VOD link and a summary card: its
 * numbers and a viewer chart), a category watch announcing the most watched Celeste streams and summing up the rest
 * in one line, and `/live` and `/watch list` answers.
 *
 * The demo runs the poll cycles itself and moves a shared clock forward ("two hours later") instead of waiting, so
 * the story takes about 20 seconds. EventSub pushes are real: the fake Twitch sends them over its WebSocket as soon
 * as a streamer goes live, and the demo waits for the post in real time. It ends by itself and deletes what it
 * stored, but for a copy of the viewer chart it leaves in demo-output/ (git ignores it) for the reader to open.
 *
 * DEMO_VERBOSE=1 shows the bot's logs (DEMO_VERBOSE=debug for every poll); DEMO_PAUSE_MS sets the pause between
 * steps (default 900; 0 runs straight through); DEMO_OUTPUT_DIR puts the chart's copy elsewhere.
 */
import type { Logger } from '../src/logger.ts';
import { formatElapsed as formatDuration } from '../src/views/quantities.ts';
import { Permission } from '../test/fakes/discord/index.ts';
import { createWorld, type World } from '../test/support/bot-world.ts';
import { createAdjustableClock } from '../test/support/clock.ts';
import { CELESTE, categoryWatchChapter } from './demo-categories.ts';
import { createTerminalStyle, type DiscordNames, relativeTime } from './demo-render.ts';
import { createStage, type DemoClock, formatMs, WAIT_LIMIT_MS, waitFor } from './demo-stage.ts';
import { describeViewers, fastForwardStream, saveChart, viewerCurve } from './demo-stream-summary.ts';
import { registerCommandsInGuild, scriptLogger } from './fake-world.ts';

const verbosity = process.env.DEMO_VERBOSE;
const pauseMs = Math.max(0, Number(process.env.DEMO_PAUSE_MS ?? 900) || 0);
const colors = process.stdout.isTTY === true && !process.env.NO_COLOR;
const style = createTerminalStyle(colors);
const say = (text = '') => console.log(text);
const aside = (text: string) => say(`  ${style.dim(text)}`);

/** The people of the story, by Discord user id (the owner's id comes from the fake). */
const MEMBER_ID = '300000000000000001';

/** The games of the story, with the ids Twitch gives them. */
const HOLLOW_KNIGHT = { id: '490147', name: 'Hollow Knight' };
const CHESS = { id: '743', name: 'Chess' };

/** PixelPaws's viewers by minute of the stream: up during Celeste, down at the switch, a peak, then home time. */
const pixelPawsViewers = viewerCurve([
	[16, 312],
	[41, 950],
	[42, 700],
	[75, 1010],
	[96, 1240],
	[120, 880],
	[146, 410],
]);

async function tellStory(world: World, clock: DemoClock, logger: Logger) {
	const { twitch, discord } = world;
	/** Get Streams requests (polls) the fake Twitch received between two times of the shared clock. */
	const pollsBetween = (from: number, to: number) =>
		twitch.requests.filter((entry) => entry.route === '/helix/streams' && entry.at >= from && entry.at <= to).length;

	// ── The world: a Discord server and a Twitch streamer ──
	const guild = discord.addGuild({ name: 'Cozy Corner' });
	const general = discord.addChannel(guild.id, { name: 'general' });
	const alerts = discord.addChannel(guild.id, { name: 'stream-alerts' });
	const celesteChannel = discord.addChannel(guild.id, { name: 'celeste-live' });
	const role = discord.addRole(guild.id, { name: 'Stream alerts', mentionable: true });
	for (const game of [CELESTE, HOLLOW_KNIGHT, CHESS]) twitch.addGame(game);
	const streamer = twitch.addUser({
		login: 'pixelpaws',
		display_name: 'PixelPaws',
		description: 'Cozy platformers and speedruns',
	});
	const latecomer = twitch.addUser({ login: 'nightowl', display_name: 'NightOwl', description: 'Late-night chess' });
	const names: DiscordNames = {
		channels: new Map([general, alerts, celesteChannel].map((channel) => [channel.id, channel.name])),
		roles: new Map([[role.id, role.name]]),
		users: new Map([
			[guild.ownerId, 'Ada'],
			[MEMBER_ID, 'Sam'],
			[discord.botUserId, 'the bot'],
		]),
	};
	const stage = createStage({ world, clock, style, names, pauseMs, guildId: guild.id, commandChannelId: general.id });
	const { say, note, aside } = stage;

	say(style.bold('Twitch go-live bot — demo'));
	aside('Everything runs on this machine: a fake Discord and a fake Twitch on 127.0.0.1, the real bot between them,');
	aside('and a throwaway SQLite store. No credentials, no internet. The clock is moved forward instead of waiting.');

	await stage.step('The Discord server and the Twitch channel');
	note(`Discord server ${style.bold(guild.name)} (owner: Ada, an admin)`);
	note(`  ${style.accent(`#${general.name}`)}        where people chat and type commands`);
	note(`  ${style.accent(`#${alerts.name}`)}  where stream announcements should go`);
	note(`  ${style.accent(`#${celesteChannel.name}`)}   for every Celeste stream on Twitch (later in the story)`);
	note(`  ${style.accent(`@${role.name}`)}  a role members opt into to get pinged when a stream starts`);
	note(`Twitch channels ${style.bold('PixelPaws')} and ${style.bold('NightOwl')}, both offline for now`);
	aside(`fake Discord ${discord.apiUrl} · fake Twitch ${twitch.helixUrl}`);

	await stage.step('The bot comes online');
	stage.bot = await world.startBot(logger);
	note(`${style.good('✓')} Twitch app token minted and validated (client credentials)`);
	note(`${style.good('✓')} connected to the Discord gateway: in ${stage.bot.client?.guilds.cache.size ?? 0} server`);
	const registered = await registerCommandsInGuild(discord, stage.bot, guild.id);
	note(
		`${style.good('✓')} slash commands registered in ${guild.name}: ${registered.map((name) => `/${name}`).join(' ')}`,
	);
	const eventsub = stage.bot.context.notifier?.eventsub;
	if (!eventsub) throw new Error('the bot started without EventSub');
	// What Twitch sees: shard 0 of the bot's conduit attached to an open WebSocket session.
	await waitFor('the bot attaching its EventSub session', () =>
		[...twitch.eventsub.shards.values()].some((shards) => shards.some((shard) => shard.status === 'enabled')),
	);
	const conduit = twitch.eventsub.conduits[0];
	note(
		`${style.good('✓')} EventSub: conduit ${conduit?.id ?? '?'} created, its shard 0 attached to the bot's WebSocket`,
	);
	const interval = stage.bot.context.config.pollIntervalSeconds;
	note(`${style.good('✓')} go-live notifier running: EventSub pushes go-lives; polling every ${interval} s`);
	note('  is the safety net (this demo runs the polls itself so you do not have to wait)');

	// ── The admin sets up the announcement ──
	await stage.step('An admin sets up the announcement');
	await stage.runCommand('Ada', `/watch add channel:pixelpaws post-in:#${alerts.name} role:@${role.name}`, {
		name: 'watch',
		subcommand: 'add',
		options: { channel: 'pixelpaws', 'post-in': alerts.id, role: role.id },
	});
	stage.watched.push(streamer);
	await stage.poll();
	stage.showActivity('nothing', 'PixelPaws is offline: nothing to post');
	const subscribed = await eventsub.reconcile();
	if (!stage.bot.context.notifier?.isInstant(streamer.id)) throw new Error('PixelPaws was not subscribed to EventSub');
	aside(
		`⚡ the bot subscribes to PixelPaws's stream.online and stream.offline (EventSub cost ${subscribed.totalCost} of ${subscribed.maxTotalCost.toLocaleString('en-US')})`,
	);

	// ── Going live: the instant path ──
	await stage.step('PixelPaws goes live on Twitch');
	clock.advance(20 * 60_000);
	const wentLiveAt = clock.now();
	const wentLive = performance.now();
	const stream = twitch.goLive(streamer.id, {
		title: 'Celeste any% — road to sub-30 @everyone come watch',
		game_id: CELESTE.id,
		game_name: CELESTE.name,
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
	await stage.bot.context.notifier?.whenIdle();
	stage.showActivity('posted');
	note(
		`${style.good('⚡')} posted ${style.bold(formatMs(pushedMs))} after the go-live (measured), with no poll in between: EventSub pushed`,
	);
	note('  stream.online, and the bot read the title and category from Get Channel Information.');
	aside('  The fake Twitch sends stream.online at once; real Twitch takes about a second more to send it.');

	await stage.step('The next poll fills in what only Get Streams knows');
	clock.advance(60_000);
	await stage.poll();
	stage.showActivity('edited');
	note('The push brings no preview picture: the first poll that lists the stream adds it.');
	clock.advance(60_000);
	await stage.poll();
	stage.showActivity('nothing', `same stream id ${stream.id}: no new post (one announcement per stream)`);

	// ── Past the EventSub budget: the polling path ──
	await stage.step('A second streamer, past the EventSub budget');
	twitch.eventsub.setMaxTotalCost(subscribed.totalCost);
	aside(
		`(this demo shrinks the app's EventSub budget, max_total_cost, to ${subscribed.totalCost}; Twitch's default is 10,000: 5,000 channels)`,
	);
	await stage.runCommand('Ada', `/watch add channel:nightowl post-in:#${alerts.name}`, {
		name: 'watch',
		subcommand: 'add',
		options: { channel: 'nightowl', 'post-in': alerts.id },
	});
	stage.watched.push(latecomer);
	await stage.poll();
	stage.showActivity('nothing', 'NightOwl is offline: nothing to post');
	const overBudget = await eventsub.reconcile();
	if (stage.bot.context.notifier?.isInstant(latecomer.id) !== false) throw new Error('NightOwl should be polled');
	aside(
		`⏱ EventSub cost ${overBudget.totalCost} of ${overBudget.maxTotalCost}: no room for NightOwl (${overBudget.overBudget} channel left to polling)`,
	);
	clock.advance(4 * 60_000);
	twitch.goLive(latecomer.id, {
		title: 'Blitz until sunrise',
		game_id: CHESS.id,
		game_name: CHESS.name,
		viewer_count: 41,
	});
	note('Twitch: NightOwl starts a stream');
	const quietMs = Math.max(1000, 5 * pushedMs);
	await new Promise((resolve) => setTimeout(resolve, quietMs));
	await stage.bot.context.notifier?.whenIdle();
	stage.showActivity('nothing', `${formatMs(quietMs)} later, still no post: no subscription, so Twitch pushes nothing`);

	await stage.step('The next poll finds NightOwl');
	clock.advance(30_000);
	const pollStarted = performance.now();
	await stage.poll();
	const polledMs = performance.now() - pollStarted;
	stage.showActivity('posted');
	note(
		`${style.good('✓')} posted by the poll, ${formatMs(polledMs)} after it began. Left to itself the bot polls every ${interval} s, so a`,
	);
	note(
		`  polled go-live reaches Discord up to ${interval} s after it starts; a pushed one, as soon as Twitch sends it.`,
	);

	await stage.step('The bot restarts mid-stream (say, to install an update)');
	await stage.bot.stop();
	note(`${style.good('✓')} bot stopped cleanly; its state is in the store`);
	clock.advance(10 * 60_000);
	stage.bot = await world.startBot(logger);
	note(`${style.good('✓')} bot started again, ten minutes later (long after Discord forgets a message nonce)`);
	await stage.poll();
	stage.showActivity('nothing', `the store says stream ${stream.id} was announced: no second post`);

	// ── Viewer samples, for the summary at the end ──
	const samplesSoFar = async () => (await stage.bot.context.repositories.viewerSamples.samples(stream.id)).length;
	await stage.step('Half an hour of streaming, a poll every 2 minutes');
	const climb = await fastForwardStream(stage, streamer, wentLiveAt, 12, pixelPawsViewers);
	note(`Twitch: more and more people watch PixelPaws. The demo runs ${climb.polls} polls, 2 minutes apart.`);
	aside(
		`⟳ PixelPaws's viewers at each poll: ${climb.viewers.map((count) => count.toLocaleString('en-US')).join(' · ')}`,
	);
	stage.showActivity('nothing', 'nothing posted, nothing edited: a viewer count alone does not change the post');
	note('At each poll the bot also keeps a viewer sample for the summary at the end of the stream: every 2 minutes');
	note(`in its first 2 hours, then every 5. ${await samplesSoFar()} samples so far.`);

	// ── A title change ──
	await stage.step('The streamer changes the title and the game');
	clock.advance(60_000);
	twitch.updateStream(streamer.id, {
		title: 'Sub-30 done! Now some Hollow Knight',
		game_id: HOLLOW_KNIGHT.id,
		game_name: HOLLOW_KNIGHT.name,
		viewer_count: pixelPawsViewers((clock.now() - wentLiveAt) / 60_000),
	});
	note('Twitch: new title “Sub-30 done! Now some Hollow Knight”, category Hollow Knight; some Celeste fans leave');
	await stage.poll();
	stage.showActivity('edited');
	note(`The bot also takes a viewer sample at once, so that the chart marks the switch (${await samplesSoFar()} now).`);

	await stage.step('A member asks what is on');
	clock.advance(5 * 60_000);
	await stage.runCommand('Sam', '/live channel:pixelpaws', {
		name: 'live',
		options: { channel: 'pixelpaws' },
		userId: MEMBER_ID,
		memberPermissions: Permission.ViewChannel | Permission.SendMessages | Permission.UseApplicationCommands,
	});

	// ── Twitch flaps ──
	const grace = formatDuration(stage.bot.context.config.streamEndGraceSeconds * 1000);
	await stage.step('Twitch leaves PixelPaws out of one poll (it does that)');
	const current = twitch.getStream(streamer.id);
	if (!current) throw new Error('the stream should still be live');
	twitch.endStream(streamer.id, { archive: false });
	clock.advance(60_000);
	note('Twitch: Get Streams does not list PixelPaws this time');
	await stage.poll();
	stage.showActivity(
		'nothing',
		`nothing posted, nothing edited: a stream must be missing for ${grace} before it counts as ended`,
	);
	twitch.goLive(streamer.id, { ...current });
	clock.advance(60_000);
	note(`Twitch: PixelPaws is back, same stream id ${current.id}`);
	await stage.poll();
	stage.showActivity('nothing', 'no second announcement: it is the same stream');

	await stage.step('An hour and a half more, fast-forwarded');
	const evening = await fastForwardStream(stage, streamer, wentLiveAt, 48, pixelPawsViewers);
	aside(`⟳ ${evening.polls} polls, 2 minutes apart: PixelPaws's viewers ${describeViewers(evening.viewers)}`);
	stage.showActivity('nothing', 'nothing posted, nothing edited');
	const samples = await samplesSoFar();
	note(`Past its first 2 hours the stream is sampled every 5 minutes: ${samples} viewer samples in all.`);

	// ── The end ──
	await stage.step('The stream ends');
	clock.advance(60_000);
	twitch.endStream(streamer.id, { archive: true });
	note('Twitch: PixelPaws ends the stream; Twitch keeps the recording (VOD)');
	await stage.poll();
	stage.showActivity('nothing', 'missing once could still be a flap: the post stays as it is for now');
	clock.advance(stage.bot.context.config.streamEndGraceSeconds * 1000 + 5000);
	aside(`${grace} later…`);
	await stage.poll();
	const ended = stage.showActivity('edited');
	if (!ended) throw new Error('the end edit is missing');
	note('The post now sums the stream up: how long it ran, its peak viewers and when, the average (over time, from');
	note('the samples), the time spent in each category, and the titles it had.');
	const chart = saveChart(stage, ended);
	note(
		`${style.good('✓')} The chart of the ${samples} samples is attached to the post (viewers.png, ${chart.width}×${chart.height} PNG);`,
	);
	note(`  a copy is at ${style.bold(chart.path)}`);

	// ── Watching a whole category ──
	clock.advance(5 * 60_000);
	await categoryWatchChapter(stage, celesteChannel);

	await stage.step('The admin checks the watches');
	clock.advance(10 * 60_000);
	await stage.runCommand('Ada', '/watch list', { name: 'watch', subcommand: 'list' });

	await stage.step('What the channels hold now');
	const posts = discord.channelMessages(alerts.id);
	note(`${style.accent(`#${alerts.name}`)}: ${posts.length} messages from the bot, one per stream:`);
	for (const post of posts) {
		const who = post.content.includes('NightOwl') ? 'NightOwl (still live)' : 'PixelPaws';
		const edits = `${post.edits.length} time${post.edits.length === 1 ? '' : 's'}`;
		note(`  ${who}: posted ${relativeTime(post.createdAt, clock.now())}, edited ${edits}`);
	}
	const celestePosts = discord.channelMessages(celesteChannel.id);
	note(
		`${style.accent(`#${celesteChannel.name}`)}: ${celestePosts.length} messages, ${celestePosts.length - 1} announcements and the line about the others`,
	);
	await stage.bot.stop();
	note(`${style.good('✓')} bot stopped cleanly`);
	return chart.path;
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
	let chartPath: string | undefined;
	try {
		chartPath = await tellStory(world, clock, scriptLogger(verbosity, colors));
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
		if (chartPath) aside(`The copy of the viewer chart stays: ${chartPath}`);
	}
}

process.exitCode = await main();
