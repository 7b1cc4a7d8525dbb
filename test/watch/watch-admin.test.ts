import { DiscordAPIError } from 'discord.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { createSilentLogger } from '../../src/logger.ts';
import { describeDeliveryError } from '../../src/notify/delivery-problems.ts';
import { openRepositories, type Repositories } from '../../src/store/repositories.ts';
import { renderPreview, renderWatchList } from '../../src/views/watch.ts';
import {
	type AddWatchRequest,
	addWatch,
	listWatches,
	previewAnnouncement,
	removeWatch,
	type WatchAdminDeps,
	watchSuggestions,
} from '../../src/watch/watch-admin.ts';
import { recordingLogger } from '../discord/fake-interactions.ts';
import { makeStreamState } from '../store/fixtures.ts';
import { storeBackends, useTestStores } from '../store/test-stores.ts';
import { ADMIN, fixedChecker, GENERAL, GUILD, NEWS, NOW, ROLE, ScriptedTwitch } from './watch-fixtures.ts';

const stores = useTestStores(storeBackends[0]!);
let twitch: ScriptedTwitch;
let repositories: Repositories;
let deps: WatchAdminDeps;

beforeEach(async () => {
	twitch = new ScriptedTwitch();
	twitch.addUser('alpha', '1001');
	twitch.addUser('beta', '1002');
	twitch.addUser('gamma', '1003');
	repositories = await openRepositories(await stores.open(), createSilentLogger());
	deps = { twitch, repositories, clock: { now: () => NOW }, logger: createSilentLogger() };
});

function request(overrides: Partial<AddWatchRequest> = {}): AddWatchRequest {
	return {
		guildId: GUILD,
		requestedBy: ADMIN,
		login: 'alpha',
		postInChannelId: NEWS,
		roleId: null,
		template: null,
		...overrides,
	};
}

async function rejection(promise: Promise<unknown>): Promise<UserError> {
	const error = await promise.then(
		() => undefined,
		(caught: unknown) => caught,
	);
	expect(error).toBeInstanceOf(UserError);
	return error as UserError;
}

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

describe('/watch remove', () => {
	it('works after a rename, by the new login or the stored one', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		await addWatch(deps, request({ login: 'beta' }), fixedChecker());
		// Renamed on Twitch, not yet seen by the notifier: the watch still carries the old login.
		twitch.rename('1001', 'alpha_reborn');
		const removed = await removeWatch(deps, GUILD, 'alpha_reborn');
		expect(removed.twitchUserId).toBe('1001');
		// The stored login (what /watch list shows) works too, even when Twitch no longer knows it.
		twitch.rename('1002', 'beta_reborn');
		expect((await removeWatch(deps, GUILD, 'beta')).twitchUserId).toBe('1002');
		expect(await stored()).toEqual([]);
	});

	it('says when the server does not watch that channel', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		const error = await rejection(removeWatch(deps, GUILD, 'gamma'));
		expect(error.message).toBe('This server does not watch “gamma”. `/watch list` shows the channels it watches.');
		expect(await stored()).toHaveLength(1);
	});

	it('suggests the server’s watches matching what is typed', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		await addWatch(deps, request({ login: 'beta' }), fixedChecker());
		const watches = await stored();
		expect(watchSuggestions(watches, 'ALP')).toEqual([{ name: 'Alpha', value: 'alpha' }]);
		expect(watchSuggestions(watches, '').map((choice) => choice.value)).toEqual(['alpha', 'beta']);
	});
});

describe('/watch list', () => {
	it('shows a recorded delivery problem with a hint', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		await repositories.watches.update(GUILD, '1001', (watch) => ({
			...watch,
			delivery: {
				lastError: { code: 50013, message: 'Missing Permissions: the bot needs Send Messages.', at: NOW - 60_000 },
				consecutiveFailures: 2,
				retryAt: NOW + 120_000,
				lastSuccessAt: null,
			},
		}));
		const listing = await listWatches(deps, GUILD, fixedChecker());
		const text = renderWatchList(listing, 1, NOW).embeds?.[0]?.description ?? '';
		expect(text).toContain('Last delivery problem <t:1748779140:R> (50013): Missing Permissions');
		expect(text).toContain('Give me Send Messages and Embed Links in <#1400000000000000001>');
		expect(text).toContain('Next try <t:1748779320:R>');
	});

	it('shows a network failure the notifier recorded in plain words with its incident id, never the raw error', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		const timedOut = new DOMException('This operation was aborted', 'AbortError');
		// What the announcer stores for a failed post: code and message of the described problem.
		const problem = describeDeliveryError(timedOut, { logger: createSilentLogger() });
		await repositories.watches.update(GUILD, '1001', (watch) => ({
			...watch,
			delivery: {
				lastError: { code: problem.code, message: problem.message, at: NOW - 60_000 },
				consecutiveFailures: 1,
				retryAt: NOW + 60_000,
				lastSuccessAt: null,
			},
		}));
		const listing = await listWatches(deps, GUILD, fixedChecker());
		const text = renderWatchList(listing, 1, NOW).embeds?.[0]?.description ?? '';
		expect(text).toContain(
			'Last delivery problem <t:1748779140:R>: Discord did not answer in time; this usually passes on its own.',
		);
		expect(text).toContain(`give the bot’s operator this incident id: \`${problem.incidentId}\``);
		expect(text).toContain('Next try <t:1748779260:R>.');
		expect(text).not.toContain('aborted');
	});

	it('shows live or offline from the stored stream state, else from Twitch', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		await addWatch(deps, request({ login: 'beta' }), fixedChecker());
		await addWatch(deps, request({ login: 'gamma' }), fixedChecker());
		await repositories.streamStates.set(makeStreamState('1001', { status: 'live' }));
		await repositories.streamStates.set(makeStreamState('1002', { status: 'offline' }));
		twitch.goLive('1003');
		const listing = await listWatches(deps, GUILD, fixedChecker());
		expect(listing.entries.map((entry) => [entry.watch.login, entry.status])).toEqual([
			['alpha', 'live'],
			['beta', 'offline'],
			['gamma', 'live'],
		]);
	});

	it('still lists when Twitch is down, with the status unknown', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		twitch.failLiveStreams = true;
		const listing = await listWatches(deps, GUILD, fixedChecker());
		expect(listing.entries[0]?.status).toBe('unknown');
	});

	it('shows what would stop the next post right now', async () => {
		await addWatch(deps, request({ login: 'alpha' }), fixedChecker());
		const listing = await listWatches(
			deps,
			GUILD,
			fixedChecker({ status: 'blocked', problem: { kind: 'channel-not-found', channelId: NEWS } }),
		);
		const text = renderWatchList(listing, 1, NOW).embeds?.[0]?.description ?? '';
		expect(text).toContain('⚠️ Now: I can’t find <#1400000000000000001>');
	});
});

describe('/watch test', () => {
	const posted: Array<{ channelId: string; body: unknown }> = [];
	const post = async (channelId: string, body: unknown) => {
		posted.push({ channelId, body });
		return { id: '1600000000000000001' };
	};
	beforeEach(() => {
		posted.length = 0;
	});

	it('posts a preview with a sample stream in the target channel, pinging no one', async () => {
		await addWatch(deps, request({ roleId: ROLE, template: '{role} {streamer} is live: {title}' }), fixedChecker());
		const outcome = await previewAnnouncement(deps, GUILD, 'alpha', fixedChecker(), post);
		expect(outcome).toMatchObject({ live: false, posted: { channelId: NEWS }, notPostedBecause: null });
		expect(posted).toHaveLength(1);
		expect(posted[0]?.body).toMatchObject({
			content: `<@&${ROLE}> Alpha is live: This is how the announcement will look`,
			allowed_mentions: { parse: [], roles: [] },
		});
	});

	it('uses the real stream when live and warns when the filters would skip it', async () => {
		await addWatch(deps, request(), fixedChecker());
		await repositories.guildSettings.update(GUILD, { gameFilter: ['chess'] });
		twitch.goLive('1001', { title: 'Speedrun', gameName: 'Celeste' });
		const outcome = await previewAnnouncement(deps, GUILD, 'alpha', fixedChecker(), post);
		expect(outcome).toMatchObject({ live: true, filteredOut: true });
		expect(JSON.stringify(posted[0]?.body)).toContain('Speedrun');
	});

	it('does not post where the bot lacks permissions, and says why', async () => {
		await addWatch(deps, request(), fixedChecker());
		const checker = fixedChecker({
			status: 'blocked',
			problem: { kind: 'cannot-post', channelId: NEWS, missing: ['Send Messages'], roleId: null },
		});
		const outcome = await previewAnnouncement(deps, GUILD, 'alpha', checker, post);
		expect(posted).toEqual([]);
		expect(outcome.notPostedBecause).toContain('missing Send Messages');
	});

	it('reports a post Discord refuses', async () => {
		await addWatch(deps, request(), fixedChecker());
		const refusing = async () => {
			throw new DiscordAPIError(
				{ code: 50001, message: 'Missing Access' },
				50001,
				403,
				'POST',
				'/channels/1/messages',
				{ body: undefined, files: undefined },
			);
		};
		const outcome = await previewAnnouncement(deps, GUILD, 'alpha', fixedChecker(), refusing);
		expect(outcome.posted).toBeNull();
		expect(outcome.notPostedBecause).toContain('Missing Access');
	});

	it('reports a network failure in plain words with an incident id, the raw error only in the log', async () => {
		const { logger, records } = recordingLogger();
		await addWatch(deps, request(), fixedChecker());
		const unreachable = async () => {
			const cause = Object.assign(new Error('connect ECONNREFUSED 162.159.128.233:443'), { code: 'ECONNREFUSED' });
			throw new TypeError('fetch failed', { cause });
		};
		const outcome = await previewAnnouncement({ ...deps, logger }, GUILD, 'alpha', fixedChecker(), unreachable);
		expect(outcome.posted).toBeNull();
		expect(outcome.notPostedBecause).toMatch(
			/^The bot could not connect to Discord \(a network problem\); this usually passes on its own\. /,
		);
		expect(outcome.notPostedBecause).toContain('Try `/watch test` again in a minute.');
		expect(outcome.notPostedBecause).not.toContain('fetch failed');
		expect(outcome.notPostedBecause).not.toContain('ECONNREFUSED');
		const incidentId = /incident id: `([0-9a-f]{8})`/.exec(outcome.notPostedBecause ?? '')?.[1];
		expect(incidentId).toBeDefined();
		expect(records.find((record) => record.incidentId === incidentId)).toMatchObject({
			guildId: GUILD,
			channelId: NEWS,
			err: { message: expect.stringContaining('fetch failed') },
		});
		const reply = renderPreview(outcome);
		expect(reply.content).toContain(`incident id: \`${incidentId}\``);
		expect(reply.content).not.toContain('fetch failed');
	});

	it('clears a recorded delivery problem once a preview posts', async () => {
		await addWatch(deps, request(), fixedChecker());
		await repositories.watches.update(GUILD, '1001', (watch) => ({
			...watch,
			delivery: {
				lastError: { code: 50013, message: 'x', at: NOW },
				consecutiveFailures: 3,
				retryAt: NOW + 1,
				lastSuccessAt: null,
			},
		}));
		await previewAnnouncement(deps, GUILD, 'alpha', fixedChecker(), post);
		expect((await stored())[0]?.delivery).toMatchObject({ lastError: null, consecutiveFailures: 0, retryAt: null });
	});

	it('resumes a paused watch once a preview posts in its channel', async () => {
		await addWatch(deps, request(), fixedChecker());
		await repositories.watches.update(GUILD, '1001', (watch) => ({
			...watch,
			paused: { reason: 'no-access', channelId: NEWS, at: NOW },
		}));
		expect(repositories.watches.watchedUserIds()).toEqual([]);
		await previewAnnouncement(deps, GUILD, 'alpha', fixedChecker(), post);
		expect((await stored())[0]?.paused).toBeNull();
		expect(repositories.watches.watchedUserIds()).toEqual(['1001']);
	});
});
