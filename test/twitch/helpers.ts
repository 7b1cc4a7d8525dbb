import { Keyv } from 'keyv';
import { createSilentLogger } from '../../src/logger.ts';
import { TwitchClient, type TwitchClientOptions } from '../../src/twitch/client.ts';
import type { FakeTwitch } from '../fakes/twitch/index.ts';

/** A Helix client pointed at the fake, with retries fast enough for tests. */
export function clientFor(fake: FakeTwitch, overrides: Partial<TwitchClientOptions> = {}): TwitchClient {
	return new TwitchClient({
		clientId: fake.clientId,
		clientSecret: fake.clientSecret,
		apiUrl: fake.helixUrl,
		authUrl: fake.authUrl,
		logger: createSilentLogger(),
		store: new Keyv(),
		retryBaseMs: 5,
		timeoutMs: 2_000,
		...overrides,
	});
}
