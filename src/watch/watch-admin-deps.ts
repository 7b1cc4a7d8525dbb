/**
 * What the /watch use cases (add-watch.ts, remove-watch.ts, list-watches.ts, preview-announcement.ts) need: the
 * handlers pass the AppContext, tests their stand-ins.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { Repositories } from '../store/repositories.ts';
import type { TwitchClient } from '../twitch/client.ts';

/** What the /watch logic needs; an AppContext has all of it. */
export interface WatchAdminDeps {
	readonly twitch: Pick<TwitchClient, 'getUserByLogin' | 'getStreamByUserId' | 'getLiveStreams'>;
	readonly repositories: Pick<
		Repositories,
		'watches' | 'categoryWatches' | 'guildSettings' | 'streamStates' | 'deliveryStatus'
	>;
	readonly clock: Pick<Clock, 'now'>;
	/** Where the raw detail of a failed `/watch test` post goes, under the incident id the admin is shown. */
	readonly logger: Pick<Logger, 'warn'>;
	/** When this process runs the notifier, its in-memory stream states are the freshest. */
	readonly notifier?: (Pick<Notifier, 'streamStateOf'> & Partial<Pick<Notifier, 'isInstant' | 'eventsub'>>) | undefined;
}
