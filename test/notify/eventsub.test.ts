/**
 * Issue 8: go-lives pushed by EventSub over a conduit WebSocket, against the fake Twitch's EventSub. The notifier
 * is started for real (its poll loop runs once at start, then waits on the test's clock), so a post that appears
 * without moving the clock came from EventSub.
 */
import { describe, expect, it } from 'vitest';
import type { NotifierWorld } from '../support/notifier-world.ts';
import { postsIn, useNotifierWorld, waitUntil } from '../support/notifier-world.ts';

let world: NotifierWorld;
useNotifierWorld(
	(started) => {
		world = started;
	},
	{},
	{ eventsub: true, twitchOptions: { eventsubUnusedCloseMs: 1_000 } },
);

const posts = (channelId: string | null) => postsIn(world, channelId);

function attachedSessions() {
	return world.twitchFake.eventsub.sessions.filter((session) => session.attached && session.status === 'connected');
}

function enabledSubscriptions(userId?: string) {
	return world.twitchFake.eventsub.subscriptions.filter(
		(subscription) =>
			subscription.status === 'enabled' &&
			(userId === undefined || subscription.condition.broadcaster_user_id === userId),
	);
}

/** Starts the notifier and waits until its session is attached and the watched users are subscribed. */
async function startInstant(subscriptions: number): Promise<void> {
	await world.notifier.start();
	await waitUntil(() => attachedSessions().length === 1 && enabledSubscriptions().length === subscriptions, 5_000);
	await world.notifier.eventsub?.reconcile(); // the one start began, or a fresh one: settled either way
}

describe('EventSub: instant go-lives', () => {
	it('posts a go-live pushed by stream.online without any poll', async () => {
		const { userId, channelId } = await world.watch('instant');
		await startInstant(2);
		world.twitchFake.setStreamsLag(10 * 60_000); // Get Streams cannot have told
		world.twitchFake.updateChannel(userId, { title: 'Straight from the push', game_name: 'Celeste' });
		world.twitchFake.goLive(userId, { title: 'Straight from the push', game_name: 'Celeste' });

		const post = await world.discord.waitForMessage((message) => message.channelId === channelId, 3_000);
		expect(post.content).toContain('Straight from the push');
		expect(JSON.stringify(post.embeds)).toContain('Celeste');
		expect(world.notifier.isInstant(userId)).toBe(true);
	});

	it('posts once when the same notification is delivered twice', async () => {
		const { userId, channelId } = await world.watch('twice');
		await startInstant(2);
		world.twitchFake.eventsub.duplicateNext(1);
		world.twitchFake.goLive(userId);

		await world.discord.waitForMessage((message) => message.channelId === channelId, 3_000);
		await new Promise((resolve) => setTimeout(resolve, 200));
		await world.notifier.whenIdle();
		expect(posts(channelId)).toHaveLength(1);
	});

	it('loses no event across a session_reconnect', async () => {
		const { userId, channelId } = await world.watch('moving');
		await startInstant(2);
		const before = attachedSessions()[0]?.id;
		world.twitchFake.eventsub.reconnect();
		await waitUntil(() => attachedSessions().some((session) => session.id !== before), 5_000);
		world.twitchFake.goLive(userId);

		await world.discord.waitForMessage((message) => message.channelId === channelId, 3_000);
		expect(world.twitchFake.eventsub.droppedNotifications).toBe(0);
	});

	it('reconnects after the socket drops, attaches the new session, and posts the next go-live', async () => {
		const { userId, channelId } = await world.watch('dropped');
		await startInstant(2);
		const before = attachedSessions()[0]?.id;
		world.twitchFake.eventsub.drop();
		await waitUntil(() => attachedSessions().some((session) => session.id !== before), 5_000);
		world.twitchFake.goLive(userId);

		await world.discord.waitForMessage((message) => message.channelId === channelId, 3_000);
	});

	it('attaches the session within the time Twitch allows (no 4003 close)', async () => {
		await world.watch('attached');
		await startInstant(2);
		await new Promise((resolve) => setTimeout(resolve, 1_500)); // past the fake's 1 s unused-connection limit
		expect(world.twitchFake.eventsub.sessions.filter((session) => session.closeCode === 4003)).toEqual([]);
		expect(attachedSessions()).toHaveLength(1);
	});

	it('counts a revoked channel as polled, and subscribes it again at the next reconciliation', async () => {
		const { userId } = await world.watch('revoked');
		await startInstant(2);
		const [online] = enabledSubscriptions(userId).filter((subscription) => subscription.type === 'stream.online');
		world.twitchFake.eventsub.revoke(online?.id ?? '', 'authorization_revoked');
		await waitUntil(() => !world.notifier.isInstant(userId), 3_000);

		const report = await world.notifier.eventsub?.reconcile();
		expect(report).toMatchObject({ created: 1, deleted: 1, covered: 1 });
		expect(world.notifier.isInstant(userId)).toBe(true);
	});

	it('replaces a revoked subscription at the next poll cycle without being asked', async () => {
		const { userId } = await world.watch('renewed');
		await startInstant(2);
		const [online] = enabledSubscriptions(userId).filter((subscription) => subscription.type === 'stream.online');
		world.twitchFake.eventsub.revoke(online?.id ?? '', 'authorization_revoked');
		await waitUntil(() => !world.notifier.isInstant(userId), 3_000);

		await world.cycle();
		await waitUntil(() => world.notifier.isInstant(userId), 3_000);
		expect(enabledSubscriptions(userId)).toHaveLength(2);
	});

	it('reuses its conduit after a restart, subscribes nothing twice, and posts nothing again', async () => {
		const { userId, channelId } = await world.watch('restarted');
		await startInstant(2);
		world.twitchFake.goLive(userId);
		await world.discord.waitForMessage((message) => message.channelId === channelId, 3_000);
		await world.notifier.stop();

		await world.restart();
		await world.notifier.start();
		await waitUntil(() => attachedSessions().length === 1, 5_000);
		await world.notifier.eventsub?.reconcile();
		await world.cycle();

		expect(world.twitchFake.eventsub.conduits).toHaveLength(1);
		expect(enabledSubscriptions()).toHaveLength(2);
		expect(posts(channelId)).toHaveLength(1);
	});

	it('deletes the subscriptions of a channel nobody watches any more', async () => {
		const kept = await world.watch('kept');
		const removed = await world.watch('removed');
		await startInstant(4);
		await world.repos.watches.remove(removed.guildId, removed.userId);

		await world.cycle(); // the watched users changed: the subscriptions follow
		await waitUntil(() => enabledSubscriptions(removed.userId).length === 0, 3_000);
		expect(enabledSubscriptions(kept.userId)).toHaveLength(2);
	});

	it('ends a stream after stream.offline and the grace period, without waiting for a poll', async () => {
		await world.restart({ config: { pollIntervalSeconds: 3_600 } }); // no poll during this test but the first
		const { userId, channelId } = await world.watch('signoff');
		await startInstant(2);
		world.twitchFake.setStreamsLag(60 * 60_000);
		world.twitchFake.goLive(userId);
		await world.discord.waitForMessage((message) => message.channelId === channelId, 3_000);
		world.clock.advance(60_000); // a short stream

		world.twitchFake.endStream(userId, { archive: false });
		await waitUntil(() => world.notifier.streamStateOf(userId)?.missingSince != null, 3_000);
		world.clock.advance(4 * 60_000); // past the 3-minute grace period; the next poll is an hour away
		await waitUntil(() => posts(channelId)[0]?.content.includes('was live') === true, 3_000);
		expect(world.notifier.streamStateOf(userId)).toMatchObject({ status: 'offline' });
	});

	it('leaves the channels past the budget to polling, says so, and still announces them', async () => {
		world.twitchFake.eventsub.setMaxTotalCost(2);
		const first = await world.watch('budgeted');
		const second = await world.watch('overflow');
		await startInstant(2);

		const instant = [first.userId, second.userId].filter((id) => world.notifier.isInstant(id));
		expect(instant).toHaveLength(1);
		const polledOnly = instant[0] === first.userId ? second : first;
		expect(world.notifier.eventsub?.report).toMatchObject({ overBudget: 1, maxTotalCost: 2 });
		world.twitchFake.goLive(polledOnly.userId);
		await world.cycle();
		expect(posts(polledOnly.channelId)).toHaveLength(1);
	});

	it('leaves a channel Twitch refuses to subscribe to on polling, and subscribes the others', async () => {
		const { guildId } = await world.watch('accepted');
		// A user Twitch does not know (deleted since the watch was added): its subscription is refused with 400.
		const existing = await world.repos.watches.get(guildId, world.user('accepted'));
		if (!existing) throw new Error('no watch');
		await world.repos.watches.add({ ...existing, twitchUserId: '999999999', login: 'vanished' }, 100);
		await world.notifier.start();
		await waitUntil(() => attachedSessions().length === 1, 5_000);

		const report = await world.notifier.eventsub?.reconcile();
		expect(report).toMatchObject({ covered: 1, failed: 1, overBudget: 0 });
		expect(world.notifier.isInstant('999999999')).toBe(false);
		expect(world.notifier.isInstant(world.user('accepted'))).toBe(true);
	});

	it('keeps the new stream live when the old stream’s offline arrives after the new one’s online', async () => {
		const { userId, channelId } = await world.watch('reordered');
		await startInstant(2);
		const old = world.twitchFake.goLive(userId);
		await world.discord.waitForMessage((message) => message.channelId === channelId, 3_000);
		world.clock.advance(60_000);

		world.twitchFake.setStreamsLag(10 * 60_000); // no poll can put things right: only the push decides
		world.twitchFake.eventsub.reorderNext(); // the old stream's offline comes after the new stream's online
		const fresh = world.twitchFake.goLive(userId);
		await waitUntil(() => world.notifier.streamStateOf(userId)?.streamId === fresh.id, 3_000);
		await new Promise((resolve) => setTimeout(resolve, 200));
		world.clock.advance(5 * 60_000); // past the grace period: a stale offline would end the new stream now
		await new Promise((resolve) => setTimeout(resolve, 200));
		await world.notifier.whenIdle();

		expect(world.notifier.streamStateOf(userId)).toMatchObject({
			status: 'live',
			streamId: fresh.id,
			missingSince: null,
		});
		const [first, second] = posts(channelId);
		expect(JSON.stringify(first?.embeds)).toContain(`stream ${old.id}`);
		expect(JSON.stringify(second?.embeds)).toContain(`stream ${fresh.id}`);
		expect(second?.content).toContain('is live');
	});

	it('posts from the channel information while Get Streams lags, then fills the preview in by an edit', async () => {
		const { userId, channelId } = await world.watch('lagging');
		await startInstant(2);
		world.twitchFake.setStreamsLag(2 * 60_000);
		world.twitchFake.goLive(userId, { title: 'Early bird' });
		const post = await world.discord.waitForMessage((message) => message.channelId === channelId, 3_000);
		expect(post.content).toContain('Early bird');
		expect(JSON.stringify(post.embeds)).not.toContain('previews-ttv');

		await world.cycle(); // Get Streams still lags: its silence says nothing yet
		expect(world.notifier.streamStateOf(userId)).toMatchObject({ status: 'live', missingSince: null });
		await world.cycle();
		await world.cycle(); // listed now, and the edit throttle has passed

		const [edited, ...others] = posts(channelId);
		expect(others).toEqual([]);
		expect(edited?.edits.length).toBeGreaterThan(0);
		expect(JSON.stringify(edited?.embeds)).toContain('previews-ttv');
	});
});
