import { UserError } from '../errors.ts';
import type { Watch } from '../store/records.ts';
import { normalizeLogin } from '../twitch/login.ts';
import { truncateText as truncate } from '../unicode-text.ts';
import type { WatchAdminDeps } from './watch-admin-deps.ts';

/**
 * The guild's watch of the channel an admin typed: by the login stored on the watch (what `/watch list` shows),
 * else, when the streamer renamed since, by the Twitch user id the new login resolves to.
 */
export async function findGuildWatch(deps: WatchAdminDeps, guildId: string, typed: string): Promise<Watch> {
	const login = normalizeLogin(typed);
	const watches = await deps.repositories.watches.listByGuild(guildId);
	const byStoredLogin = watches.find((watch) => watch.login.toLowerCase() === login);
	if (byStoredLogin) return byStoredLogin;
	if (watches.length > 0) {
		const user = await deps.twitch.getUserByLogin(login);
		const byId = user ? watches.find((watch) => watch.twitchUserId === user.id) : undefined;
		if (byId) return byId;
	}
	throw new UserError(
		`This server does not watch “${truncate(login, 40)}”. \`/watch list\` shows the channels it watches.`,
	);
}
