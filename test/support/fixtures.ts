import { type Announcement, announcementNonce, type StreamState, type Watch } from '../../src/store/records.ts';

/** A valid watch of `twitchUserId` in `guildId`; `overrides` replace any field. */
export function makeWatch(guildId: string, twitchUserId: string, overrides: Partial<Watch> = {}): Watch {
	return {
		version: 1,
		guildId,
		twitchUserId,
		login: `user${twitchUserId}`,
		displayName: `User${twitchUserId}`,
		channelId: null,
		roleId: null,
		template: null,
		createdAt: 1_700_000_000_000,
		createdBy: '100000000000000001',
		...overrides,
	};
}

/** A live stream state of `userId`; `overrides` replace any field. */
export function makeStreamState(userId: string, overrides: Partial<StreamState> = {}): StreamState {
	return {
		version: 1,
		userId,
		status: 'live',
		streamId: `4000${userId}`,
		startedAt: '2024-05-01T18:00:00Z',
		title: `Stream of ${userId}: speedrun practice`,
		gameId: '494131',
		gameName: 'Little Nightmares',
		login: `user${userId}`,
		displayName: `User${userId}`,
		thumbnailUrl: `https://static-cdn.jtvnw.net/previews-ttv/live_user_user${userId}-{width}x{height}.jpg`,
		viewerCount: 42,
		missingSince: null,
		lastEndedStreamId: null,
		endedAt: null,
		updatedAt: 1_700_000_000_000,
		...overrides,
	};
}

/** An announcement of `streamId` in `channelId`, in phase 'intent' unless overridden. */
export function makeAnnouncement(
	streamId: string,
	channelId: string,
	overrides: Partial<Announcement> = {},
): Announcement {
	return {
		version: 1,
		streamId,
		userId: '98765',
		guildId: '200000000000000001',
		channelId,
		nonce: announcementNonce(streamId, channelId),
		phase: 'intent',
		messageId: null,
		createdAt: 1_700_000_000_000,
		postedAt: null,
		lastEditAt: null,
		renderedTitle: 'speedrun practice',
		renderedGame: 'Little Nightmares',
		endedAt: null,
		...overrides,
	};
}

/** A guild's watch of a fake Twitch user, posting in `channelId` (for tests that store watches before the bot starts). */
export function watchOfUser(
	guildId: string,
	user: { id: string; login: string; display_name: string },
	channelId: string,
): Watch {
	return makeWatch(guildId, user.id, {
		login: user.login,
		displayName: user.display_name,
		channelId,
		createdAt: Date.now(),
	});
}
