/**
 * The stage `npm run demo` tells its story on: the terminal narration (numbered steps, notes, asides), slash
 * commands typed by the story's people, poll cycles run on demand, and what the bot did in Discord since the last
 * look, checked against what the story says should have happened.
 */
import type { RunningBot } from '../src/bot.ts';
import type { PollCycleReport } from '../src/notify/poller.ts';
import { formatElapsed as formatDuration } from '../src/views/quantities.ts';
import type { FakeMessage, InteractionResult, RunCommandOptions } from '../test/fakes/discord/index.ts';
import type { World } from '../test/support/bot-world.ts';
import type { createAdjustableClock } from '../test/support/clock.ts';
import { type DiscordNames, quoteBlock, renderBody, type TerminalStyle } from './demo-render.ts';
import { describePings } from './fake-world.ts';

/** How long the demo waits, in real time, for something the bot does on its own (an EventSub session, a push). */
export const WAIT_LIMIT_MS = 10_000;

/** Waits until `done()` holds, or fails the demo with `what` after WAIT_LIMIT_MS. */
export async function waitFor(what: string, done: () => boolean): Promise<void> {
	const started = performance.now();
	while (!done()) {
		if (performance.now() - started > WAIT_LIMIT_MS) throw new Error(`${what}: not within ${WAIT_LIMIT_MS} ms`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

export const formatMs = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** What the bot did to one message in Discord. */
export interface DiscordActivity {
	kind: 'posted' | 'edited' | 'deleted';
	message: FakeMessage;
}

export type DemoClock = ReturnType<typeof createAdjustableClock>;

export interface StageOptions {
	world: World;
	clock: DemoClock;
	style: TerminalStyle;
	names: DiscordNames;
	/** Real-time pause before each step, so that a reader can follow (0: straight through). */
	pauseMs: number;
	/** The guild the story happens in, and the channel where its people type commands. */
	guildId: string;
	commandChannelId: string;
}

export type Stage = ReturnType<typeof createStage>;

export function createStage(options: StageOptions) {
	const { world, clock, style, names } = options;
	const { twitch, discord } = world;
	const say = (text = '') => console.log(text);
	const note = (text: string) => say(`  ${text}`);
	const aside = (text: string) => say(`  ${style.dim(text)}`);
	const quote = (lines: readonly string[]) => say(quoteBlock(lines, style, '      '));
	let stepNumber = 0;
	let running: RunningBot | undefined;

	const activity: DiscordActivity[] = [];
	discord.on('message', (message) => activity.push({ kind: 'posted', message }));
	discord.on('messageUpdate', (message) => activity.push({ kind: 'edited', message }));
	discord.on('messageDelete', (message) => activity.push({ kind: 'deleted', message }));

	const stage = {
		world,
		clock,
		style,
		names,
		say,
		note,
		aside,
		quote,
		/** The Twitch channels watched by name so far, to tell what Get Streams listed from what the bot holds. */
		watched: [] as Array<{ id: string }>,
		/** Channels streaming in a watched category: the bot follows those it announced to their end, like watched ones. */
		categoryStreamers: [] as Array<{ id: string }>,

		get bot(): RunningBot {
			if (!running) throw new Error('the bot is not running');
			return running;
		},
		set bot(bot: RunningBot) {
			running = bot;
		},
		get botName(): string {
			return running?.client?.user?.username ?? 'The bot';
		},

		async step(title: string): Promise<void> {
			await new Promise<void>((resolve) => setTimeout(resolve, options.pauseMs));
			stepNumber++;
			say();
			say(style.bold(`── ${stepNumber}. ${title} ${'─'.repeat(Math.max(3, 72 - title.length))}`));
		},

		/** Renders a message or reply body as the Discord app would show it, quoted under the line before. */
		show(body: Parameters<typeof renderBody>[0]): void {
			quote(renderBody(body, names, clock.now(), style));
		},

		/** `who` types `typed` in the command channel; shows the bot's answer. */
		async runCommand(
			who: string,
			typed: string,
			command: Omit<RunCommandOptions, 'guildId' | 'channelId'>,
		): Promise<InteractionResult> {
			note(`${style.bold(who)} types in ${style.accent(`#${names.channels.get(options.commandChannelId)}`)}:`);
			say(`      ${style.accent(typed)}`);
			const result = await discord.runCommand({
				guildId: options.guildId,
				channelId: options.commandChannelId,
				...command,
			});
			const visibility = result.ephemeral ? style.dim(` (only ${who} can see this)`) : '';
			note(`${style.bold(stage.botName)} answers${visibility}:`);
			stage.show(result.final ?? {});
			return result;
		},

		/** One poll cycle of the bot, told in one line: what Twitch listed and what the bot holds as live. */
		async poll(): Promise<PollCycleReport> {
			const report = await stage.runQuietCycle();
			const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
			const { requests: byCategory, seenInList } = report.category;
			// A channel announced from a category is in that category's list: the bot does not ask about it again.
			const byId = `${plural(report.batches, 'Get Streams request')} for ${plural(report.watchedUsers - seenInList, 'watched channel')}`;
			const asked =
				byCategory === 0
					? byId
					: `${plural(byCategory, 'Get Streams request')} for the watched category, then ${report.batches} for ${plural(report.watchedUsers - seenInList, 'watched channel')}${seenInList > 0 ? ` (the ${seenInList} announced from the category were in its list)` : ''}`;
			const notifier = stage.bot.context.notifier;
			const followed = stage.categoryStreamers.filter((user) => notifier?.streamStateOf(user.id) !== undefined);
			const listed = [...stage.watched, ...followed].filter((user) => twitch.getStream(user.id) !== undefined).length;
			// The bot's count is its own state: a stream Twitch leaves out stays live through the grace period.
			const held = report.liveUsers;
			const grace = formatDuration(stage.bot.context.config.streamEndGraceSeconds * 1000);
			const why = held > listed ? ` (a stream missing for under ${grace} has not ended)` : '';
			aside(
				`⟳ the bot polls Twitch, ${asked}: Twitch lists ${listed || 'none'} as live; the bot holds ${held || 'none'} as live${why}`,
			);
			return report;
		},

		/** One poll cycle, told by nothing: for the stretches the story fast-forwards through. */
		async runQuietCycle(): Promise<PollCycleReport> {
			const notifier = stage.bot.context.notifier;
			if (!notifier) throw new Error('the bot started without its go-live notifier');
			return notifier.runCycle();
		},

		/** Everything the bot did in Discord since the last look: posts, edits, deletions. */
		takeActivity(): DiscordActivity[] {
			return activity.splice(0, activity.length);
		},

		/**
		 * Shows what the bot did in Discord since the last look. The story says what should have happened: anything
		 * else stops the demo with exit code 1, so a broken bot cannot pass for a working one.
		 */
		showActivity(expected: DiscordActivity['kind'] | 'nothing', ifNothing = ''): FakeMessage | undefined {
			const seen = stage.takeActivity();
			const kinds = seen.map(({ kind }) => kind);
			const asExpected = expected === 'nothing' ? seen.length === 0 : kinds.length === 1 && kinds[0] === expected;
			if (!asExpected) {
				throw new Error(
					`expected ${expected === 'nothing' ? 'no Discord activity' : `one message ${expected}`}, saw: ${kinds.join(', ') || 'nothing'}`,
				);
			}
			if (seen.length === 0) {
				note(style.good(`✓ ${ifNothing}`));
				return undefined;
			}
			for (const { kind, message } of seen) stage.showMessage(kind, message);
			return seen[0]?.message;
		},

		/** One post, edit or deletion as a reader of the channel sees it. */
		showMessage(kind: DiscordActivity['kind'], message: FakeMessage): void {
			const verb = { posted: 'posts', edited: 'edits its post', deleted: 'deletes its post' }[kind];
			const channel = names.channels.get(message.channelId) ?? message.channelId;
			note(`${style.accent(`#${channel}`)}  ${style.bold(stage.botName)} ${verb}:`);
			if (kind !== 'deleted') stage.show(message);
			if (kind === 'posted') note(describePings(message, names, style));
		},
	};
	return stage;
}
