import { beforeEach, describe, expect, it } from 'vitest';
import type { Repositories } from '../../src/store/repositories.ts';
import { addWatch } from '../../src/watch/add-watch.ts';
import type { WatchAdminDeps } from '../../src/watch/watch-admin-deps.ts';
import { storeBackends, useTestStores } from '../store/test-stores.ts';
import {
	ADMIN,
	fixedChecker,
	GENERAL,
	GUILD,
	NEWS,
	NOW,
	openWatchWorld,
	ROLE,
	rejection,
	addRequest as request,
	type ScriptedTwitch,
} from './watch-fixtures.ts';

const stores = useTestStores(storeBackends[0]!);
let twitch: ScriptedTwitch;
let repositories: Repositories;
let deps: WatchAdminDeps;

beforeEach(async () => {
	({ twitch, repositories, deps } = await openWatchWorld(stores));
});

const stored = () => repositories.watches.listByGuild(GUILD);

describe('/watch add', () => {
	it('stores the Twitch user id (not the login) and survives a rename', async () => {
		const added = await addWatch(deps, request({ login: 'Alpha' }), fixedChecker());
		expect(added.watch).toMatchObject({ twitchUserId: '1001', login: 'alpha', channelId: NEWS, createdBy: ADMIN });
		expect(await stored()).toHaveLength(1);

		// The streamer renames: the notifier records the new login on the same watch (keyed by the id)…
		twitch.rename('1001', 'alpha_reborn');
		await repositories.watches.updateIdentity('1001', 'alpha_reborn', 'Alpha_Reborn');
		const [watch] = await stored();
		expect(watch).toMatchObject({ twitchUserId: '1001', login: 'alpha_reborn', createdAt: NOW });
		// …and adding the new login again is recognised as the same channel.
		const again = await rejection(addWatch(deps, request({ login: 'alpha_reborn' }), fixedChecker()));
		expect(again.message).toContain('already watches');
	});

	it('is rejected at the limit with a clear message, storing nothing', async () => {
		await repositories.guildSettings.update(GUILD, { watchLimit: 2 });
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		await addWatch(deps, request({ login: 'beta' }), fixedChecker());
		const error = await rejection(addWatch(deps, request({ login: 'gamma' }), fixedChecker()));
		expect(error.message).toContain('already watches 2 Twitch channels, the most it may');
		expect(error.message).toContain('/watch remove');
		expect((await stored()).map((watch) => watch.login)).toEqual(['alpha', 'beta']);
	});

	it('answers an unknown login with a friendly error and stores nothing', async () => {
		const error = await rejection(addWatch(deps, request({ login: 'nobody_here' }), fixedChecker()));
		expect(error.message).toContain('No Twitch channel is called “nobody_here”');
		expect(await stored()).toEqual([]);
	});

	it('refuses a login Twitch cannot have before asking Twitch', async () => {
		const error = await rejection(addWatch(deps, request({ login: 'not a login!' }), fixedChecker()));
		expect(error.message).toContain('is not a Twitch login');
		expect(twitch.lookups).toBe(0);
	});

	it('says so when the channel is already watched', async () => {
		await addWatch(deps, request(), fixedChecker());
		const error = await rejection(addWatch(deps, request({ postInChannelId: GENERAL }), fixedChecker()));
		expect(error.message).toBe(
			'This server already watches Alpha. To change its channel, role or message, `/watch remove` it and add it again.',
		);
		expect((await stored())[0]?.channelId).toBe(NEWS);
	});

	it('reports a template validation error at save and stores nothing', async () => {
		const error = await rejection(
			addWatch(deps, request({ template: '{streamer} is live with {gaem}!' }), fixedChecker()),
		);
		expect(error.message).toContain('{gaem}');
		expect(error.message).toContain('{streamer}, {title}, {game}, {url}, {role}');
		expect(error.message).toContain('Nothing was saved');
		expect(await stored()).toEqual([]);
	});

	it('stores a valid template trimmed', async () => {
		const added = await addWatch(deps, request({ template: '  {role} {streamer} is live!  ' }), fixedChecker());
		expect(added.watch.template).toBe('{role} {streamer} is live!');
	});

	it('asks for a channel when there is no post-in and no server default', async () => {
		const error = await rejection(addWatch(deps, request({ postInChannelId: null }), fixedChecker()));
		expect(error.message).toContain('Where should I announce?');
		expect(error.message).toContain('/watch settings default-channel:');
		expect(await stored()).toEqual([]);
	});

	it('follows the server default channel when there is no post-in', async () => {
		await repositories.guildSettings.update(GUILD, { defaultChannelId: GENERAL });
		const checker = fixedChecker();
		const added = await addWatch(deps, request({ postInChannelId: null, roleId: ROLE }), checker);
		expect(added).toMatchObject({ targetChannelId: GENERAL, usesDefaultChannel: true });
		// Stored as "no channel of its own", so that changing the default later moves it too.
		expect(added.watch.channelId).toBeNull();
		expect(checker.calls).toEqual([[GENERAL, ROLE]]);
	});

	it('does not save when the bot cannot post in the target, and says exactly what is missing', async () => {
		const checker = fixedChecker({
			status: 'blocked',
			problem: { kind: 'cannot-post', channelId: NEWS, missing: ['Embed Links'], roleId: null },
		});
		const error = await rejection(addWatch(deps, request(), checker));
		expect(error.message).toMatch(/^I can’t post in <#1400000000000000001>: missing Embed Links\./);
		expect(error.message).toContain('Nothing was saved');
		expect(await stored()).toEqual([]);
	});

	it('saves with a warning when the permissions cannot be checked yet', async () => {
		const checker = fixedChecker({ status: 'unverified', reason: 'this server is not in my cache yet' });
		const added = await addWatch(deps, request(), checker);
		expect(added.uncheckedReason).toBe('this server is not in my cache yet');
		expect(await stored()).toHaveLength(1);
	});

	it('refuses a role the admin may not ping, storing nothing', async () => {
		const checker = fixedChecker({
			status: 'blocked',
			problem: { kind: 'requester-cannot-ping', channelId: NEWS, roleId: ROLE },
		});
		const error = await rejection(addWatch(deps, request({ roleId: ROLE }), checker));
		expect(error.message).toMatch(/^You can’t ping <@&1500000000000000001> in <#1400000000000000001>/);
		expect(error.message).toContain('Nothing was saved');
		expect(await stored()).toEqual([]);
	});

	it('refuses a role while it cannot check who may ping it, storing nothing', async () => {
		const checker = fixedChecker({ status: 'unverified', reason: 'this server is not in my cache yet' });
		const error = await rejection(addWatch(deps, request({ roleId: ROLE }), checker));
		expect(error.message).toContain('this server is not in my cache yet');
		expect(error.message).toContain('Nothing was saved');
		expect(await stored()).toEqual([]);
	});

	it('refuses @everyone as the role to ping', async () => {
		const error = await rejection(addWatch(deps, request({ roleId: GUILD }), fixedChecker()));
		expect(error.message).toContain('@everyone cannot be the announcement role');
	});
});
