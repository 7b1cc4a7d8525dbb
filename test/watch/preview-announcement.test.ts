import { DiscordAPIError } from 'discord.js';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Repositories } from '../../src/store/repositories.ts';
import { renderLiveAnnouncement } from '../../src/views/announcement.ts';
import { describeNotPosted, renderPreview } from '../../src/views/watch.ts';
import { addWatch } from '../../src/watch/add-watch.ts';
import { type PreviewOutcome, previewAnnouncement } from '../../src/watch/preview-announcement.ts';
import type { WatchAdminDeps } from '../../src/watch/watch-admin-deps.ts';
import { recordingLogger } from '../discord/fake-interactions.ts';
import { storeBackends, useTestStores } from '../store/test-stores.ts';
import {
	fixedChecker,
	GENERAL,
	GUILD,
	NEWS,
	NOW,
	openWatchWorld,
	ROLE,
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

/** Why the preview was not posted, in the words `/watch test` shows. */
const notPostedText = (outcome: PreviewOutcome) =>
	outcome.notPostedBecause && describeNotPosted(outcome.notPostedBecause);

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
		const outcome = await previewAnnouncement(deps, GUILD, 'alpha', fixedChecker(), post, renderLiveAnnouncement);
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
		const outcome = await previewAnnouncement(deps, GUILD, 'alpha', fixedChecker(), post, renderLiveAnnouncement);
		expect(outcome).toMatchObject({ live: true, filteredOut: true });
		expect(JSON.stringify(posted[0]?.body)).toContain('Speedrun');
	});

	it('does not post where the bot lacks permissions, and says why', async () => {
		await addWatch(deps, request(), fixedChecker());
		const checker = fixedChecker({
			status: 'blocked',
			problem: { kind: 'cannot-post', channelId: NEWS, missing: ['Send Messages'], roleId: null },
		});
		const outcome = await previewAnnouncement(deps, GUILD, 'alpha', checker, post, renderLiveAnnouncement);
		expect(posted).toEqual([]);
		expect(notPostedText(outcome)).toContain('missing Send Messages');
	});

	it('does not post when the watch has no channel and the server no default, and says how to set one', async () => {
		await repositories.guildSettings.update(GUILD, { defaultChannelId: GENERAL });
		await addWatch(deps, request({ postInChannelId: null }), fixedChecker());
		await repositories.guildSettings.update(GUILD, { defaultChannelId: null });
		const outcome = await previewAnnouncement(deps, GUILD, 'alpha', fixedChecker(), post, renderLiveAnnouncement);
		expect(posted).toEqual([]);
		expect(outcome.notPostedBecause).toEqual({ kind: 'no-channel', serverHasDefault: false });
		expect(notPostedText(outcome)).toBe(
			'This watch has no channel and the server has no default channel: set one with `/watch settings default-channel:`.',
		);
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
		const outcome = await previewAnnouncement(deps, GUILD, 'alpha', fixedChecker(), refusing, renderLiveAnnouncement);
		expect(outcome.posted).toBeNull();
		expect(notPostedText(outcome)).toContain('Missing Access');
	});

	it('reports a network failure in plain words with an incident id, the raw error only in the log', async () => {
		const { logger, records } = recordingLogger();
		await addWatch(deps, request(), fixedChecker());
		const unreachable = async () => {
			const cause = Object.assign(new Error('connect ECONNREFUSED 162.159.128.233:443'), { code: 'ECONNREFUSED' });
			throw new TypeError('fetch failed', { cause });
		};
		const outcome = await previewAnnouncement(
			{ ...deps, logger },
			GUILD,
			'alpha',
			fixedChecker(),
			unreachable,
			renderLiveAnnouncement,
		);
		expect(outcome.posted).toBeNull();
		expect(notPostedText(outcome)).toMatch(
			/^The bot could not connect to Discord \(a network problem\); this usually passes on its own\. /,
		);
		expect(notPostedText(outcome)).toContain('Try `/watch test` again in a minute.');
		expect(notPostedText(outcome)).not.toContain('fetch failed');
		expect(notPostedText(outcome)).not.toContain('ECONNREFUSED');
		const incidentId = /incident id: `([0-9a-f]{8})`/.exec(notPostedText(outcome) ?? '')?.[1];
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
		await repositories.deliveryStatus.update({ guildId: GUILD, twitchUserId: '1001' }, (status) => ({
			...status,
			lastError: { code: 50013, message: 'x', at: NOW },
			consecutiveFailures: 3,
			retryAt: NOW + 1,
			lastSuccessAt: null,
		}));
		await previewAnnouncement(deps, GUILD, 'alpha', fixedChecker(), post, renderLiveAnnouncement);
		const status = await repositories.deliveryStatus.get({ guildId: GUILD, twitchUserId: '1001' });
		expect(status).toMatchObject({ lastError: null, consecutiveFailures: 0, retryAt: null });
	});

	it('resumes a paused watch once a preview posts in its channel', async () => {
		await addWatch(deps, request(), fixedChecker());
		await repositories.watches.update(GUILD, '1001', (watch) => ({
			...watch,
			paused: { reason: 'no-access', channelId: NEWS, at: NOW },
		}));
		expect(repositories.watches.watchedUserIds()).toEqual([]);
		await previewAnnouncement(deps, GUILD, 'alpha', fixedChecker(), post, renderLiveAnnouncement);
		expect((await stored())[0]?.paused).toBeNull();
		expect(repositories.watches.watchedUserIds()).toEqual(['1001']);
	});
});
