/**
 * Where it is decided what to do in Discord for one stream and one target (a guild's watch of the streamer). Pure:
 * no I/O, no clock. Delivery asks it twice with the same rules: every cycle from memory alone ("is there anything
 * to do?", without the guild's settings), then in the stream's task with the settings loaded.
 *
 * - live: announce, post a recorded intent, edit for a new title or category, record a filter verdict, or nothing;
 * - end: edit the post to "was live", delete it, keep it, or drop an intent that was never posted;
 * - resume: a stream called ended is live after all: edit the post back, or post it anew (silently).
 */
import type { Announcement, EndAction } from '../store/records.ts';

/**
 * Title, category and whether the preview image was known, as one comparable value: what a post's content, or a
 * filter's verdict, was made for. A post made from EventSub before Get Streams listed the stream has no preview
 * yet; once it is known, the signature differs and the post is edited to show it.
 */
export function signatureOf(title: string, gameName: string, previewKnown = true): string {
	return `${gameName}\u0000${title}\u0000${previewKnown ? 'preview' : ''}`;
}

/** What this process knows of one target of a stream. */
export interface TargetView {
	/** The stored announcement of the stream in this guild, or null when nothing was decided yet. */
	announcement: Announcement | null;
	/** The signature the last decision (a post's content, or a filter's verdict) was made for; null if none. */
	decidedFor: string | null;
}

/** The guild's settings as far as one target needs them. */
export interface TargetSettings {
	passesFilters: boolean;
	/** Where the watch posts (its own channel, else the guild's default); null: nowhere. */
	channelId: string | null;
	updateOnChange: boolean;
}

export interface LivePlanInput {
	stream: {
		signature: string;
		/** Listed by Get Streams in the latest poll (not missing): a go-live is only posted then. */
		seenNow: boolean;
	};
	watch: { paused: boolean; inBackoff: boolean };
	target: TargetView;
	/** The edit throttle has passed for the target's post. */
	mayEdit: boolean;
	/** Absent when not loaded: the plan then says whether they are needed. */
	settings?: TargetSettings;
}

export type LivePlan =
	| { action: 'none' }
	/** Something may be due: load the guild's settings and plan again. */
	| { action: 'needs-settings' }
	/** The guild's filters say no at this signature: remember the verdict. */
	| { action: 'filter' }
	/** Neither the watch nor the guild has a channel: a delivery problem. */
	| { action: 'no-channel' }
	/** Record an intent for this channel, then post it. */
	| { action: 'announce'; channelId: string }
	/** Post the recorded intent (or adopt the post a previous run made). */
	| { action: 'deliver' }
	/** The watch posts elsewhere now: drop the intent, then announce in `channelId` (null: no channel). */
	| { action: 'repoint'; channelId: string | null }
	/** Edit the post to the new title or category. */
	| { action: 'edit' }
	/** The guild does not update posts on changes: only remember the signature. */
	| { action: 'note-unchanged' };

/** What to do for a live stream's target now. */
export function planLive(input: LivePlanInput): LivePlan {
	const { stream, watch, target, settings } = input;
	if (watch.paused) return { action: 'none' };
	const announcement = target.announcement;
	if (announcement === null) {
		if (target.decidedFor === stream.signature) return { action: 'none' }; // filtered, nothing changed since
		if (!stream.seenNow || watch.inBackoff) return { action: 'none' };
		if (!settings) return { action: 'needs-settings' };
		if (!settings.passesFilters) return { action: 'filter' };
		if (settings.channelId === null) return { action: 'no-channel' };
		return { action: 'announce', channelId: settings.channelId };
	}
	if (announcement.phase === 'intent') {
		if (!stream.seenNow || watch.inBackoff) return { action: 'none' };
		if (!settings) return { action: 'needs-settings' };
		if (settings.channelId !== announcement.channelId) return { action: 'repoint', channelId: settings.channelId };
		return { action: 'deliver' };
	}
	if (announcement.phase === 'posted' && target.decidedFor !== stream.signature) {
		if (watch.inBackoff || !input.mayEdit) return { action: 'none' };
		if (!settings) return { action: 'needs-settings' };
		return settings.updateOnChange ? { action: 'edit' } : { action: 'note-unchanged' };
	}
	// 'ended' or 'abandoned': this stream id was handled in this channel; it is never announced again.
	return { action: 'none' };
}

export type EndPlan =
	/** Never posted: a go-live post after the end would only mislead. */
	| { action: 'abandon' }
	/** Nothing to do (already ended or abandoned). */
	| { action: 'none' }
	/** Record the end without touching Discord (end action 'keep', no message id, or the channel is out of reach). */
	| { action: 'finish' }
	| { action: 'edit-ended' }
	| { action: 'delete' };

/** What to do with a stream's announcement in one channel when the stream ends. */
export function planEnd(announcement: Announcement, endAction: EndAction, watchPaused: boolean): EndPlan {
	if (announcement.phase === 'intent') return { action: 'abandon' };
	if (announcement.phase !== 'posted') return { action: 'none' };
	if (announcement.messageId === null || endAction === 'keep' || watchPaused) return { action: 'finish' };
	return endAction === 'delete' ? { action: 'delete' } : { action: 'edit-ended' };
}

/** After a failed end action: try again later (a passing failure, within the window), or give up. */
export function planEndFailure(failure: {
	passing: boolean;
	endedForMs: number;
	windowMs: number;
}): 'retry' | 'give-up' {
	return failure.passing && failure.endedForMs < failure.windowMs ? 'retry' : 'give-up';
}

export type ResumePlan = { action: 'none' } | { action: 'edit-back' } | { action: 'repost' };

/** What to do with an announcement when its stream, called ended, is live again. */
export function planResume(announcement: Announcement, watchPaused: boolean): ResumePlan {
	// 'abandoned': someone deleted the post while live, or it was never posted: leave it so.
	if (announcement.phase !== 'ended' || watchPaused) return { action: 'none' };
	return announcement.messageId === null ? { action: 'repost' } : { action: 'edit-back' };
}
