import { DiscordAPIError, HTTPError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { DiscordErrorCode, describeDeliveryError } from '../../src/notify/delivery-problems.ts';
import { recordingLogger } from '../discord/fake-interactions.ts';

function discordError(status: number, code: number, message: string): DiscordAPIError {
	return new DiscordAPIError({ code, message }, code, status, 'POST', '/channels/1/messages', {
		body: undefined,
		files: undefined,
	});
}

/** What undici's fetch throws when the connection is refused: the useful part is in `cause`. */
function connectionRefused(): TypeError {
	const cause = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:443'), { code: 'ECONNREFUSED' });
	return new TypeError('fetch failed', { cause });
}

const INCIDENT = /If it keeps happening, give the bot’s operator this incident id: `([0-9a-f]{8})`\.$/;

describe('delivery problems as an admin reads them', () => {
	it('explains a failed connection in plain words with an incident id, and logs the raw error under that id', () => {
		const { logger, records } = recordingLogger();
		const problem = describeDeliveryError(connectionRefused(), { logger, context: { guildId: '42' } });
		expect(problem).toMatchObject({ code: null, backoff: true });
		expect(problem.message).toMatch(
			/^The bot could not connect to Discord \(a network problem\); this usually passes on its own\. /,
		);
		for (const raw of ['fetch failed', 'ECONNREFUSED', '10.1.2.3']) expect(problem.message).not.toContain(raw);
		const incidentId = INCIDENT.exec(problem.message)?.[1];
		expect(problem.incidentId).toBe(incidentId);
		const logged = records.find((record) => record.incidentId === incidentId);
		expect(logged).toMatchObject({ guildId: '42', err: { message: expect.stringContaining('fetch failed') } });
		expect(JSON.stringify(logged)).toContain('ECONNREFUSED 10.1.2.3:443');
	});

	it('says Discord did not answer in time when the request timed out', () => {
		const timedOut = new DOMException('This operation was aborted', 'AbortError');
		const problem = describeDeliveryError(timedOut, { logger: recordingLogger().logger });
		expect(problem.message).toMatch(/^Discord did not answer in time; this usually passes on its own\. /);
		expect(problem.message).toMatch(INCIDENT);
		expect(problem.message).not.toContain('aborted');
	});

	it('keeps the raw text of a refusal with an unknown Discord code out of the message, with an incident id', () => {
		const { logger, records } = recordingLogger();
		const problem = describeDeliveryError(discordError(400, 50035, 'Invalid Form Body\nembeds[0].title: too long'), {
			logger,
		});
		expect(problem.code).toBe(50035);
		expect(problem.message).toMatch(/^Discord refused the post \(error 50035\)\. /);
		expect(problem.message).not.toContain('Invalid Form Body');
		expect(problem.message).toMatch(INCIDENT);
		expect(JSON.stringify(records)).toContain('Invalid Form Body');
	});

	it('explains a Discord server error without raw text', () => {
		const problem = describeDeliveryError(new HTTPError(503, 'Service Unavailable', 'POST', '/x', {}));
		expect(problem).toMatchObject({
			code: 503,
			message: 'Discord had a problem on its side (HTTP 503); this usually passes on its own.',
		});
	});

	it('keeps the human messages of known Discord codes, with no incident id', () => {
		const { logger, records } = recordingLogger();
		const describe = (status: number, code: number) =>
			describeDeliveryError(discordError(status, code, 'raw text from Discord'), { logger });
		expect(describe(403, DiscordErrorCode.MissingAccess)).toMatchObject({
			message: 'Missing Access: the bot cannot see the post channel (View Channel).',
		});
		expect(describe(403, DiscordErrorCode.MissingPermissions).message).toBe(
			'Missing Permissions: the bot needs View Channel, Send Messages and Embed Links in the post channel.',
		);
		expect(describe(404, DiscordErrorCode.UnknownChannel).message).toBe(
			'Unknown Channel: the post channel was deleted. Choose another one.',
		);
		expect(describe(404, DiscordErrorCode.UnknownMessage).message).toBe(
			'Unknown Message: the announcement was deleted, so it cannot be updated.',
		);
		expect(describe(403, DiscordErrorCode.MissingAccess).incidentId).toBeUndefined();
		expect(records).toEqual([]);
	});
});
