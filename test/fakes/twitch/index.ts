/** A fake Twitch (OAuth and Helix) on 127.0.0.1 for tests, the benchmark and the demo. */
export { startFakeTwitch } from './server.ts';
export type {
	AnswerFault,
	ChannelSettings,
	FakeClientOptions,
	FakeFault,
	FakeRequestLogEntry,
	FakeTokenRecord,
	FakeTwitch,
	FakeTwitchOptions,
	FakeTwitchStats,
	RateLimitSettings,
	RawChannel,
	RawClip,
	RawGame,
	RawSearchChannel,
	RawStream,
	RawUser,
	RawVideo,
	SeedBulkOptions,
} from './types.ts';
