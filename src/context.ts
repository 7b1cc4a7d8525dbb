import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Notifier } from './notify/notifier.ts';
import type { Store } from './store/keyv.ts';
import type { Repositories } from './store/repositories.ts';
import type { TwitchClient } from './twitch/client.ts';

/**
 * What every command handler and background job is given: dependencies are passed, not looked up, so that tests
 * build a context of fakes without mocking modules.
 */
export interface AppContext {
	readonly config: Config;
	readonly twitch: TwitchClient;
	readonly store: Store;
	/** The shared repository instances (never create a second WatchRepository over the same store). */
	readonly repositories: Repositories;
	/** The go-live notifier, when this process runs it (its stream states back `/watch list`). */
	readonly notifier?: Notifier | undefined;
	readonly logger: Logger;
	readonly clock: Clock;
	/** Told each slash command's name, outcome and duration (the /metrics counters); absent in most tests. */
	readonly commandObserver?: CommandObserver | undefined;
}

/** What a slash command came to: answered, a UserError shown to the person, or a failure (Twitch down, a bug). */
export type CommandOutcome = 'ok' | 'user-error' | 'error';

export interface CommandObserver {
	command(name: string, outcome: CommandOutcome, durationSeconds: number): void;
}
