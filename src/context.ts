import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Store } from './store/keyv.ts';
import type { TwitchClient } from './twitch/client.ts';

/**
 * What every command handler and background job is given: dependencies are passed, not looked up, so that tests
 * build a context of fakes without mocking modules.
 */
export interface AppContext {
	readonly config: Config;
	readonly twitch: TwitchClient;
	readonly store: Store;
	readonly logger: Logger;
	readonly clock: Clock;
}
