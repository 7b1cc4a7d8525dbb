import { TimestampStyles, time } from '@discordjs/formatters';
import {
	type APIActionRowComponent,
	type APIComponentInMessageActionRow,
	type APIEmbed,
	ButtonStyle,
	ComponentType,
} from 'discord-api-types/v10';
import type { StreamState, Watch } from '../store/records.ts';
import type { TwitchStream } from '../twitch/schemas.ts';
import { DEFAULT_TEMPLATE, renderTemplate, safeText } from './announcement-template.ts';
import { formatElapsed } from './quantities.ts';
import { channelUrl, livePreviewUrl } from './twitch-images.ts';
import { stripBidiControls, truncateText } from './unicode-text.ts';

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
}

/** Twitch's brand purple for live posts; grey once the stream is over. */
const LIVE_COLOR = 0x9146ff;
const ENDED_COLOR = 0x737f8d;
/** Discord's embed limits. */
const MAX_EMBED_TITLE = 256;
const MAX_AUTHOR_NAME = 256;
const MAX_FIELD_VALUE = 1024;
const FOOTER_PREFIX = 'Twitch · stream ';
const FOOTER_PATTERN = /Twitch · stream (\d+)/;

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

/** The go-live post: template text (with the role mention), an embed and a Watch button. */
export function renderLiveAnnouncement(input: LiveAnnouncementInput): AnnouncementMessage {
	const { stream, roleId, now } = input;
	const url = channelUrl(stream.login);
	const content = renderTemplate(input.template ?? DEFAULT_TEMPLATE, {
		streamer: stream.displayName,
		title: stream.title,
		game: stream.gameName,
		url,
		roleId,
	});
	const fields: APIEmbed['fields'] = [{ name: 'Category', value: categoryText(stream.gameName), inline: true }];
	const started = parseTime(stream.startedAt);
	if (started !== null) {
		fields.push({ name: 'Started', value: time(new Date(started), TimestampStyles.RelativeTime), inline: true });
	}
	const embed: APIEmbed = {
		color: LIVE_COLOR,
		author: { name: authorName(stream), url },
		title: embedTitle(stream.title),
		url,
		fields,
		footer: { text: input.preview ? 'Twitch · preview' : `${FOOTER_PREFIX}${stream.streamId}` },
		...(started === null ? {} : { timestamp: new Date(started).toISOString() }),
	};
	const image = livePreviewUrl(stream.thumbnailUrl, now);
	if (image) embed.image = { url: image };
	return {
		content,
		embeds: [embed],
		components: [linkRow('Watch', url)],
		allowed_mentions: mentionsFor(input.preview ? null : roleId),
	};
}

export interface EndedAnnouncementInput {
	stream: AnnouncedStream;
	/** ms; when the stream was last seen live. */
	endedAt: number;
	/** The past broadcast's URL, when Twitch archived the stream. */
	vodUrl: string | null;
}

/** The post once the stream is over: "was live", how long, and the VOD link when there is one. No mention. */
export function renderEndedAnnouncement(input: EndedAnnouncementInput): AnnouncementMessage {
	const { stream, endedAt, vodUrl } = input;
	const url = channelUrl(stream.login);
	const started = parseTime(stream.startedAt);
	const duration = started === null ? null : formatElapsed(endedAt - started);
	const fields: APIEmbed['fields'] = [{ name: 'Category', value: categoryText(stream.gameName), inline: true }];
	if (duration) fields.push({ name: 'Duration', value: duration, inline: true });
	const embed: APIEmbed = {
		color: ENDED_COLOR,
		author: { name: authorName(stream), url },
		title: embedTitle(stream.title),
		url: vodUrl ?? url,
		description: vodUrl ? 'The stream is over. The recording is on Twitch.' : 'The stream is over.',
		fields,
		footer: { text: `${FOOTER_PREFIX}${stream.streamId}` },
		timestamp: new Date(endedAt).toISOString(),
	};
	const buttons = vodUrl
		? [linkButton('Watch the VOD', vodUrl), linkButton('Channel', url)]
		: [linkButton('Channel', url)];
	return {
		content: `${safeText(stream.displayName)} was live${duration ? ` for ${duration}` : ''}.`,
		embeds: [embed],
		components: [{ type: ComponentType.ActionRow, components: buttons }],
		allowed_mentions: mentionsFor(null),
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
 * The `/watch test` preview of a watch's announcement: the current stream when the channel is live, else a
 * sample. Pings nobody and is never mistaken for the real announcement (see `preview`).
 */
export function renderWatchPreview(
	watch: Pick<Watch, 'twitchUserId' | 'login' | 'displayName' | 'template' | 'roleId'>,
	live: TwitchStream | null,
	now: number,
): AnnouncementMessage {
	const stream = live
		? announcedStreamFromTwitch(live)
		: sampleStream({ userId: watch.twitchUserId, login: watch.login, displayName: watch.displayName }, now);
	return renderLiveAnnouncement({ stream, template: watch.template, roleId: watch.roleId, now, preview: true });
}

/** A watch's live status for `/watch list`: "live since <relative time>: <title>" or "offline". */
export function formatLiveStatus(state: StreamState | undefined): string {
	if (state?.status !== 'live') return 'offline';
	const started = parseTime(state.startedAt ?? '');
	const since = started === null ? '' : ` since ${time(new Date(started), TimestampStyles.RelativeTime)}`;
	return `live${since}: ${truncateText(state.title ? safeText(state.title) : 'untitled', 100)}`;
}

/**
 * Whether a message (as GET /channels/:id/messages returns it) is an announcement of this stream: it carries the
 * stream id in its embed footer. Used to adopt a post made before a crash instead of posting it twice.
 */
export function isAnnouncementOf(message: unknown, streamId: string): boolean {
	if (typeof message !== 'object' || message === null) return false;
	const embeds = (message as { embeds?: unknown }).embeds;
	if (!Array.isArray(embeds)) return false;
	return embeds.some((embed) => {
		const text = (embed as { footer?: { text?: unknown } } | null)?.footer?.text;
		return typeof text === 'string' && FOOTER_PATTERN.exec(text)?.[1] === streamId;
	});
}

function mentionsFor(roleId: string | null): AnnouncementMessage['allowed_mentions'] {
	// parse: [] turns off @everyone/@here and every role and user mention; only the watch's own role may ping.
	return { parse: [], roles: roleId ? [roleId] : [] };
}

function linkRow(label: string, url: string): APIActionRowComponent<APIComponentInMessageActionRow> {
	return { type: ComponentType.ActionRow, components: [linkButton(label, url)] };
}

function linkButton(label: string, url: string): APIComponentInMessageActionRow {
	return { type: ComponentType.Button, style: ButtonStyle.Link, label, url };
}

// Discord rejects an embed whose title, field value or author name is empty (50035), so a text that was nothing but
// spaces or bidi controls gets a stand-in: a post refused for that would never go out.

function embedTitle(title: string): string {
	const shown = safeText(title);
	return truncateText(shown.trim() ? shown : 'Live on Twitch', MAX_EMBED_TITLE);
}

function categoryText(gameName: string): string {
	const shown = safeText(gameName);
	return truncateText(shown.trim() ? shown : 'No category', MAX_FIELD_VALUE);
}

/** Embed author names show no markdown, so the name is not escaped; only its bidi controls go. */
function authorName(stream: AnnouncedStream): string {
	const shown = stripBidiControls(stream.displayName);
	return truncateText(shown.trim() ? shown : stream.login, MAX_AUTHOR_NAME);
}

function parseTime(iso: string): number | null {
	const ms = Date.parse(iso);
	return Number.isNaN(ms) ? null : ms;
}
