/** Announcement records as the notifier makes them, and the keys it files per-target memory under. */
import type { Announcement, StreamState, Watch } from '../store/records.ts';
import { announcementNonce } from '../store/records.ts';
import type { AnnouncedStream } from './announcement-port.ts';

/** One stream in one channel: "streamId:channelId". */
export function targetKey(announcement: Pick<Announcement, 'streamId' | 'channelId'>): string {
	return `${announcement.streamId}:${announcement.channelId}`;
}

/** The record of a decision to announce a live stream in a channel, before anything is sent. */
export function newIntent(state: StreamState, guildId: string, channelId: string, now: number): Announcement {
	const streamId = state.streamId ?? '';
	return {
		version: 1,
		streamId,
		userId: state.userId,
		guildId,
		channelId,
		nonce: announcementNonce(streamId, channelId),
		phase: 'intent',
		messageId: null,
		createdAt: now,
		postedAt: null,
		lastEditAt: null,
		renderedTitle: state.title,
		renderedGame: state.gameName,
		renderedPreview: state.thumbnailUrl !== '',
		endedAt: null,
		streamStartedAt: state.startedAt,
	};
}

/**
 * The record as this process writes it: with the fencing number of the notifier lease it holds (`fence`), or without
 * one when it holds none (never with the number of the process that wrote the record before).
 */
export function withFence(announcement: Announcement, fence: number | undefined): Announcement {
	const { fence: _earlier, ...record } = announcement;
	return fence === undefined ? record : { ...record, fence };
}

/** What the "was live" post of an announcement shows, from the record itself and the user's current identity. */
export function endedStreamOf(
	announcement: Announcement,
	state: StreamState | undefined,
	watch: Watch | undefined,
): AnnouncedStream {
	return {
		streamId: announcement.streamId,
		userId: announcement.userId,
		login: state?.login || watch?.login || announcement.userId,
		displayName: state?.displayName || watch?.displayName || announcement.userId,
		title: announcement.renderedTitle,
		gameName: announcement.renderedGame,
		startedAt: announcement.streamStartedAt ?? '',
		thumbnailUrl: '',
	};
}

/** When two records exist for one guild (the watch changed channel), the one that got furthest wins. */
export const PHASE_RANK: Readonly<Record<Announcement['phase'], number>> = {
	abandoned: 0,
	intent: 1,
	ended: 2,
	posted: 3,
};
