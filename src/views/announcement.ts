/**
 * Go-live announcements: the post when a stream starts, the post once it is over, and the `/watch test` preview.
 * Built on the helpers the command replies use (channel URL, preview cache-buster, durations, category, limits), so
 * that a post and a reply about the same stream say the same things the same way.
 */

import type { APIEmbed, APIEmbedField } from 'discord-api-types/v10';
import {
	type AnnouncedStream,
	type AnnouncementMessage,
	type AnnouncementRenderer,
	announcedStreamFromTwitch,
	type EndedAnnouncementInput,
	type LiveAnnouncementInput,
	sampleStream,
} from '../notify/announcement-port.ts';
import type { StreamState, Watch } from '../store/records.ts';
import type { TwitchStream } from '../twitch/schemas.ts';
import { stripBidiControls } from '../unicode-text.ts';
import { DEFAULT_TEMPLATE, renderTemplate } from './announcement-template.ts';
import { renderCategoryOverflow } from './category-overflow.ts';
import { categoryText, DISCORD_LIMITS, safeText, truncate } from './discord-limits.ts';
import { discordTimestamp, formatElapsed, parseTwitchDate } from './quantities.ts';
import { EMBED_COLORS, linkButtonRow } from './reply.ts';
import { summaryFields } from './stream-summary-fields.ts';
import { channelUrl, livePreviewUrl } from './twitch-images.ts';
import { renderViewerChart } from './viewer-chart.ts';

const FOOTER_PREFIX = 'Twitch · stream ';
const FOOTER_PATTERN = /Twitch · stream (\d+)/;

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
	const started = parseTwitchDate(stream.startedAt);
	if (started) fields.push({ name: 'Started', value: discordTimestamp(started, 'relative'), inline: true });
	const embed: APIEmbed = {
		// Twitch's brand purple for a live post; grey once the stream is over.
		color: EMBED_COLORS.twitch,
		author: { name: authorName(stream), url },
		title: embedTitle(stream.title),
		url,
		fields,
		footer: { text: input.preview ? 'Twitch · preview' : `${FOOTER_PREFIX}${stream.streamId}` },
		...(started ? { timestamp: started.toISOString() } : {}),
	};
	const image = livePreviewUrl(stream.thumbnailUrl, now);
	if (image) embed.image = { url: image };
	return {
		content,
		embeds: [embed],
		components: [linkButtonRow([{ label: 'Watch', url }])],
		allowed_mentions: mentionsFor(input.preview ? null : roleId),
	};
}

/**
 * The post once the stream is over: "was live", how long, and the VOD link when there is one. No mention. With a
 * summary, its numbers as fields (see summaryFields); with a chart, the embed's image is that uploaded file.
 */
export function renderEndedAnnouncement(input: EndedAnnouncementInput): AnnouncementMessage {
	const { stream, endedAt, vodUrl, summary, chart } = input;
	const url = channelUrl(stream.login);
	const started = parseTwitchDate(stream.startedAt);
	let duration: string | null;
	let fields: APIEmbedField[];
	if (summary) {
		duration = formatElapsed(summary.durationMs);
		fields = summaryFields(summary, stream.gameName);
	} else {
		duration = started ? formatElapsed(endedAt - started.getTime()) : null;
		fields = [{ name: 'Category', value: categoryText(stream.gameName), inline: true }];
		if (duration) fields.push({ name: 'Duration', value: duration, inline: true });
	}
	const embed: APIEmbed = {
		color: EMBED_COLORS.offline,
		author: { name: authorName(stream), url },
		title: embedTitle(stream.title),
		url: vodUrl ?? url,
		description: vodUrl ? 'The stream is over. The recording is on Twitch.' : 'The stream is over.',
		fields,
		footer: { text: `${FOOTER_PREFIX}${stream.streamId}` },
		timestamp: new Date(endedAt).toISOString(),
	};
	if (chart) embed.image = { url: `attachment://${chart.filename}` };
	const buttons = [{ label: 'Channel', url }];
	if (vodUrl) buttons.unshift({ label: 'Watch the VOD', url: vodUrl });
	return {
		content: `${safeText(stream.displayName)} was live${duration ? ` for ${duration}` : ''}.`,
		embeds: [embed],
		components: [linkButtonRow(buttons)],
		allowed_mentions: mentionsFor(null),
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
	const started = parseTwitchDate(state.startedAt);
	const since = started ? ` since ${discordTimestamp(started, 'relative')}` : '';
	return `live${since}: ${truncate(state.title ? safeText(state.title) : 'untitled', 100)}`;
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

// Discord rejects an embed whose title, field value or author name is empty (50035), so a text that was nothing but
// spaces or bidi controls gets a stand-in: a post refused for that would never go out.

function embedTitle(title: string): string {
	const shown = safeText(title);
	return truncate(shown.trim() ? shown : 'Live on Twitch', DISCORD_LIMITS.embedTitle);
}

/** Embed author names show no markdown, so the name is not escaped; only its bidi controls go. */
function authorName(stream: AnnouncedStream): string {
	const shown = stripBidiControls(stream.displayName);
	return truncate(shown.trim() ? shown : stream.login, DISCORD_LIMITS.authorName);
}

/** The announcements as the notifier's port takes them (see AnnouncementRenderer). */
export const announcementRenderer: AnnouncementRenderer = {
	live: renderLiveAnnouncement,
	ended: renderEndedAnnouncement,
	isAnnouncementOf,
	viewerChart: async (input) => (await renderViewerChart(input)).png,
	categoryOverflow: renderCategoryOverflow,
};
