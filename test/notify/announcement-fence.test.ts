/**
 * Every announcement record the delivery stages write carries the fencing number of the notifier lease the process
 * holds (DeliveryContext.fence), so that a record tells which term of the active notifier wrote it; without a lease
 * it carries none, not the number of whichever process wrote the record before.
 */
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/logger.ts';
import { newIntent } from '../../src/notify/announcement-records.ts';
import { DeliveryStatusBook } from '../../src/notify/delivery-status.ts';
import { DiscordMessages } from '../../src/notify/discord-messages.ts';
import { ElapsedTime } from '../../src/notify/elapsed-time.ts';
import { LiveDelivery } from '../../src/notify/live-delivery.ts';
import { StreamEnds } from '../../src/notify/stream-end.ts';
import { type DeliveryContext, StreamQueues } from '../../src/notify/stream-queues.ts';
import { AnnouncementRepository } from '../../src/store/announcement-repository.ts';
import type { StreamState } from '../../src/store/records.ts';
import { announcementRenderer } from '../../src/views/announcement.ts';
import { makeStreamState } from '../support/fixtures.ts';
import { type NotifierWorld, postsIn, useNotifierWorld } from '../support/notifier-world.ts';

let world: NotifierWorld;
useNotifierWorld((started) => {
	world = started;
});

/** The two delivery stages over the world's repositories, wired as createNotifier wires them, with `fence`. */
function deliveryStages(fence: () => number | undefined) {
	const logger = createSilentLogger();
	const elapsed = new ElapsedTime(world.clock);
	const queues = new StreamQueues(logger);
	const context: DeliveryContext = {
		queues,
		messages: new DiscordMessages(world.rest, { isAnnouncementOf: announcementRenderer.isAnnouncementOf }),
		renderer: announcementRenderer,
		status: new DeliveryStatusBook({
			watches: world.repos.watches,
			deliveryStatus: world.repos.deliveryStatus,
			logger,
			clock: world.clock,
			elapsed,
		}),
		watches: world.repos.watches,
		guildSettings: world.repos.guildSettings,
		announcements: world.repos.announcements,
		logger,
		clock: world.clock,
		elapsed,
		fence,
	};
	return { queues, live: new LiveDelivery(context), ends: new StreamEnds({ ...context, twitch: world.twitch }) };
}

/** A watched user live on the fake Twitch, and the live state the stream states would hand delivery. */
async function liveStream(login: string): Promise<{ state: StreamState; channelId: string | null }> {
	const { userId, channelId } = await world.watch(login);
	const stream = world.twitchFake.goLive(userId, { title: `${login} live` });
	const state = makeStreamState(userId, {
		streamId: stream.id,
		login: stream.user_login,
		displayName: stream.user_name,
		title: stream.title,
		gameName: stream.game_name,
		updatedAt: world.clock.now(),
	});
	return { state, channelId };
}

const stored = async (streamId: string | null) => new AnnouncementRepository(world.store).listForStream(streamId ?? '');

describe('the fence on announcement records', () => {
	it('stamps the lease’s fence on the intent, the post and the end, as the fence is when each is written', async () => {
		let fence = 7;
		const { queues, live, ends } = deliveryStages(() => fence);
		const { state, channelId } = await liveStream('fenced');
		const written: unknown[] = [];
		const put = world.repos.announcements.put.bind(world.repos.announcements);
		world.repos.announcements.put = (announcement, ...also) => {
			written.push({ phase: announcement.phase, fence: announcement.fence });
			return put(announcement, ...also);
		};

		live.observe(state);
		await queues.whenIdle();
		expect(postsIn(world, channelId)).toHaveLength(1);
		expect(await stored(state.streamId)).toEqual([expect.objectContaining({ phase: 'posted', fence: 7 })]);

		fence = 8; // a later term of the lease
		ends.observeEnded({
			kind: 'ended',
			userId: state.userId,
			streamId: state.streamId ?? '',
			state,
			endedAt: world.clock.now(),
		});
		await queues.whenIdle();
		expect(await stored(state.streamId)).toEqual([expect.objectContaining({ phase: 'ended', fence: 8 })]);
		expect(written).toEqual([
			{ phase: 'intent', fence: 7 },
			{ phase: 'posted', fence: 7 },
			{ phase: 'ended', fence: 8 },
		]);
	});

	it('writes no fence without a lease, not even the one an earlier process left on the record', async () => {
		const { queues, live } = deliveryStages(() => undefined);
		const { state, channelId } = await liveStream('unfenced');
		const { guildId } = world.repos.watches.watchesForUser(state.userId)[0] ?? { guildId: '' };
		// An intent an earlier process (fence 3) recorded and never posted.
		const earlier = { ...newIntent(state, guildId, channelId ?? '', world.clock.now()), fence: 3 };
		await world.repos.announcements.put(earlier);

		live.observe(state);
		await queues.whenIdle();

		expect(postsIn(world, channelId)).toHaveLength(1);
		const [posted] = await stored(state.streamId);
		expect(posted).toMatchObject({ phase: 'posted' });
		expect(posted).not.toHaveProperty('fence');
	});
});
