/** Plain Twitch domain objects for rendering tests, shaped as the Helix client returns them. */
import type {
	TwitchChannelSearchResult,
	TwitchClip,
	TwitchGame,
	TwitchStream,
	TwitchUser,
	TwitchVideo,
} from '../../src/twitch/index.ts';

/** 2025-06-01T12:00:00Z, the tests' "now". */
export const NOW = Date.parse('2025-06-01T12:00:00Z');

export function aUser(overrides: Partial<TwitchUser> = {}): TwitchUser {
	return {
		id: '141981764',
		login: 'twitchdev',
		displayName: 'TwitchDev',
		type: '',
		broadcasterType: 'partner',
		description: 'Supporting third-party developers building Twitch integrations.',
		profileImageUrl: 'https://static-cdn.jtvnw.net/jtv_user_pictures/twitchdev-profile_image-300x300.png',
		offlineImageUrl: 'https://static-cdn.jtvnw.net/jtv_user_pictures/twitchdev-channel_offline_image-1920x1080.png',
		createdAt: '2016-12-14T20:32:28Z',
		...overrides,
	};
}

export function aStream(overrides: Partial<TwitchStream> = {}): TwitchStream {
	return {
		id: '40952121085',
		userId: '141981764',
		userLogin: 'twitchdev',
		userName: 'TwitchDev',
		gameId: '509670',
		gameName: 'Science & Technology',
		title: 'Building a Discord bot',
		tags: ['English'],
		viewerCount: 12345,
		startedAt: '2025-06-01T09:55:00Z',
		language: 'en',
		thumbnailUrl: 'https://static-cdn.jtvnw.net/previews-ttv/live_user_twitchdev-{width}x{height}.jpg',
		isMature: false,
		...overrides,
	};
}

export function aVideo(overrides: Partial<TwitchVideo> = {}): TwitchVideo {
	return {
		id: '335921245',
		streamId: '40952121000',
		userId: '141981764',
		userLogin: 'twitchdev',
		userName: 'TwitchDev',
		title: 'Twitch Developers 101',
		description: '',
		createdAt: '2025-05-30T18:00:00Z',
		publishedAt: '2025-05-30T18:00:00Z',
		url: 'https://www.twitch.tv/videos/335921245',
		thumbnailUrl: 'https://static-cdn.jtvnw.net/cf_vods/x/thumb/thumb0-%{width}x%{height}.jpg',
		viewCount: 1863,
		language: 'en',
		type: 'archive',
		duration: '3h8m33s',
		...overrides,
	};
}

export function aGame(overrides: Partial<TwitchGame> = {}): TwitchGame {
	return {
		id: '509658',
		name: 'Just Chatting',
		boxArtUrl: 'https://static-cdn.jtvnw.net/ttv-boxart/509658-{width}x{height}.jpg',
		igdbId: '',
		...overrides,
	};
}

export function aSearchResult(overrides: Partial<TwitchChannelSearchResult> = {}): TwitchChannelSearchResult {
	return {
		id: '141981764',
		login: 'twitchdev',
		displayName: 'TwitchDev',
		language: 'en',
		gameId: '509670',
		gameName: 'Science & Technology',
		isLive: false,
		tags: [],
		thumbnailUrl: 'https://static-cdn.jtvnw.net/jtv_user_pictures/twitchdev-profile_image-300x300.png',
		title: 'Building a Discord bot',
		startedAt: null,
		...overrides,
	};
}

export function aClip(overrides: Partial<TwitchClip> = {}): TwitchClip {
	return {
		id: 'AwkwardHelplessSalamanderSwiftRage',
		url: 'https://clips.twitch.tv/AwkwardHelplessSalamanderSwiftRage',
		embedUrl: 'https://clips.twitch.tv/embed?clip=AwkwardHelplessSalamanderSwiftRage',
		broadcasterId: '141981764',
		broadcasterName: 'TwitchDev',
		creatorName: 'clipper',
		videoId: '',
		gameId: '509670',
		language: 'en',
		title: 'A great moment',
		viewCount: 4321,
		createdAt: '2025-05-31T10:00:00Z',
		thumbnailUrl: 'https://clips-media-assets2.twitch.tv/AT-cm%7C123-preview-480x272.jpg',
		durationSeconds: 27.4,
		...overrides,
	};
}
