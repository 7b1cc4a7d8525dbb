/**
 * Go-live notifications. Where things are decided:
 * - go-live-state.ts: whether a stream went live, changed or ended (the state machine);
 * - poller.ts: when Twitch is asked (batches of 100, one cycle at a time);
 * - announcement-rules.ts: which guilds announce a stream and where (filters, target channel, backoff);
 * - planner.ts: what is posted, edited or deleted for each target; live-delivery.ts and stream-end.ts do it;
 * - announcement-view.ts and template.ts: what the posts look like.
 */
export {
	type AnnouncedStream,
	type AnnouncementMessage,
	announcedStreamFromState,
	announcedStreamFromTwitch,
	formatLiveStatus,
	renderEndedAnnouncement,
	renderLiveAnnouncement,
	renderWatchPreview,
} from '../views/announcement.ts';
export {
	DEFAULT_TEMPLATE,
	MAX_TEMPLATE_LENGTH,
	renderTemplate,
	TEMPLATE_VARIABLES,
	type TemplateValidation,
	validateTemplate,
} from '../views/announcement-template.ts';
export {
	backoffDelay,
	isInBackoff,
	passesGuildFilters,
	targetChannelOf,
	withBackoffCleared,
} from './announcement-rules.ts';
export { type DeliveryProblem, DiscordErrorCode, describeDeliveryError } from './delivery-problems.ts';
export { DEFAULT_END_GRACE_MS, type GoLiveEvent, nextStreamState, type StreamObservation } from './go-live-state.ts';
export { createNotifier, type Notifier, type NotifierOptions } from './notifier.ts';
export { type PollCycleReport, StreamPoller } from './poller.ts';
