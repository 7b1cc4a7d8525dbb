export { HELIX_LIST_LIMIT, HelixBatcher } from './batcher.ts';
export {
	type ClipPeriod,
	type TopStreamsQuery,
	TwitchClient,
	type TwitchClientOptions,
	type TwitchRequestOptions,
} from './client.ts';
export {
	InvalidLoginError,
	TwitchApiError,
	TwitchAuthError,
	TwitchError,
	TwitchRateLimitError,
	TwitchResponseError,
	TwitchUnavailableError,
} from './errors.ts';
export { HELIX_MAX_PAGES } from './helix-lists.ts';
export { isValidLogin, normalizeLogin } from './login.ts';
export type { HelixObserver, TwitchMetrics } from './metrics.ts';
export type { HelixPriority } from './rate-limit.ts';
export type {
	TwitchCategory,
	TwitchChannel,
	TwitchChannelSearchResult,
	TwitchClip,
	TwitchGame,
	TwitchStream,
	TwitchUser,
	TwitchVideo,
} from './schemas.ts';
export type { TokenValidation } from './token.ts';
