/**
 * Runs a seeded fake Twitch alone until Ctrl-C, for pointing the Twitch CLI (or a bot of your own) at it by hand:
 *   node test/fakes/twitch/main.ts [--bulk N]
 * then export the TWITCH_… settings it prints and run, e.g., `npm run twitch -- live twitchdev`.
 *
 * To try the whole bot without accounts, `npm run try` is the way: it starts this fake, the fake Discord and the
 * real bot together, and lets you type slash commands and make channels go live (scripts/try.ts).
 */
import { parseArgs } from 'node:util';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET } from '../../support/bot-world.ts';
import { startFakeTwitch } from './index.ts';

const { values } = parseArgs({ options: { bulk: { type: 'string', default: '0' } } });

// Credentials the bot's config check accepts (letters and digits, 10–64): the fake's own defaults have dashes.
const fake = await startFakeTwitch({ clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET });

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
  TWITCH_EVENTSUB_WS_URL=${fake.eventsubWsUrl}
seeded users: twitchdev (live), sandysanderman (live), quietcoder (offline)${bulk > 0 ? ` and ${bulk} bulk users` : ''}
Ctrl-C to stop.`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		void fake.close().then(() => process.exit(0));
	});
}
