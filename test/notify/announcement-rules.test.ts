import { DiscordAPIError, HTTPError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
	backoffDelay,
	isInBackoff,
	passesGuildFilters,
	targetChannelOf,
	withBackoffCleared,
} from '../../src/notify/announcement-rules.ts';
import { describeDeliveryError } from '../../src/notify/delivery-problems.ts';
import { type DeliveryStatus, defaultGuildSettings, emptyDeliveryStatus, type Watch } from '../../src/store/records.ts';

const settings = defaultGuildSettings('200000000000000001');

function discordError(status: number, code: number): DiscordAPIError {
	return new DiscordAPIError({ code, message: 'x' }, code, status, 'POST', '/channels/1/messages', {});
}

describe('announcement rules', () => {
	it('announces every stream when the guild has no filters', () => {
		expect(passesGuildFilters(settings, { title: 'anything', gameName: '' })).toBe(true);
	});

	it('game filter: announces only the listed categories, case-insensitively, never a stream without one', () => {
		const filtered = { ...settings, gameFilter: ['celeste', 'just chatting'] };
		expect(passesGuildFilters(filtered, { title: 't', gameName: 'Celeste' })).toBe(true);
		expect(passesGuildFilters(filtered, { title: 't', gameName: 'Just Chatting' })).toBe(true);
		expect(passesGuildFilters(filtered, { title: 't', gameName: 'Minecraft' })).toBe(false);
		expect(passesGuildFilters(filtered, { title: 't', gameName: '' })).toBe(false);
	});

	it('keyword filter: the title must contain one of the words', () => {
		const filtered = { ...settings, keywordFilter: ['speedrun', 'race'] };
		expect(passesGuildFilters(filtered, { title: 'SPEEDRUN practice', gameName: 'Celeste' })).toBe(true);
		expect(passesGuildFilters(filtered, { title: 'chill stream', gameName: 'Celeste' })).toBe(false);
	});

	it('posts in the watch channel, else the guild default, else nowhere', () => {
		const watch = { channelId: null } as Watch;
		expect(targetChannelOf(watch, settings)).toBeNull();
		expect(targetChannelOf(watch, { ...settings, defaultChannelId: '300000000000000001' })).toBe('300000000000000001');
		expect(
			targetChannelOf(
				{ ...watch, channelId: '300000000000000002' },
				{ ...settings, defaultChannelId: '300000000000000001' },
			),
		).toBe('300000000000000002');
	});

	it('backs off 1 minute after a failure, doubling up to 1 hour', () => {
		expect([1, 2, 3, 4, 7, 8, 50].map((failures) => backoffDelay(failures) / 60_000)).toEqual([1, 2, 4, 8, 60, 60, 60]);
	});

	it('classifies Discord errors for the watch status', () => {
		expect(describeDeliveryError(discordError(403, 50013))).toMatchObject({ code: 50013, backoff: true });
		expect(describeDeliveryError(discordError(403, 50001)).message).toContain('Missing Access');
		expect(describeDeliveryError(discordError(404, 10003)).message).toContain('Unknown Channel');
		expect(describeDeliveryError(discordError(404, 10008))).toMatchObject({ messageGone: true, backoff: false });
		expect(describeDeliveryError(new HTTPError(503, 'Service Unavailable', 'POST', '/x', {}))).toMatchObject({
			code: 503,
			backoff: true,
		});
		expect(describeDeliveryError(new TypeError('fetch failed'))).toMatchObject({ code: null, backoff: true });
		expect(emptyDeliveryStatus().retryAt).toBeNull();
	});

	it('lifts the backoff of a watch whose target was fixed, keeping the last error visible', () => {
		const failing: DeliveryStatus = {
			lastError: { code: 50013, message: 'm', at: 1 },
			consecutiveFailures: 4,
			retryAt: 10_000,
			lastSuccessAt: null,
		};
		expect(isInBackoff(failing, 5_000)).toBe(true);
		const cleared = withBackoffCleared(failing);
		expect(isInBackoff(cleared, 5_000)).toBe(false);
		expect(cleared).toMatchObject({ consecutiveFailures: 0, lastError: { code: 50013 } });
	});
});
