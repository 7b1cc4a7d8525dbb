import { TwitchHttpError } from './responses.ts';
import type { TokenStore } from './tokens.ts';

/** A Twitch application registered with the fake. */
export interface FakeApp {
	clientId: string;
	clientSecret: string;
	clientType: 'confidential' | 'public';
}

/** POST /oauth2/token's 200 body. */
export interface MintedToken {
	access_token: string;
	expires_in: number;
	token_type: 'bearer';
}

/** GET /oauth2/validate's 200 body for an app token (no login or user_id: it belongs to no user). */
export interface ValidatedToken {
	client_id: string;
	scopes: string[];
	expires_in: number;
}

/**
 * The client-credentials grant, checked in the order id.twitch.tv reports problems. Twitch takes the fields from
 * the form body or from the query string, so `params` holds both.
 */
export function mintAppToken(
	params: URLSearchParams,
	apps: ReadonlyMap<string, FakeApp>,
	tokens: TokenStore,
	ttlSeconds: number,
): MintedToken {
	const clientId = params.get('client_id');
	if (!clientId) throw new TwitchHttpError(400, 'missing client id');
	const app = apps.get(clientId);
	if (!app) throw new TwitchHttpError(400, 'invalid client');
	const grantType = params.get('grant_type');
	if (!grantType) throw new TwitchHttpError(400, 'missing grant type');
	if (grantType !== 'client_credentials') throw new TwitchHttpError(400, 'unsupported grant type');
	const clientSecret = params.get('client_secret');
	if (!clientSecret) throw new TwitchHttpError(400, 'missing client secret');
	// A Public client type is issued no secret, so whatever secret is sent cannot match.
	if (app.clientType === 'public') throw new TwitchHttpError(400, 'invalid client secret');
	if (clientSecret !== app.clientSecret) throw new TwitchHttpError(403, 'invalid client secret');
	return {
		access_token: tokens.issue(app.clientId, ttlSeconds),
		expires_in: ttlSeconds,
		token_type: 'bearer',
	};
}

/**
 * Validates the token of an `Authorization: OAuth <token>` header. Twitch documents the `OAuth` prefix here (Helix
 * takes `Bearer`); it accepts `Bearer` too, and so does the fake.
 */
export function validateToken(authorization: string | undefined, tokens: TokenStore): ValidatedToken {
	const match = /^(?:OAuth|Bearer)\s+(\S+)$/i.exec(authorization ?? '');
	if (!match?.[1]) throw new TwitchHttpError(401, 'missing authorization token');
	const record = tokens.findValid(match[1]);
	if (!record) throw new TwitchHttpError(401, 'invalid access token');
	return { client_id: record.clientId, scopes: [], expires_in: tokens.secondsLeft(record) };
}

/**
 * POST /oauth2/revoke: `client_id` and `token` from the form body (or the query string). Twitch answers 200 with an
 * empty body; 404 "client does not exist" for an unknown client, 400 "Invalid token" for a token it does not know,
 * and 403 "invalid client" for a token of another client.
 */
export function revokeAppToken(params: URLSearchParams, apps: ReadonlyMap<string, FakeApp>, tokens: TokenStore): void {
	const clientId = params.get('client_id');
	if (!clientId) throw new TwitchHttpError(400, 'missing client id');
	if (!apps.has(clientId)) throw new TwitchHttpError(404, 'client does not exist');
	const token = params.get('token');
	const record = token ? tokens.findValid(token) : undefined;
	if (!token || !record) throw new TwitchHttpError(400, 'Invalid token');
	if (record.clientId !== clientId) throw new TwitchHttpError(403, 'invalid client');
	tokens.revoke(token);
}
