/**
 * Lookups on Twitch of what a person typed in a command (a channel, a category, a stream language), shared by the
 * commands and the /watch logic. What cannot be found is a UserError saying so, shown to the person as it is.
 */
import { UserError } from '../errors.ts';
import { truncateText } from '../unicode-text.ts';
import type { TwitchClient } from './client.ts';
import type { TwitchGame, TwitchStream, TwitchUser, TwitchVideo } from './schemas.ts';

/** The answer when a login is well-formed but no Twitch account has it. */
export class UnknownChannelError extends UserError {
	override readonly name = 'UnknownChannelError';
	constructor(login: string) {
		super(
			`No Twitch channel is called “${truncateText(login, 40)}”. Check the spelling: it is the name in twitch.tv/<name>.`,
		);
	}
}

/**
 * The Twitch user with this login (as typed: a login, `@login` or a twitch.tv URL); an unknown one is an
 * UnknownChannelError, an impossible one an InvalidLoginError, both UserErrors.
 */
export async function findTwitchUser(twitch: Pick<TwitchClient, 'getUserByLogin'>, login: string): Promise<TwitchUser> {
	const user = await twitch.getUserByLogin(login);
	if (!user) throw new UnknownChannelError(login);
	return user;
}

/** Whether a channel is live, with what `/live` shows either way (the latest VOD only when offline). */
export type ChannelStatus =
	| { live: true; user: TwitchUser; stream: TwitchStream }
	| { live: false; user: TwitchUser; latestVod: TwitchVideo | null };

/** Whether the channel with this login is live: its stream when it is, else its latest VOD (if any). */
export async function fetchChannelStatus(
	twitch: Pick<TwitchClient, 'getUserByLogin' | 'getStreamByLogin' | 'getVideos'>,
	login: string,
): Promise<ChannelStatus> {
	// Both lookups at once: they are independent, and a reply within Discord's 3 s matters more than one request.
	const [user, stream] = await Promise.all([findTwitchUser(twitch, login), twitch.getStreamByLogin(login)]);
	if (stream) return { live: true, user, stream };
	const [latestVod] = await twitch.getVideos(user.id, 'archive');
	return { live: false, user, latestVod: latestVod ?? null };
}

/** What Twitch answered for a list of category names. */
export interface CategoryLookup {
	/** The categories found, as Twitch names them, in the order the names were given. */
	found: TwitchGame[];
	/** The names no Twitch category has, as given. */
	unknown: string[];
}

/** Looks up every category name at once (Twitch matches names without regard to case). */
export async function lookUpCategories(
	twitch: Pick<TwitchClient, 'getGameByName'>,
	names: readonly string[],
): Promise<CategoryLookup> {
	const games = await Promise.all(names.map((name) => twitch.getGameByName(name)));
	return {
		found: games.filter((game): game is TwitchGame => game !== null),
		unknown: names.filter((_, index) => !games[index]),
	};
}

/** The category a person named; an unknown name is a UserError. */
export async function findCategory(twitch: Pick<TwitchClient, 'getGameByName'>, name: string): Promise<TwitchGame> {
	const [game] = (await lookUpCategories(twitch, [name])).found;
	if (!game) {
		throw new UserError(
			`No Twitch category is called “${truncateText(name.trim(), 100)}”. Use the name exactly as Twitch shows it (for example “Just Chatting”).`,
		);
	}
	return game;
}

/** Twitch's stream languages are ISO 639-1 codes (two letters) or "other". */
const LANGUAGE_PATTERN = /^(?:[a-z]{2}|other)$/;

/** A stream language code as Twitch expects it; anything else is a UserError naming the expected form. */
export function parseLanguage(input: string | undefined): string | undefined {
	if (input === undefined) return undefined;
	const code = input.trim().toLowerCase();
	if (!LANGUAGE_PATTERN.test(code)) {
		throw new UserError(
			`“${truncateText(input, 20)}” is not a language code: use two letters as Twitch does (en, de, es, fr, ja…) or “other”.`,
		);
	}
	return code;
}
