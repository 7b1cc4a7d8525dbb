import type { Keyv } from 'keyv';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { HelixObserver } from './metrics.ts';

/** What a TwitchClient is made from. */
export interface TwitchClientOptions {
	clientId: string;
	clientSecret: string;
	/** Default https://api.twitch.tv/helix */
	apiUrl?: string;
	/** Default https://id.twitch.tv/oauth2 */
	authUrl?: string;
	/** Persistent store for the app token (a restart reuses it). */
	store?: Keyv | undefined;
	logger: Logger;
	clock?: Clock;
	/** Per-attempt HTTP timeout (default 10 s). */
	timeoutMs?: number;
	/** Attempts for transient failures (default 3). */
	attempts?: number;
	/** Backoff base in ms (default 250); tests make it small. */
	retryBaseMs?: number;
	/** The longest a 429 may hold one request (default 30 s). */
	maxRateLimitWaitMs?: number;
	/** Connections kept open to each Twitch host (default 16). */
	connections?: number;
	/** Bypass and disable the response cache (the benchmark's uncached scenarios). */
	cache?: boolean;
	/** Hears of every HTTP attempt and of the rate-limit bucket, for Prometheus; nothing is reported without one. */
	observer?: HelixObserver | undefined;
}

/** The client's settings as the bot's Config names them: every tool (bot, CLI, doctor) builds it the same way. */
export function twitchClientOptionsFrom(
	config: Pick<Config, 'twitchClientId' | 'twitchClientSecret' | 'twitchApiUrl' | 'twitchAuthUrl' | 'httpTimeoutMs'>,
): Pick<TwitchClientOptions, 'clientId' | 'clientSecret' | 'apiUrl' | 'authUrl' | 'timeoutMs'> {
	return {
		clientId: config.twitchClientId,
		clientSecret: config.twitchClientSecret,
		apiUrl: config.twitchApiUrl,
		authUrl: config.twitchAuthUrl,
		timeoutMs: config.httpTimeoutMs,
	};
}
