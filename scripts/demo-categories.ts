/**
 * The chapter of `npm run demo` about category watches: an admin asks for every Celeste stream over a few viewers,
 * eight channels nobody watches by name go live in Celeste, and the next poll announces the most watched up to the
 * server's limit and sums up the rest in one line (the flood guard), leaving out the one under min-viewers.
 */
import { formatCount } from '../src/views/quantities.ts';
import { MAX_CATEGORY_POSTS, MIN_CATEGORY_POSTS } from '../src/watch/watch-settings.ts';
import type { FakeChannel } from '../test/fakes/discord/index.ts';
import { renderDiscordText } from './demo-render.ts';
import type { Stage } from './demo-stage.ts';

/** The category the chapter watches, with the id Twitch gives Celeste. */
export const CELESTE = { id: '504461', name: 'Celeste' };

/** Who streams Celeste in this chapter, most watched first; the last is under MIN_VIEWERS. */
const CELESTE_STREAMERS = [
	{ login: 'berryblue', name: 'BerryBlue', viewers: 2140, title: 'Farewell golden berry attempts' },
	{ login: 'summitseeker', name: 'SummitSeeker', viewers: 860, title: 'First time reaching the summit!' },
	{ login: 'dashqueen', name: 'DashQueen', viewers: 512, title: 'Any% practice, chill vibes' },
	{ login: 'strawberryjam', name: 'StrawberryJam', viewers: 233, title: 'Modded maps marathon' },
	{ login: 'mountainmods', name: 'MountainMods', viewers: 97, title: 'Speedrun mods showcase' },
	{ login: 'coreblock', name: 'CoreBlock', viewers: 45, title: 'Chapter 8 grind' },
	{ login: 'featherdash', name: 'FeatherDash', viewers: 12, title: 'Learning Celeste' },
	{ login: 'tinyclimber', name: 'TinyClimber', viewers: 4, title: 'my first stream!!' },
] as const;

/** Fewer viewers than this and a stream is not announced (the watch's min-viewers). */
const MIN_VIEWERS = 10;

/** Sets up the category watch and lets the Celeste streamers go live; `channel` is where the watch posts. */
export async function categoryWatchChapter(stage: Stage, channel: FakeChannel): Promise<void> {
	const { style, note, aside, world } = stage;
	const where = style.accent(`#${channel.name}`);

	await stage.step('An admin watches a whole category');
	note(`Ada wants every Celeste stream with ${MIN_VIEWERS} viewers or more announced in ${where}, whoever streams it.`);
	const typed = await world.discord.runCommand({
		guildId: channel.guildId,
		channelId: channel.id,
		name: 'watch',
		subcommand: 'category',
		type: 4,
		focused: 'game',
		options: { game: 'Cel' },
	});
	const choices: Array<{ name: string; value: string }> = typed.final?.choices ?? [];
	const picked = choices.find((choice) => choice.value === `id:${CELESTE.id}`);
	if (!picked) throw new Error(`Celeste was not among the suggestions for “Cel”: ${JSON.stringify(choices)}`);
	const suggested = choices.map((choice) => `“${choice.name}”`).join(', ');
	note(`As she types “Cel” in the game option, the bot suggests ${suggested} from Twitch's category search;`);
	note(`she picks it, and Discord sends the bot “${picked.value}”, the category's Twitch id.`);
	await stage.runCommand('Ada', `/watch category game:Celeste min-viewers:${MIN_VIEWERS} post-in:#${channel.name}`, {
		name: 'watch',
		subcommand: 'category',
		options: { game: picked.value, 'min-viewers': MIN_VIEWERS, 'post-in': channel.id },
	});

	await stage.step('Eight channels nobody watches by name go live in Celeste');
	for (const streamer of CELESTE_STREAMERS) {
		const user = world.twitch.addUser({ login: streamer.login, display_name: streamer.name });
		world.twitch.goLive(user.id, {
			game_id: CELESTE.id,
			game_name: CELESTE.name,
			viewer_count: streamer.viewers,
			language: 'en',
			title: streamer.title,
		});
		stage.categoryStreamers.push(user);
	}
	const listed = CELESTE_STREAMERS.map((streamer) => `${streamer.name} (${formatCount(streamer.viewers)})`);
	note(`Twitch: ${CELESTE_STREAMERS.length} channels start streaming Celeste (viewers in brackets):`);
	note(`  ${listed.slice(0, 5).join(', ')},`);
	note(`  ${listed.slice(5).join(', ')}`);
	aside('EventSub pushes nothing: it covers only channels watched by name. Each poll first asks Twitch for the live');
	aside('streams of each watched category, most watched first.');
	const limit = (await stage.bot.context.repositories.guildSettings.get(channel.guildId)).categoryPostLimit;
	stage.clock.advance(60_000);
	await stage.poll();
	showCategoryPosts(stage, channel, limit);
	const below = CELESTE_STREAMERS.filter((streamer) => streamer.viewers < MIN_VIEWERS);
	const eligible = CELESTE_STREAMERS.length - below.length;
	note(
		`${style.good('✓')} ${limit} posts: the ${limit} most watched of the ${eligible} channels with ${MIN_VIEWERS} viewers or more. ${limit} is the server's`,
	);
	note(
		`  limit of new posts per category and poll (/watch settings category-posts: sets it, ${MIN_CATEGORY_POSTS} to ${MAX_CATEGORY_POSTS});`,
	);
	note(`  the other ${eligible - limit} share one line, so a busy category cannot flood the channel.`);
	note(
		`${style.good('✓')} ${below.map((streamer) => `${streamer.name} (${streamer.viewers} viewers)`).join(', ')}: under min-viewers ${MIN_VIEWERS}, so not announced and not in the line.`,
	);
	note(
		`The ${limit} announced channels are now followed like watched ones, so that their posts end with their streams.`,
	);
	stage.clock.advance(60_000);
	await stage.poll();
	stage.showActivity('nothing', 'the next poll posts nothing more: the bot decides once about each stream');
}

/**
 * Shows the posts one poll made in the category watch's channel: the first in full, the others by their first
 * line, then the flood guard's line. Fails the demo unless there are `limit` posts and then that one line.
 */
function showCategoryPosts(stage: Stage, channel: FakeChannel, limit: number): void {
	const { style, note } = stage;
	const seen = stage.takeActivity();
	const posts = seen.filter(({ kind, message }) => kind === 'posted' && message.channelId === channel.id);
	const line = posts.at(-1)?.message;
	if (posts.length !== seen.length || posts.length !== limit + 1 || !line?.content.startsWith('…and ')) {
		const kinds = seen.map(({ kind, message }) => `${kind} in ${message.channelId}`).join(', ') || 'nothing';
		throw new Error(`expected ${limit} posts and one summary line in #${channel.name}, saw: ${kinds}`);
	}
	const [first, ...others] = posts.slice(0, -1);
	if (first) stage.showMessage('posted', first.message);
	for (const { message } of others) {
		const headline = renderDiscordText(message.content.split('\n')[0] ?? '', stage.names, stage.clock.now(), style);
		note(`${style.accent(`#${channel.name}`)}  ${style.bold(stage.botName)} posts:  ${headline}  ${style.dim('(…)')}`);
	}
	note(`${style.accent(`#${channel.name}`)}  ${style.bold(stage.botName)} posts, once the announcements are out:`);
	stage.show(line);
}
