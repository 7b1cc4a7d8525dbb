/**
 * Runs a seeded fake Twitch until Ctrl-C, for trying the bot or the CLI by hand:
 *   node test/fakes/twitch/main.ts [--bulk N]
 * then set TWITCH_API_URL, TWITCH_AUTH_URL, TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET to what it prints.
 */
import { parseArgs } from 'node:util';
import { startFakeTwitch } from './index.ts';

const { values } = parseArgs({ options: { bulk: { type: 'string', default: '0' } } });

const fake = await startFakeTwitch();

const justChatting = fake.addGame({ id: '509658', name: 'Just Chatting' });
const minecraft = fake.addGame({ id: '27471', name: 'Minecraft' });
fake.addGame({ id: '32982', name: 'Grand Theft Auto V' });

const twitchDev = fake.addUser({
	id: '141981764',
	login: 'twitchdev',
	display_name: 'TwitchDev',
	broadcaster_type: 'partner',
	description: 'Supporting third-party developers building Twitch integrations.',
	created_at: '2016-12-14T20:32:28Z',
});
const sandy = fake.addUser({ login: 'sandysanderman', display_name: 'SandySanderman', broadcaster_type: 'affiliate' });
const quiet = fake.addUser({ login: 'quietcoder', display_name: 'QuietCoder' });

fake.goLive(twitchDev.id, { title: 'Building a bot live', game_id: justChatting.id, viewer_count: 1234 });
fake.goLive(sandy.id, { title: 'Blocks and more blocks', game_id: minecraft.id, viewer_count: 78365, language: 'es' });
fake.updateChannel(quiet.id, { title: 'Refactoring day', game_id: justChatting.id });
fake.addVideo({ user_id: quiet.id, type: 'archive', stream_id: '40000000999', title: 'Refactoring day (VOD)' });
fake.addClip({ broadcaster_id: sandy.id, title: 'That jump', view_count: 4200 });
fake.addClip({ broadcaster_id: twitchDev.id, title: 'Live coding fail', view_count: 900 });

const bulk = Number(values.bulk);
if (bulk > 0) fake.seedBulk({ users: bulk });

console.log(`fake Twitch listening on ${fake.origin}
  TWITCH_API_URL=${fake.helixUrl}
  TWITCH_AUTH_URL=${fake.authUrl}
  TWITCH_CLIENT_ID=${fake.clientId}
  TWITCH_CLIENT_SECRET=${fake.clientSecret}
seeded users: twitchdev (live), sandysanderman (live), quietcoder (offline)${bulk > 0 ? ` and ${bulk} bulk users` : ''}
Ctrl-C to stop.`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		void fake.close().then(() => process.exit(0));
	});
}
