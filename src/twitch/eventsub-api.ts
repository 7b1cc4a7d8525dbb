/**
 * EventSub over conduits, as Helix exposes it: conduits, their shards, and subscriptions with their cost. An app
 * access token is all these need (a user token is refused), so a self-hoster behind NAT gets pushed go-lives with no
 * public URL. Every call here is background work in the rate-limit queue: commands go first.
 */
import { z } from 'zod';
import { TwitchApiError } from './errors.ts';
import type { HelixTransport } from './transport.ts';

const conduitSchema = z.object({ id: z.string(), shard_count: z.number().int() });
export type Conduit = z.infer<typeof conduitSchema>;

const shardSchema = z.object({
	id: z.string(),
	status: z.string(),
	transport: z
		.object({
			method: z.string(),
			session_id: z.string().nullish(),
			connected_at: z.string().nullish(),
			disconnected_at: z.string().nullish(),
		})
		.loose(),
});
export type ConduitShard = z.infer<typeof shardSchema>;

const subscriptionSchema = z
	.object({
		id: z.string(),
		status: z.string(),
		type: z.string(),
		version: z.string(),
		condition: z.object({ broadcaster_user_id: z.string().optional() }).loose(),
		transport: z.object({ method: z.string(), conduit_id: z.string().nullish() }).loose(),
		cost: z.number().optional(),
	})
	.loose();
export type EventSubSubscription = z.infer<typeof subscriptionSchema>;

const conduitListSchema = z.object({ data: z.array(conduitSchema) });
const shardListSchema = z.object({
	data: z.array(shardSchema),
	pagination: z.object({ cursor: z.string().optional() }).loose().optional(),
});
const attachSchema = z.object({
	data: z.array(z.unknown()).default([]),
	errors: z.array(z.object({ id: z.string(), message: z.string(), code: z.string().optional() }).loose()).default([]),
});
const subscriptionListSchema = z.object({
	data: z.array(z.unknown()),
	total: z.number().optional(),
	total_cost: z.number(),
	max_total_cost: z.number(),
	pagination: z.object({ cursor: z.string().optional() }).loose().optional(),
});

/** The stream events the notifier subscribes to. */
export type StreamEventType = 'stream.online' | 'stream.offline';

export type CreateSubscriptionResult =
	| { outcome: 'created'; subscription: EventSubSubscription; totalCost: number; maxTotalCost: number }
	/** The same type and condition exists already (409). */
	| { outcome: 'exists' }
	/** The app's subscription budget (max_total_cost) is used up. */
	| { outcome: 'over-budget' };

/** At most this many pages of 100 subscriptions are read (20,000: twice the default budget). */
const MAX_SUBSCRIPTION_PAGES = 200;

export class EventSubApi {
	private readonly transport: HelixTransport;

	constructor(transport: HelixTransport) {
		this.transport = transport;
	}

	async listConduits(): Promise<Conduit[]> {
		return (await this.transport.get('/eventsub/conduits', {}, conduitListSchema, { priority: 'background' })).data;
	}

	/** Creates a conduit; never retried blindly (an app may have 5): on doubt, list the conduits again. */
	async createConduit(shardCount: number): Promise<Conduit> {
		const answer = await this.transport.write(
			{ method: 'POST', path: '/eventsub/conduits', body: { shard_count: shardCount } },
			conduitListSchema,
			{ priority: 'background', attempts: 1 },
		);
		const conduit = answer.data[0];
		if (!conduit) throw new TwitchApiError('/eventsub/conduits', 200, 'Twitch created no conduit');
		return conduit;
	}

	/** The shards of a conduit, every page. */
	async listShards(conduitId: string): Promise<ConduitShard[]> {
		const shards: ConduitShard[] = [];
		let after: string | undefined;
		for (let page = 0; page < MAX_SUBSCRIPTION_PAGES; page++) {
			const answer = await this.transport.get(
				'/eventsub/conduits/shards',
				{ conduit_id: conduitId, after },
				shardListSchema,
				{ priority: 'background' },
			);
			shards.push(...answer.data);
			after = answer.pagination?.cursor;
			if (!after || answer.data.length === 0) break;
		}
		return shards;
	}

	/**
	 * Attaches a WebSocket session to a shard (Twitch allows 10 s after the welcome). Resolves with the error Twitch
	 * gave for that shard, or null when it was attached.
	 */
	async attachShard(conduitId: string, shardId: string, sessionId: string): Promise<string | null> {
		const answer = await this.transport.write(
			{
				method: 'PATCH',
				path: '/eventsub/conduits/shards',
				body: {
					conduit_id: conduitId,
					shards: [{ id: shardId, transport: { method: 'websocket', session_id: sessionId } }],
				},
			},
			attachSchema,
			{ priority: 'interactive' }, // the 10 s rule: ahead of any polling
		);
		const failure = answer.errors.find((error) => error.id === shardId);
		return failure ? failure.message : null;
	}

	/** Subscribes the conduit to a stream event of one broadcaster. */
	async createSubscription(
		type: StreamEventType,
		broadcasterId: string,
		conduitId: string,
	): Promise<CreateSubscriptionResult> {
		try {
			const answer = await this.transport.write(
				{
					method: 'POST',
					path: '/eventsub/subscriptions',
					body: {
						type,
						version: '1',
						condition: { broadcaster_user_id: broadcasterId },
						transport: { method: 'conduit', conduit_id: conduitId },
					},
				},
				subscriptionListSchema,
				{ priority: 'background' },
			);
			const subscription = subscriptionSchema.safeParse(answer.data[0]);
			if (!subscription.success)
				throw new TwitchApiError('/eventsub/subscriptions', 202, 'no subscription in the answer');
			return {
				outcome: 'created',
				subscription: subscription.data,
				totalCost: answer.total_cost,
				maxTotalCost: answer.max_total_cost,
			};
		} catch (error) {
			if (error instanceof TwitchApiError && error.status === 409) return { outcome: 'exists' };
			// Not documented; libraries report a 429 once max_total_cost is reached.
			if (error instanceof TwitchApiError && error.status === 429) return { outcome: 'over-budget' };
			throw error;
		}
	}

	/** Every subscription of the app (optionally of one type), with the cost used and the budget. */
	async listSubscriptions(
		filter: { type?: StreamEventType } = {},
	): Promise<{ subscriptions: EventSubSubscription[]; totalCost: number; maxTotalCost: number }> {
		const subscriptions: EventSubSubscription[] = [];
		let after: string | undefined;
		let totalCost = 0;
		let maxTotalCost = 0;
		for (let page = 0; page < MAX_SUBSCRIPTION_PAGES; page++) {
			const answer = await this.transport.get(
				'/eventsub/subscriptions',
				{ type: filter.type, first: 100, after },
				subscriptionListSchema,
				{ priority: 'background' },
			);
			for (const raw of answer.data) {
				const parsed = subscriptionSchema.safeParse(raw);
				if (parsed.success) subscriptions.push(parsed.data);
			}
			totalCost = answer.total_cost;
			maxTotalCost = answer.max_total_cost;
			after = answer.pagination?.cursor;
			if (!after || answer.data.length === 0) break;
		}
		return { subscriptions, totalCost, maxTotalCost };
	}

	/** Deletes a subscription; one that is gone already counts as deleted. */
	async deleteSubscription(id: string): Promise<void> {
		try {
			await this.transport.write({ method: 'DELETE', path: '/eventsub/subscriptions', query: { id } }, z.null(), {
				priority: 'background',
			});
		} catch (error) {
			if (error instanceof TwitchApiError && error.status === 404) return;
			throw error;
		}
	}
}
