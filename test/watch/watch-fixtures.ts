/**
 * Stand-ins for the /watch logic tests: a Twitch whose users can be renamed, the real repositories over a SQLite
 * store in a temporary folder, and target checkers with a fixed answer.
 */
import { expect } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { createSilentLogger } from '../../src/logger.ts';
import { openRepositories, type Repositories } from '../../src/store/repositories.ts';
import type { TwitchGame, TwitchStream, TwitchUser } from '../../src/twitch/index.ts';
import { describeTargetRefusal } from '../../src/views/watch.ts';
import type { AddCategoryWatchRequest, CategoryWatchDeps } from '../../src/watch/add-category-watch.ts';
import type { AddWatchRequest } from '../../src/watch/add-watch.ts';
import { type TargetCheck, type TargetChecker, TargetProblemError } from '../../src/watch/permissions.ts';
import type { WatchAdminDeps } from '../../src/watch/watch-admin-deps.ts';
import type { WatchSettingsDeps } from '../../src/watch/watch-settings.ts';
import { aGame, aStream, aUser } from '../commands/twitch-data.ts';
import type { TestStores } from '../store/test-stores.ts';

export const GUILD = '1200000000000000001';
export const ADMIN = '1100000000000000001';
export const NEWS = '1400000000000000001';
export const GENERAL = '1400000000000000002';
export const ROLE = '1500000000000000001';
export const NOW = Date.parse('2025-06-01T12:00:00Z');

/** A Twitch with a few users; logins can change (rename) while ids stay. Counts the lookups it answers. */
export class ScriptedTwitch
	implements
		Pick<
			WatchAdminDeps['twitch'] & WatchSettingsDeps['twitch'] & CategoryWatchDeps['twitch'],
			'getUserByLogin' | 'getStreamByUserId' | 'getLiveStreams' | 'getGameByName' | 'getGamesByIds'
		>
{
	readonly users = new Map<string, TwitchUser>();
	readonly streams = new Map<string, TwitchStream>();
	readonly games: TwitchGame[] = [];
	lookups = 0;
	failLiveStreams = false;

	addUser(login: string, id: string): TwitchUser {
		const user = aUser({ id, login, displayName: login[0]?.toUpperCase() + login.slice(1) });
		this.users.set(id, user);
		return user;
	}

	rename(id: string, newLogin: string): void {
		const user = this.users.get(id);
		if (!user) throw new Error(`no user ${id}`);
		this.users.set(id, { ...user, login: newLogin, displayName: newLogin });
	}

	goLive(id: string, overrides: Partial<TwitchStream> = {}): void {
		const user = this.users.get(id);
		this.streams.set(
			id,
			aStream({ userId: id, userLogin: user?.login ?? 'x', userName: user?.displayName ?? 'X', ...overrides }),
		);
	}

	async getUserByLogin(login: string): Promise<TwitchUser | null> {
		this.lookups++;
		return [...this.users.values()].find((user) => user.login === login.toLowerCase()) ?? null;
	}

	async getStreamByUserId(userId: string): Promise<TwitchStream | null> {
		return this.streams.get(userId) ?? null;
	}

	async getLiveStreams(userIds: readonly string[]): Promise<TwitchStream[]> {
		if (this.failLiveStreams) throw new Error('Twitch is down');
		return userIds.flatMap((id) => this.streams.get(id) ?? []);
	}

	addGame(name: string, id = String(this.games.length + 1)): void {
		this.games.push(aGame({ id, name }));
	}

	async getGameByName(name: string): Promise<TwitchGame | null> {
		this.lookups++;
		return this.games.find((game) => game.name.toLowerCase() === name.trim().toLowerCase()) ?? null;
	}

	async getGamesByIds(ids: readonly string[]): Promise<TwitchGame[]> {
		this.lookups++;
		return this.games.filter((game) => ids.includes(game.id));
	}
}

/** A checker that answers `check` for every channel, and records what it was asked. */
export function fixedChecker(check: TargetCheck = { status: 'ok' }): TargetChecker & {
	calls: Array<[string, string | null]>;
} {
	const calls: Array<[string, string | null]> = [];
	const checker = (channelId: string, roleId: string | null) => {
		calls.push([channelId, roleId]);
		return check;
	};
	return Object.assign(checker, { calls });
}

/** What a /watch use-case test works with: Twitch knows alpha (1001), beta (1002) and gamma (1003). */
export interface WatchWorld {
	twitch: ScriptedTwitch;
	repositories: Repositories;
	/** What the /watch use cases need, of channel and of category watches. */
	deps: WatchAdminDeps & CategoryWatchDeps;
}

/** A fresh WatchWorld over a store of `stores` (call in beforeEach). */
export async function openWatchWorld(stores: TestStores): Promise<WatchWorld> {
	const twitch = new ScriptedTwitch();
	twitch.addUser('alpha', '1001');
	twitch.addUser('beta', '1002');
	twitch.addUser('gamma', '1003');
	const repositories = await openRepositories(await stores.open(), createSilentLogger());
	const deps: WatchWorld['deps'] = { twitch, repositories, clock: { now: () => NOW }, logger: createSilentLogger() };
	return { twitch, repositories, deps };
}

/** `/watch add channel:alpha post-in:#news` by ADMIN, with `overrides`. */
export function addRequest(overrides: Partial<AddWatchRequest> = {}): AddWatchRequest {
	return {
		guildId: GUILD,
		requestedBy: ADMIN,
		login: 'alpha',
		postInChannelId: NEWS,
		roleId: null,
		template: null,
		...overrides,
	};
}

/** `/watch category game:Celeste post-in:#news` by ADMIN (Celeste is game 504461 once added), with `overrides`. */
export function categoryRequest(overrides: Partial<AddCategoryWatchRequest> = {}): AddCategoryWatchRequest {
	return {
		guildId: GUILD,
		requestedBy: ADMIN,
		game: 'Celeste',
		language: null,
		minViewers: null,
		titleKeyword: null,
		postInChannelId: NEWS,
		roleId: null,
		template: null,
		...overrides,
	};
}

/**
 * What the admin is shown when `promise` is refused: its UserError, or a refused target (TargetProblemError) in the
 * words commands/watch.ts shows it in. Fails the test when it resolves or rejects with anything else.
 */
export async function rejection(promise: Promise<unknown>): Promise<UserError> {
	const caught = await promise.then(
		() => undefined,
		(reason: unknown) => reason,
	);
	const error = caught instanceof TargetProblemError ? new UserError(describeTargetRefusal(caught)) : caught;
	expect(error).toBeInstanceOf(UserError);
	return error as UserError;
}
