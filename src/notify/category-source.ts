/**
 * Category watches as a source of go-lives ("announce everyone who streams Celeste"). Each poll cycle, before the
 * watched users are polled:
 *
 * 1. The active category watches are grouped by category and language: one Get Streams by `game_id` (and
 *    `language`) serves every guild that watches the same pair. Twitch lists most viewers first, so pages are followed
 *    only while the last stream of a page still has the smallest `min-viewers` of the group, and at most
 *    MAX_PAGES_PER_CATEGORY. The requests come out of the cycle's budget (poll-scheduler.ts): the share given here,
 *    and when it cannot hold one request per group, the groups unpolled longest go first (round robin).
 * 2. Each watch decides, once per stream id, about the streams that pass it (viewers, title keyword): a stream of a
 *    channel the guild watches by name is left to that watch, and one another category watch of the guild took is
 *    left to it, so a guild gets one post per stream. The new ones go through the flood guard — the guild's
 *    `categoryPostLimit` most watched are admitted (announced), the rest are summarised in one "… more live in
 *    Celeste" line. Decisions are stored (category-match-repository.ts) before anything is posted: after a restart
 *    nothing is announced twice and nothing admitted is lost.
 * 3. An admitted stream becomes a target of the guild (see `watchesForUser`), shaped like a watch of its channel,
 *    and its channel is followed like a watched one — polled by user id while it is not seen in its category — so it
 *    goes through the same state machine, dedupe and end actions, and leaving the category mid-stream neither ends
 *    the post nor, on coming back, announces it again. The decision is dropped once its stream is over.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { CategoryMatch, CategoryMatchRepository } from '../store/category-match-repository.ts';
import type { CategoryWatch, CategoryWatchRepository } from '../store/category-watch-repository.ts';
import type { GuildSettingsRepository } from '../store/guild-settings-repository.ts';
import type { StreamState, Watch } from '../store/records.ts';
import type { TwitchClient } from '../twitch/client.ts';
import type { TwitchStream } from '../twitch/schemas.ts';
import { type CategoryTarget, categoryTarget } from './category-targets.ts';

/** Pages (of 100 streams) one category may take per cycle: its 300 most watched streams over `min-viewers`. */
export const MAX_PAGES_PER_CATEGORY = 3;
/** Share of the cycle's Get Streams budget category watches may plan to spend (the rest polls watched channels). */
export const CATEGORY_BUDGET_SHARE = 0.3;
/** A summarised stream out of its category's list this long is forgotten (it would count as new when back). */
const FORGET_SUMMARISED_AFTER_MS = 30 * 60_000;
/** Streams last 48 hours at most: a decision older than that is over whatever the state says. */
const DECISION_MAX_AGE_MS = 48 * 60 * 60_000;

/** Streams the flood guard kept out of one watch's posts this cycle, most watched first. */
export interface CategoryOverflow {
	watch: CategoryWatch;
	gameName: string;
	streams: Pick<TwitchStream, 'id' | 'userLogin' | 'userName' | 'viewerCount'>[];
}

/** What one cycle's category requests found. */
export interface CategoryPoll {
	/** Every stream the category lists showed, by user id: the state machine takes those of followed channels. */
	seen: Map<string, TwitchStream>;
	/** Get Streams requests made. */
	requests: number;
	/** Category and language pairs watched, polled this cycle, and whose request failed. */
	groups: { watched: number; polled: number; failed: number };
	/** Streams admitted this cycle (to be announced). */
	admitted: number;
	overflows: CategoryOverflow[];
}

export interface CategorySourceOptions {
	twitch: Pick<TwitchClient, 'getCategoryStreams'>;
	categoryWatches: CategoryWatchRepository;
	/** The guilds' watches by name: a guild watching a streamer by name announces them through that watch. */
	watches: { watchesForUser(userId: string): Watch[] };
	matches: CategoryMatchRepository;
	guildSettings: Pick<GuildSettingsRepository, 'get'>;
	logger: Logger;
	clock: Clock;
}

interface Decision extends CategoryMatch {
	/** Monotonic ms of the last cycle that listed it. */
	lastSeen: number;
}

interface Group {
	key: string;
	gameId: string;
	language: string | null;
	watches: CategoryWatch[];
}

export class CategorySource {
	private readonly o: CategorySourceOptions;
	/** Watch id → stream id → decision, for the watches whose stored decisions were read. */
	private readonly decided = new Map<string, Map<string, Decision>>();
	/** User id → guild id → the admitted decision's watch and stream. */
	private readonly admittedByUser = new Map<string, Map<string, { watchId: string; streamId: string }>>();
	private readonly unsaved = new Set<string>();
	/** Group key → monotonic ms of its last request. */
	private readonly polledAt = new Map<string, number>();

	constructor(options: CategorySourceOptions) {
		this.o = options;
	}

	/** The channels followed for a category watch (admitted streams not over yet). */
	followedUserIds(): string[] {
		return [...this.admittedByUser.keys()];
	}

	/** Whether this channel is followed for a category watch. */
	follows(userId: string): boolean {
		return this.admittedByUser.has(userId);
	}

	/** The category targets of a channel's current stream, one per guild (the guild's oldest watch that took it). */
	targetsOf(userId: string): CategoryTarget[] {
		const admitted = this.admittedByUser.get(userId);
		if (!admitted) return [];
		const targets: CategoryTarget[] = [];
		for (const [guildId, { watchId, streamId }] of admitted) {
			const watch = this.o.categoryWatches.find(guildId, watchId);
			const decision = this.decided.get(watchId)?.get(streamId);
			if (!watch || !decision) continue;
			targets.push(categoryTarget(watch, decision));
		}
		return targets;
	}

	/** Asks Twitch about the watched categories within `budget` requests, and decides about the new streams. */
	async poll(budget: number): Promise<CategoryPoll> {
		const result: CategoryPoll = {
			seen: new Map(),
			requests: 0,
			groups: { watched: 0, polled: 0, failed: 0 },
			admitted: 0,
			overflows: [],
		};
		await this.o.categoryWatches.load();
		const active = this.o.categoryWatches.all().filter((watch) => !watch.paused);
		this.forgetRemoved();
		const groups = groupsOf(active);
		result.groups.watched = groups.length;
		if (groups.length === 0) {
			await this.save();
			return result;
		}
		const now = this.o.clock.monotonic();
		// Longest unpolled first (never polled before all), as many as the budget holds one request each.
		const picked = [...groups]
			.sort((a, b) => (this.polledAt.get(a.key) ?? -1) - (this.polledAt.get(b.key) ?? -1))
			.slice(0, Math.max(1, Math.floor(budget)));
		const pages = Math.max(1, Math.min(MAX_PAGES_PER_CATEGORY, Math.floor(budget / picked.length)));
		// Every active watch's decisions, not only the polled ones': its admitted channels are followed from the start.
		await this.loadDecisions(active);

		const answers = await Promise.all(
			picked.map(async (group) => {
				const minViewers = Math.min(...group.watches.map((watch) => watch.minViewers));
				try {
					const found = await this.o.twitch.getCategoryStreams(
						{ gameId: group.gameId, language: group.language ?? undefined, minViewers, maxPages: pages },
						{ priority: 'background' },
					);
					this.polledAt.set(group.key, now);
					return { group, found };
				} catch (error) {
					this.o.logger.warn(
						{ err: error, gameId: group.gameId, language: group.language },
						'could not list the live streams of a watched category; trying again next cycle',
					);
					return { group, found: null };
				}
			}),
		);
		result.groups.polled = picked.length;
		const fresh = new Map<CategoryWatch, TwitchStream[]>();
		for (const { group, found } of answers) {
			if (found === null) {
				result.groups.failed++;
				result.requests++;
				continue;
			}
			result.requests += found.requests;
			for (const stream of found.streams) result.seen.set(stream.userId, stream);
			for (const watch of group.watches) {
				const candidates = this.newCandidates(watch, found.streams, now);
				if (candidates.length > 0) fresh.set(watch, candidates);
			}
			for (const watch of group.watches) this.forgetSummarised(watch.id, now);
		}
		await this.decide(fresh, now, result);
		await this.save();
		return result;
	}

	/**
	 * After the cycle's observations: drops the admitted decisions whose stream is over (the channel's state is no
	 * longer that stream), so that its channel is not followed any more.
	 */
	settle(stateOf: (userId: string) => StreamState | undefined): void {
		const now = this.o.clock.now();
		for (const [userId, byGuild] of this.admittedByUser) {
			const state = stateOf(userId);
			for (const [guildId, { watchId, streamId }] of byGuild) {
				const decision = this.decided.get(watchId)?.get(streamId);
				const over =
					!decision ||
					now - decision.at > DECISION_MAX_AGE_MS ||
					(state !== undefined && (state.status !== 'live' || state.streamId !== streamId));
				if (!over) continue;
				byGuild.delete(guildId);
				if (decision && this.decided.get(watchId)?.delete(streamId)) this.unsaved.add(watchId);
			}
			if (byGuild.size === 0) this.admittedByUser.delete(userId);
		}
	}

	/** Writes the decisions changed since the last save (a failed write is tried again at the next one). */
	async save(): Promise<void> {
		if (this.unsaved.size === 0) return;
		const records = new Map<string, CategoryMatch[]>();
		for (const watchId of this.unsaved) {
			records.set(
				watchId,
				[...(this.decided.get(watchId)?.values() ?? [])].map(({ lastSeen: _lastSeen, ...match }) => match),
			);
		}
		try {
			await this.o.matches.setMany(records);
			for (const watchId of records.keys()) this.unsaved.delete(watchId);
		} catch (error) {
			this.o.logger.warn({ err: error }, 'could not store what category watches decided; trying again next cycle');
		}
	}

	/** The streams of the list that pass the watch and that no watch of its guild has decided about yet. */
	private newCandidates(watch: CategoryWatch, streams: readonly TwitchStream[], now: number): TwitchStream[] {
		const own = this.decided.get(watch.id) ?? new Map<string, Decision>();
		const candidates: TwitchStream[] = [];
		for (const stream of streams) {
			if (stream.viewerCount < watch.minViewers) continue;
			if (watch.titleKeyword !== null && !stream.title.toLowerCase().includes(watch.titleKeyword)) continue;
			const known = own.get(stream.id);
			if (known) {
				known.lastSeen = now;
				continue;
			}
			if (this.o.watches.watchesForUser(stream.userId).some((named) => named.guildId === watch.guildId)) continue;
			if (this.takenInGuild(watch, stream.id)) continue;
			candidates.push(stream);
		}
		return candidates;
	}

	/** Whether another category watch of the guild (a few at most) already decided about this stream. */
	private takenInGuild(watch: CategoryWatch, streamId: string): boolean {
		return this.o.categoryWatches
			.ofGuild(watch.guildId)
			.some((other) => other.id !== watch.id && this.decided.get(other.id)?.has(streamId));
	}

	/** The flood guard: per watch, the guild's `categoryPostLimit` most watched new streams are admitted. */
	private async decide(fresh: Map<CategoryWatch, TwitchStream[]>, now: number, result: CategoryPoll): Promise<void> {
		if (fresh.size === 0) return;
		const guildIds = [...new Set([...fresh.keys()].map((watch) => watch.guildId))];
		const limits = new Map(
			await Promise.all(
				guildIds.map(
					async (guildId) => [guildId, (await this.o.guildSettings.get(guildId)).categoryPostLimit] as const,
				),
			),
		);
		const at = this.o.clock.now();
		const posted = new Map<string, number>();
		for (const [watch, candidates] of fresh) {
			const own = this.decided.get(watch.id) ?? new Map<string, Decision>();
			this.decided.set(watch.id, own);
			// Two watches of one guild in one cycle: the older one (first here) takes a stream both see.
			const byViewers = candidates
				.filter((stream) => !this.takenInGuild(watch, stream.id))
				.sort((a, b) => b.viewerCount - a.viewerCount);
			// The limit is per category and guild: two watches of one category (two languages) share it.
			const share = `${watch.guildId}:${watch.gameId}`;
			const limit = Math.max(0, (limits.get(watch.guildId) ?? 5) - (posted.get(share) ?? 0));
			posted.set(share, (posted.get(share) ?? 0) + Math.min(limit, byViewers.length));
			for (const [rank, stream] of byViewers.entries()) {
				const decision: Decision = {
					streamId: stream.id,
					userId: stream.userId,
					login: stream.userLogin,
					displayName: stream.userName,
					admitted: rank < limit,
					at,
					lastSeen: now,
				};
				own.set(stream.id, decision);
				if (decision.admitted) {
					this.admit(watch, decision);
					result.admitted++;
				}
			}
			this.unsaved.add(watch.id);
			const overflow = byViewers.slice(limit);
			if (overflow.length > 0) {
				result.overflows.push({ watch, gameName: overflow[0]?.gameName || watch.gameName, streams: overflow });
			}
		}
	}

	private admit(watch: CategoryWatch, decision: CategoryMatch): void {
		let byGuild = this.admittedByUser.get(decision.userId);
		if (!byGuild) {
			byGuild = new Map();
			this.admittedByUser.set(decision.userId, byGuild);
		}
		if (!byGuild.has(watch.guildId)) {
			byGuild.set(watch.guildId, { watchId: watch.id, streamId: decision.streamId });
		}
	}

	/** Reads the stored decisions of watches not read yet (one round trip); admitted ones are followed again. */
	private async loadDecisions(watches: readonly CategoryWatch[]): Promise<void> {
		const missing = watches.filter((watch) => !this.decided.has(watch.id));
		if (missing.length === 0) return;
		const stored = await this.o.matches.getMany(missing.map((watch) => watch.id));
		const now = this.o.clock.monotonic();
		for (const watch of missing) {
			const own = new Map<string, Decision>();
			for (const match of stored.get(watch.id) ?? []) {
				own.set(match.streamId, { ...match, lastSeen: now });
				if (match.admitted) this.admit(watch, match);
			}
			this.decided.set(watch.id, own);
		}
	}

	/** Summarised streams out of the list for a while are forgotten (admitted ones are followed until their end). */
	private forgetSummarised(watchId: string, now: number): void {
		const own = this.decided.get(watchId);
		if (!own) return;
		for (const [streamId, decision] of own) {
			if (!decision.admitted && now - decision.lastSeen > FORGET_SUMMARISED_AFTER_MS) {
				own.delete(streamId);
				this.unsaved.add(watchId);
			}
		}
	}

	/** A removed watch's decisions go (its stored record expires); its posts still end through their records. */
	private forgetRemoved(): void {
		const all = new Set(this.o.categoryWatches.all().map((watch) => watch.id));
		for (const watchId of this.decided.keys()) {
			if (!all.has(watchId)) this.decided.delete(watchId);
		}
		for (const [userId, byGuild] of this.admittedByUser) {
			for (const [guildId, { watchId }] of byGuild) if (!all.has(watchId)) byGuild.delete(guildId);
			if (byGuild.size === 0) this.admittedByUser.delete(userId);
		}
	}
}

/** The watches grouped by category and language, in the order of their oldest watch. */
function groupsOf(watches: readonly CategoryWatch[]): Group[] {
	const groups = new Map<string, Group>();
	for (const watch of [...watches].sort((a, b) => a.createdAt - b.createdAt)) {
		const key = `${watch.gameId}:${watch.language ?? '*'}`;
		const group = groups.get(key) ?? { key, gameId: watch.gameId, language: watch.language, watches: [] };
		group.watches.push(watch);
		groups.set(key, group);
	}
	return [...groups.values()];
}
