/**
 * The stream summary at the end (issue 11), through the real notifier against both fakes: viewer samples taken
 * while the stream is live, then the end edit with the numbers and the viewer chart attached.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHART_FILENAME } from '../../src/notify/summary-card.ts';
import { cyclesPastGrace, type NotifierWorld, postsIn, startNotifierWorld } from '../support/notifier-world.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let world: NotifierWorld;
beforeEach(async () => {
	world = await startNotifierWorld();
});
afterEach(async () => {
	await world.close();
});

/** A stream live for 10 poll cycles with rising viewers and one category change, then ended past the grace. */
async function streamAndEnd(login: string) {
	const target = await world.watch(login);
	world.twitchFake.goLive(target.userId, {
		title: 'Any% practice',
		game_id: '504461',
		game_name: 'Celeste',
		viewer_count: 10,
	});
	for (let cycle = 1; cycle <= 10; cycle++) {
		if (cycle === 6) world.twitchFake.updateStream(target.userId, { game_id: '509658', game_name: 'Just Chatting' });
		world.twitchFake.updateStream(target.userId, { viewer_count: 10 * cycle });
		await world.cycle();
	}
	world.twitchFake.endStream(target.userId, { archive: false });
	await cyclesPastGrace(world);
	const [post] = postsIn(world, target.channelId);
	if (!post) throw new Error('nothing was posted');
	return { target, post };
}

describe('the stream summary at the end', () => {
	it('edits the post to show duration, peak and average viewers, the categories, and the viewer chart', async () => {
		const { post } = await streamAndEnd('summed');
		const embed = post.embeds[0] as { fields?: Array<{ name: string; value: string }>; image?: { url: string } };
		const fields = new Map((embed.fields ?? []).map((field) => [field.name, field.value]));
		expect(fields.get('Peak viewers')).toMatch(/^100\b/);
		expect(fields.get('Average viewers')).toBeDefined();
		expect(fields.get('Categories')).toMatch(/Celeste[\s\S]*Just Chatting/);
		expect(embed.image?.url).toBe(`attachment://${CHART_FILENAME}`);
		const png = world.discord.attachmentBytes(post.id, CHART_FILENAME);
		expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(png.readUInt32BE(16)).toBe(800); // IHDR width
		expect(png.readUInt32BE(20)).toBe(300); // IHDR height
	});

	it('ends the post as before, without numbers or a chart, when the server turned the summary off', async () => {
		const login = 'plain';
		const target = await world.watch(login);
		await world.repos.guildSettings.update(target.guildId, { streamSummary: false });
		world.twitchFake.goLive(target.userId, { title: 'Any% practice', viewer_count: 10 });
		for (let cycle = 1; cycle <= 6; cycle++) await world.cycle();
		world.twitchFake.endStream(target.userId, { archive: false });
		await cyclesPastGrace(world);
		const [post] = postsIn(world, target.channelId);
		const embed = post?.embeds[0] as { fields?: Array<{ name: string }>; image?: unknown };
		expect(post?.edits.length).toBeGreaterThan(0);
		expect((embed.fields ?? []).map((field) => field.name)).not.toContain('Peak viewers');
		expect(embed.image).toBeUndefined();
		expect(post?.attachments ?? []).toEqual([]);
	});
});
