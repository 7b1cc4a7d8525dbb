import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeTwitch, startFakeTwitch } from './fakes/twitch/index.ts';

let fake: FakeTwitch;
beforeEach(async () => {
	fake = await startFakeTwitch();
});
afterEach(async () => {
	await fake.close();
});

function revoke(fields: Record<string, string>): Promise<Response> {
	return fetch(`${fake.authUrl}/revoke`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams(fields).toString(),
	});
}

describe('POST /oauth2/revoke', () => {
	it('revokes an app token of the client: 200 with an empty body, and the token no longer validates', async () => {
		const token = fake.issueToken();
		const res = await revoke({ client_id: fake.clientId, token });
		expect(res.status).toBe(200);
		expect(await res.text()).toBe('');
		expect(fake.tokens.has(token)).toBe(false);
		const validate = await fetch(`${fake.authUrl}/validate`, { headers: { Authorization: `OAuth ${token}` } });
		expect(validate.status).toBe(401);
	});

	it('answers like Twitch to an unknown client, an unknown token and another client’s token', async () => {
		const token = fake.issueToken();
		const unknownClient = await revoke({ client_id: 'nobody', token });
		expect(unknownClient.status).toBe(404);
		expect(await unknownClient.json()).toEqual({ status: 404, message: 'client does not exist' });

		const unknownToken = await revoke({ client_id: fake.clientId, token: 'nope' });
		expect(unknownToken.status).toBe(400);
		expect(await unknownToken.json()).toEqual({ status: 400, message: 'Invalid token' });

		const other = fake.addClient();
		const foreign = await revoke({ client_id: other.clientId, token });
		expect(foreign.status).toBe(403);
		expect(await foreign.json()).toEqual({ status: 403, message: 'invalid client' });
		expect(fake.tokens.has(token)).toBe(true);
	});
});
