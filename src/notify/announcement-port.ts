/**
 * What the notifier needs of announcements, as data and as a port: the stream an announcement shows, the message
 * shape, and a renderer that the composition root hands in (src/views/announcement.ts implements it). The notifier
 * never imports the view layer: layers import one way, commands → views → watch/notify → store/twitch.
 */
import type { APIActionRowComponent, APIComponentInMessageActionRow, APIEmbed } from 'discord-api-types/v10';
import type { StreamState } from '../store/records.ts';
import type { TwitchStream } from '../twitch/schemas.ts';
import type { MessageFile } from './discord-messages.ts';
import type { StreamSummary, ViewerSample } from './stream-summary.ts';

/** What an announcement shows of a stream: the same whether it comes from Get Streams or from the stored state. */
export interface AnnouncedStream {
	streamId: string;
	userId: string;
	login: string;
	displayName: string;
	title: string;
	/** '' when the stream has no category. */
	gameName: string;
	/** ISO 8601, as Twitch sends it. */
	startedAt: string;
	/** Twitch's template with {width} and {height}. */
	thumbnailUrl: string;
}

/** A channel message as Discord's REST API takes it (create and edit), with mentions limited to the watch's role. */
export interface AnnouncementMessage {
	content: string;
	embeds: APIEmbed[];
	components: APIActionRowComponent<APIComponentInMessageActionRow>[];
	allowed_mentions: { parse: never[]; roles: string[] };
	/** Uploaded with the message (see MessageFile); an embed shows an image file as `attachment://<name>`. */
	files?: MessageFile[];
	/**
	 * On an edit, the files the message keeps: existing ones by id, new uploads by their index in `files`; anything
	 * not listed goes (Discord's rule). Absent: the message keeps its files and any upload is added to them.
	 */
	attachments?: Array<{ id: number | string }>;
}

export interface LiveAnnouncementInput {
	stream: AnnouncedStream;
	/** The watch's template, or null for the default. */
	template: string | null;
	roleId: string | null;
	/** ms; the preview image URL changes with it, once a minute (see livePreviewUrl). */
	now: number;
	/**
	 * A `/watch test` preview: the role is shown but not pinged, and the footer carries no stream id, so that the
	 * preview is never taken for the real announcement of that stream.
	 */
	preview?: boolean;
}

export interface EndedAnnouncementInput {
	stream: AnnouncedStream;
	/** ms; when the stream was last seen live. */
	endedAt: number;
	/** The past broadcast's URL, when Twitch archived the stream. */
	vodUrl: string | null;
	/** How the stream went (summarize): shown as fields. Without it the post says what it said before summaries. */
	summary?: StreamSummary | undefined;
	/**
	 * A viewer chart sent with the message as a file of this name: the embed shows it (`attachment://<filename>`).
	 * The name should be plain (letters, digits, `.`, `_`, `-`): Discord changes spaces and the embed would miss it.
	 */
	chart?: { filename: string } | undefined;
}

/** Renders announcements; the notifier's one dependency on how posts look. */
/** What the viewer chart of a stream summary is drawn from. */
export interface ViewerChartInput {
	samples: readonly ViewerSample[];
	/** The title line: the first of these the chart's font can draw (the display name, then the login). */
	title: readonly string[];
	startedAt: number;
	endedAt: number;
}

export interface AnnouncementRenderer {
	live(input: LiveAnnouncementInput): AnnouncementMessage;
	ended(input: EndedAnnouncementInput): AnnouncementMessage;
	/** The stream summary's viewer chart as PNG (absent: summaries carry numbers only). */
	viewerChart?(input: ViewerChartInput): Promise<Buffer>;
	/** The flood guard's "… and 12 more live in Celeste" line (absent: nothing is posted for the summarised ones). */
	categoryOverflow?(input: CategoryOverflowInput): AnnouncementMessage;
	/** Whether a message (as GET /channels/:id/messages returns it) is this renderer's announcement of `streamId`. */
	isAnnouncementOf(message: unknown, streamId: string): boolean;
}

/** Streams of a category the flood guard kept out of the posts, most watched first. */
export interface CategoryOverflowInput {
	gameName: string;
	/** The watch's language (null: every language). */
	language: string | null;
	streams: ReadonlyArray<{ login: string; displayName: string; viewerCount: number }>;
}

/** Announcement data of a live stream as Get Streams returned it. */
export function announcedStreamFromTwitch(stream: TwitchStream): AnnouncedStream {
	return {
		streamId: stream.id,
		userId: stream.userId,
		login: stream.userLogin,
		displayName: stream.userName,
		title: stream.title,
		gameName: stream.gameName,
		startedAt: stream.startedAt,
		thumbnailUrl: stream.thumbnailUrl,
	};
}

/** Announcement data of a stored stream state, or null when it holds no stream. */
export function announcedStreamFromState(state: StreamState): AnnouncedStream | null {
	if (state.streamId === null) return null;
	return {
		streamId: state.streamId,
		userId: state.userId,
		login: state.login,
		displayName: state.displayName,
		title: state.title,
		gameName: state.gameName,
		startedAt: state.startedAt ?? '',
		thumbnailUrl: state.thumbnailUrl,
	};
}

/** A stand-in stream for previewing a watch's announcement while the channel is offline. */
export function sampleStream(
	identity: { userId: string; login: string; displayName: string },
	now: number,
): AnnouncedStream {
	return {
		streamId: '0',
		userId: identity.userId,
		login: identity.login,
		displayName: identity.displayName,
		title: 'This is how the announcement will look',
		gameName: '',
		startedAt: new Date(now).toISOString(),
		thumbnailUrl: '',
	};
}

/**
 * The message with `files` as its only files: uploaded, and on an edit every file the message had before is
 * dropped (`attachments` lists just the new uploads). How an end edit replaces the post's picture with its chart.
 */
export function withOnlyFiles(message: AnnouncementMessage, files: MessageFile[]): AnnouncementMessage {
	return { ...message, files, attachments: files.map((_, index) => ({ id: index })) };
}
