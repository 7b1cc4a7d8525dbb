/**
 * A fake Discord for tests and the demo: REST API v10 and the gateway, enough for the real discord.js client.
 * See server.ts for how it is wired and types.ts for what tests build and observe.
 */
export { IDENTIFY_INTERVAL_MS, shardOfGuild } from './gateway.ts';
export { Permission } from './permissions.ts';
export { startFakeDiscord } from './server.ts';
export type {
	AllowedMentionsBody,
	FakeAttachment,
	FakeChannel,
	FakeDiscord,
	FakeDiscordEvent,
	FakeDiscordOptions,
	FakeGatewayView,
	FakeGuild,
	FakeIdentify,
	FakeMessage,
	FakeMessageEdit,
	FakeRole,
	FakeShard,
	InteractionResult,
	PingedMentions,
	RestFault,
	RestLogEntry,
	RunCommandOptions,
} from './types.ts';
