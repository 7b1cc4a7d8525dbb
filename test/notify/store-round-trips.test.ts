/**
 * At most 3 store round trips per go-live post, so that a first cycle on PostgreSQL (a network round trip per call)
 * is not slower than on SQLite. Counted at the store adapter, where every call is one round trip to the database
 * (keyv's getMany and setMany are one call each on all three adapters), from the end of the poll's own save of the
 * stream states until the cycle's Discord work is done: what delivery costs, the poll itself left aside.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnnouncementRepository } from '../../src/store/announcement-repository.ts';
import { type StoreBackend, storeBackends } from '../store/test-stores.ts';
import { cyclesPastGrace, type NotifierWorld, postsIn, startNotifierWorld } from '../support/notifier-world.ts';

/** One adapter call (its name and the keys it touched), or a Discord request the notifier made. */
type Step = { call: string; keys: string[] } | { discord: string };

/** The adapter calls that reach the database (store-health.ts guards the same ones). */
const ADAPTER_CALLS = ['get', 'getMany', 'set', 'setMany', 'delete', 'deleteMany', 'has', 'hasMany', 'clear'];

/** Records every adapter call of the world's store, and the Discord writes, in the order they are made. */
function recordSteps(world: NotifierWorld): Step[] {
	const steps: Step[] = [];
	const adapter = world.store.keyv.store as Record<string, unknown>;
	// The SQL adapters get keys with keyv's "<namespace>:" prefix; @keyv/redis adds its own inside.
	const prefix = `${world.store.keyv.namespace}:`;
	for (const name of ADAPTER_CALLS) {
		const call = adapter[name];
		if (typeof call !== 'function') continue;
		adapter[name] = (...args: unknown[]) => {
			const keys = keysOf(args[0]).map((key) => (key.startsWith(prefix) ? key.slice(prefix.length) : key));
			steps.push({ call: name, keys });
			return call.apply(adapter, args);
		};
	}
	const rest = world.rest as unknown as Record<string, unknown>;
	for (const method of ['post', 'patch', 'delete']) {
		const call = rest[method];
		if (typeof call !== 'function') continue;
		rest[method] = (...args: unknown[]) => {
			steps.push({ discord: `${method.toUpperCase()} ${String(args[0])}` });
			return call.apply(world.rest, args);
		};
	}
	return steps;
}

function keysOf(arg: unknown): string[] {
	const items = Array.isArray(arg) ? arg : arg === undefined ? [] : [arg];
	return items.map((item) => String(typeof item === 'object' && item !== null ? (item as { key: string }).key : item));
}

/**
 * The viewer samples of the summary card: the poll's own work, once a cycle for every live stream (one read of the
 * series heads of streams new to this process, one write of the samples due), not the delivery's.
 */
const isSampling = (step: Step) => 'call' in step && step.keys.every((key) => key.startsWith('viewer-sample'));

/** What delivery did in the last cycle: the steps after the poll saved the stream states. */
function afterStateSave(steps: Step[]): Step[] {
	const saved = steps.findLastIndex(
		(step) => 'call' in step && step.call === 'setMany' && step.keys.some((key) => key.startsWith('stream-state:')),
	);
	if (saved === -1) throw new Error('the cycle saved no stream state');
	return steps.slice(saved + 1).filter((step) => !isSampling(step));
}

/** A step as "getMany announcements,guild-settings,…": the call and the kinds of records it touched. */
function describeStep(step: Step): string {
	if ('discord' in step) return step.discord.replace(/\d+/g, ':id');
	const kinds = new Set(step.keys.map((key) => key.slice(0, key.indexOf(':'))));
	return `${step.call} ${[...kinds].sort().join(',')}`;
}

const storeCalls = (steps: Step[]) => steps.filter((step) => 'call' in step);

describe.each(storeBackends)('store round trips of delivery on $kind', (backend: StoreBackend) => {
	let world: NotifierWorld;

	beforeEach(async () => {
		// SQLite: the world's own file; Redis and PostgreSQL: the CI servers, in a namespace of the world's own.
		world = await startNotifierWorld({}, backend.kind === 'sqlite' ? {} : { storageUrl: backend.url() });
	});

	afterEach(async () => {
		await world.store.keyv.clear();
		await world.close();
	});

	it('posts a go-live in 3 round trips: one read, the intent, then the post with its success', async () => {
		const { userId, guildId, channelId } = await world.watch('threetrips');
		await world.notifier.prepare(); // the start: watches, states and unfinished announcements read
		const steps = recordSteps(world);

		world.twitchFake.goLive(userId);
		await world.cycle();

		expect(postsIn(world, channelId)).toHaveLength(1);
		const delivery = afterStateSave(steps);
		expect(storeCalls(delivery).length).toBeLessThanOrEqual(3);
		// Crash-safe order: the intent and its unfinished listing are stored before the create, the post after it.
		expect(delivery.map(describeStep)).toEqual([
			'getMany announcements,delivery-status,guild-settings',
			'setMany announcements,announcements-unfinished',
			'POST /channels/:id/messages',
			'setMany announcements,announcements-unfinished,delivery-status',
		]);
		const [posted] = await new AnnouncementRepository(world.store).listForStream(
			world.twitchFake.getStream(userId)?.id ?? '',
		);
		expect(posted).toMatchObject({ phase: 'posted', messageId: postsIn(world, channelId)[0]?.id });
		expect((await world.delivery(guildId, userId)).lastAnnouncedAt).not.toBeNull();
	});

	it('edits a post for a new title in two round trips (the guild may have turned edits off), and ends it in two', async () => {
		const { userId, channelId } = await world.watch('edits');
		world.twitchFake.goLive(userId, { title: 'first title' });
		await world.cycle();
		const steps = recordSteps(world);

		world.twitchFake.updateStream(userId, { title: 'second title' });
		world.clock.advance(60_000); // past the edit throttle
		await world.cycle();
		expect(afterStateSave(steps).map(describeStep)).toEqual([
			'getMany guild-settings',
			'PATCH /channels/:id/messages/:id',
			'setMany announcements,delivery-status',
		]);

		world.twitchFake.endStream(userId, { archive: false });
		await cyclesPastGrace(world);
		expect(afterStateSave(steps).map(describeStep)).toEqual([
			'getMany announcements,guild-settings',
			'PATCH /channels/:id/messages/:id',
			'setMany announcements',
		]);
		expect(postsIn(world, channelId)).toHaveLength(1);
	});

	it('samples the viewers of every live stream in at most two round trips a cycle, however many there are', async () => {
		const watched = [];
		for (let index = 0; index < 5; index++) watched.push(await world.watch(`sampled${index}`));
		for (const { userId } of watched) world.twitchFake.goLive(userId);
		const steps = recordSteps(world);
		await world.cycle();
		const sampling = steps.filter(isSampling).map(describeStep);
		expect(sampling).toEqual(['getMany viewer-samples', 'setMany viewer-sample,viewer-samples']);
		// The next cycle (a poll interval later): the heads are in memory and no sample is due yet (every 2 minutes).
		steps.length = 0;
		await world.cycle();
		expect(steps.filter(isSampling)).toEqual([]);
	});
});
