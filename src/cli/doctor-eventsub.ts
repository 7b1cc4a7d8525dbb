/**
 * Doctor's EventSub section: the conduit, shard 0, the stream subscriptions and their cost against the budget, as
 * Twitch reports them. It only reads: a missing conduit is the bot's to create at its first start (an app may have
 * five), never the doctor's.
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import { CONDUIT_KEY } from '../notify/eventsub-source.ts';
import type { Store } from '../store/keyv.ts';
import { WatchRepository } from '../store/watch-repository.ts';
import type { TwitchClient } from '../twitch/client.ts';
import { TwitchApiError } from '../twitch/errors.ts';
import type { Conduit, ConduitShard, EventSubSubscription } from '../twitch/eventsub-api.ts';
import type { Check } from './doctor-check.ts';

/** Twitch: at most 5 conduits per client id; creating a sixth fails. */
const MAX_CONDUITS = 5;
/** The bot subscribes every channel to stream.online and stream.offline, each costing 1. */
const COST_PER_CHANNEL = 2;
const STREAM_EVENTS = ['stream.online', 'stream.offline'] as const;

/** Why a shard that is not `enabled` is in its state, and whether that is expected while the bot is stopped. */
const SHARD_STATUS_MEANING: Readonly<Record<string, string>> = {
	websocket_disconnected: 'its last session closed',
	websocket_failed_ping_pong: 'its last session stopped answering pings',
	websocket_received_inbound_traffic: 'its last session sent Twitch a message (Twitch closes such sessions)',
	websocket_internal_error: 'Twitch had an internal error on its last session',
	websocket_network_timeout: 'its last session timed out',
	websocket_network_error: 'its last session hit a network error',
	websocket_failed_to_reconnect: 'its last session did not follow a session_reconnect in time',
};

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/**
 * The EventSub checks, or one line saying go-lives come from polling alone when TWITCH_EVENTSUB is off.
 * `twitch` must hold a working app token (the Twitch checks passed).
 */
export async function checkEventSub(
	config: Config,
	twitch: Pick<TwitchClient, 'eventsub'>,
	store: Store | undefined,
): Promise<Check[]> {
	if (!config.twitchEventSub) {
		return [
			{
				ok: true,
				what: 'eventsub',
				detail: `off (TWITCH_EVENTSUB=off): go-lives are found by polling alone, up to ${config.pollIntervalSeconds} s late`,
			},
		];
	}
	const checks: Check[] = [];
	let conduit: Conduit | undefined;
	try {
		const conduits = await twitch.eventsub.listConduits();
		const stored = store ? z.string().safeParse(await store.keyv.get(CONDUIT_KEY)).data : undefined;
		const found = conduitCheck(conduits, stored);
		checks.push(found.check);
		conduit = found.conduit;
	} catch (error) {
		return [{ ok: false, what: 'eventsub conduit', detail: explainFailure(error) }];
	}
	try {
		if (conduit) checks.push(shardCheck(conduit, await twitch.eventsub.listShards(conduit.id)));
		const listed = await twitch.eventsub.listSubscriptions();
		const watched = store ? await watchedUserIds(store) : undefined;
		checks.push(...subscriptionChecks(listed, conduit?.id, watched));
	} catch (error) {
		checks.push({ ok: false, what: 'eventsub', detail: explainFailure(error) });
	}
	return checks;
}

function conduitCheck(
	conduits: readonly Conduit[],
	stored: string | undefined,
): { check: Check; conduit: Conduit | undefined } {
	const what = 'eventsub conduit';
	const ours = conduits.find((conduit) => conduit.id === stored);
	// The bot takes the stored conduit, else the first one the app has (eventsub-source.ts), else creates one.
	const used = ours ?? conduits[0];
	if (!used) {
		const gone = stored ? ` (the stored conduit ${stored} no longer exists)` : '';
		return {
			check: { ok: true, what, detail: `none yet${gone}: created at the bot's first start` },
			conduit: undefined,
		};
	}
	const shards = plural(used.shard_count, 'shard');
	const others = conduits.length - 1;
	if (ours) {
		const detail = `${used.id} (${shards}), the one the bot keeps in its store`;
		if (others === 0) return { check: { ok: true, what, detail }, conduit: used };
		return {
			check: {
				ok: true,
				warning: true,
				what,
				detail: `${detail}; ${plural(others, 'other conduit')} of this client id count against Twitch's limit of ${MAX_CONDUITS}: delete those nothing uses (DELETE /helix/eventsub/conduits)`,
			},
			conduit: used,
		};
	}
	if (conduits.length >= MAX_CONDUITS) {
		return {
			check: {
				ok: false,
				what,
				detail: `this client id has ${conduits.length} conduits, Twitch's limit, and none is the one this bot stored: it would take ${used.id}, which another program may be using. Delete the conduits nothing uses (DELETE /helix/eventsub/conduits), or give this bot its own Twitch application.`,
			},
			conduit: used,
		};
	}
	return {
		check: {
			ok: true,
			warning: others > 0,
			what,
			detail:
				others === 0
					? `${used.id} (${shards}) exists for this client id; the bot adopts it at its next start`
					: `${plural(conduits.length, 'conduit')} exist for this client id and none is stored: the bot adopts the first, ${used.id} (${shards}). If another program uses it, give this bot its own Twitch application.`,
		},
		conduit: used,
	};
}

function shardCheck(conduit: Conduit, shards: readonly ConduitShard[]): Check {
	const what = 'eventsub shard 0';
	const shard = shards.find((candidate) => candidate.id === '0');
	if (!shard) {
		return {
			ok: false,
			what,
			detail: `conduit ${conduit.id} has no shard 0, which the bot attaches its WebSocket to. Delete the conduit (DELETE /helix/eventsub/conduits) and the bot creates a new one at its next start.`,
		};
	}
	const { transport } = shard;
	if (transport.method !== 'websocket') {
		return {
			ok: true,
			warning: true,
			what,
			detail: `${shard.status}, on a ${transport.method} transport: another program set it up; the bot moves it to its WebSocket at start`,
		};
	}
	const session = transport.session_id ? `session ${transport.session_id}` : 'no session';
	if (shard.status === 'enabled') {
		const since = transport.connected_at ? ` since ${transport.connected_at}` : '';
		return { ok: true, what, detail: `enabled: ${session} attached${since} (a bot is connected)` };
	}
	if (!transport.session_id) {
		return { ok: true, what, detail: `${shard.status}: no session attached yet; the bot attaches one at start` };
	}
	const meaning = SHARD_STATUS_MEANING[shard.status] ?? 'not receiving events';
	const since = transport.disconnected_at ? ` at ${transport.disconnected_at}` : '';
	return {
		ok: true,
		what,
		detail: `${shard.status} (${meaning}${since}; last ${session}): expected while the bot is stopped; a running bot attaches a new session within seconds`,
	};
}

function subscriptionChecks(
	listed: { subscriptions: readonly EventSubSubscription[]; totalCost: number; maxTotalCost: number },
	conduitId: string | undefined,
	watched: readonly string[] | undefined,
): Check[] {
	const streamSubscriptions = listed.subscriptions.filter((subscription) =>
		(STREAM_EVENTS as readonly string[]).includes(subscription.type),
	);
	const ofType = (type: string) => streamSubscriptions.filter((subscription) => subscription.type === type).length;
	const enabled = streamSubscriptions.filter((subscription) => subscription.status === 'enabled');
	const revoked = streamSubscriptions.length - enabled.length;
	const elsewhere = streamSubscriptions.filter((subscription) => subscription.transport.conduit_id !== conduitId);
	const parts = [
		`${count(ofType('stream.online'))} stream.online, ${count(ofType('stream.offline'))} stream.offline`,
		`${count(enabled.length)} enabled, ${count(revoked)} revoked`,
	];
	if (elsewhere.length > 0) parts.push(`${count(elsewhere.length)} not on the bot's conduit`);
	let detail = streamSubscriptions.length === 0 ? 'none yet' : parts.join('; ');
	if (revoked > 0 || elsewhere.length > 0) detail += ' (the bot deletes those and re-subscribes at its next start)';

	const instant = new Set<string>();
	if (conduitId && watched) {
		const onlineOf = new Set<string>();
		const offlineOf = new Set<string>();
		for (const subscription of enabled) {
			const userId = subscription.condition.broadcaster_user_id;
			if (userId === undefined || subscription.transport.conduit_id !== conduitId) continue;
			(subscription.type === 'stream.online' ? onlineOf : offlineOf).add(userId);
		}
		for (const userId of watched) if (onlineOf.has(userId) && offlineOf.has(userId)) instant.add(userId);
	}
	const checks: Check[] = [{ ok: true, what: 'eventsub subscriptions', detail }];
	if (watched) {
		const polled = watched.length - instant.size;
		checks.push({
			ok: true,
			what: 'eventsub coverage',
			detail:
				watched.length === 0
					? 'no watched channels yet'
					: `${plural(watched.length, 'watched channel')}: ${count(instant.size)} instant (EventSub), ${count(polled)} found by polling alone`,
		});
	}
	checks.push(budgetCheck(listed.totalCost, listed.maxTotalCost, watched?.length, instant.size));
	return checks;
}

function budgetCheck(totalCost: number, maxTotalCost: number, watched: number | undefined, instant: number): Check {
	const what = 'eventsub budget';
	const room = Math.max(0, Math.floor((maxTotalCost - totalCost) / COST_PER_CHANNEL));
	const fit = Math.floor(maxTotalCost / COST_PER_CHANNEL);
	const detail = `cost ${count(totalCost)} of ${count(maxTotalCost)} (total_cost / max_total_cost): ${count(fit)} channels fit at ${COST_PER_CHANNEL} each, room for ${count(room)} more`;
	const beyond = watched === undefined ? 0 : watched - instant - room;
	if (beyond <= 0) return { ok: true, what, detail };
	return {
		ok: true,
		warning: true,
		what,
		detail: `${detail}; ${plural(beyond, 'watched channel')} ${beyond === 1 ? 'does' : 'do'} not fit and ${beyond === 1 ? 'stays' : 'stay'} on polling. Free budget by deleting subscriptions other programs made with this client id, or give them their own Twitch application.`,
	};
}

async function watchedUserIds(store: Store): Promise<string[] | undefined> {
	const watches = new WatchRepository(store);
	try {
		await watches.load();
		return watches.watchedUserIds();
	} catch {
		return undefined; // the storage check reports an unreadable store
	}
}

function explainFailure(error: unknown): string {
	const fallback = 'or set TWITCH_EVENTSUB=off to run on polling alone meanwhile';
	if (error instanceof TwitchApiError && (error.status === 401 || error.status === 403)) {
		return `Twitch refused the app token for EventSub (${error.status}). Conduits need an app access token of a Confidential application: check its Client Type at https://dev.twitch.tv/console/apps, ${fallback}.`;
	}
	return `could not read EventSub from Twitch: ${(error as Error).message}. Try again, ${fallback}.`;
}
