import type { Keyv } from 'keyv';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { TwitchAuthError, TwitchUnavailableError } from './errors.ts';
import { type HttpTarget, httpBase, requestText } from './http-deadline.ts';
import type { HelixObserver, TwitchMetrics } from './metrics.ts';
import { errorBodySchema, tokenResponseSchema, validateResponseSchema } from './schemas.ts';

const storedTokenSchema = z.object({
	version: z.literal(1),
	clientId: z.string(),
	accessToken: z.string(),
	expiresAt: z.number(),
});
type StoredToken = z.infer<typeof storedTokenSchema>;

export interface AppTokenProviderOptions {
	clientId: string;
	clientSecret: string;
	/** e.g. https://id.twitch.tv/oauth2 */
	authUrl: string;
	/** Where the token survives a restart; without it the token lives in memory only. */
	store?: Keyv | undefined;
	clock: Clock;
	logger: Logger;
	metrics: TwitchMetrics;
	/** Hears of every mint and validation attempt (Prometheus); guarded by the client. */
	observer?: HelixObserver | undefined;
	dispatcher?: Dispatcher | undefined;
	/** Deadline for each whole exchange with id.twitch.tv, headers and body (default 10 s). */
	timeoutMs?: number;
	/** Renew this long before expiry (default 1 hour; app tokens live about two months). */
	renewMarginMs?: number;
	/** Attempts for a mint that fails with a network error or 5xx (default 3). */
	mintAttempts?: number;
	/** Base of the exponential backoff between mint attempts (default 500 ms). */
	retryBaseMs?: number;
}

/** What /oauth2/validate said of the current token. */
export type TokenValidation =
	| { status: 'valid'; clientId: string; expiresInSeconds: number }
	| { status: 'invalid'; reason: string }
	| { status: 'replaced'; reason: string };

/**
 * Holds the app access token (client-credentials grant). Any number of concurrent callers share one in-flight
 * mint; the token is kept in the store keyed by client id so that a restart reuses it; it is renewed before it
 * expires, validated at start and hourly as Twitch asks, and dropped when Helix answers 401.
 */
export class AppTokenProvider {
	private current: StoredToken | undefined;
	private loaded = false;
	private pending: Promise<StoredToken> | undefined;
	private validationTimer: NodeJS.Timeout | undefined;
	private readonly target: (path: string) => HttpTarget;
	private readonly options: Required<Omit<AppTokenProviderOptions, 'store' | 'dispatcher' | 'observer'>> &
		Pick<AppTokenProviderOptions, 'store' | 'dispatcher' | 'observer'>;

	constructor(options: AppTokenProviderOptions) {
		this.options = {
			timeoutMs: 10_000,
			renewMarginMs: 60 * 60 * 1000,
			mintAttempts: 3,
			retryBaseMs: 500,
			...options,
		};
		this.target = httpBase(options.authUrl);
	}

	private get storeKey(): string {
		return `twitch:app-token:${this.options.clientId}`;
	}

	/** A usable access token: the cached one, the stored one after a restart, or a freshly minted one. */
	async getToken(): Promise<string> {
		if (this.current && this.isFresh(this.current)) return this.current.accessToken;
		// Single flight: the first caller loads or mints, everyone else awaits the same promise.
		this.pending ??= this.loadOrMint().finally(() => {
			this.pending = undefined;
		});
		return (await this.pending).accessToken;
	}

	/**
	 * Forgets `token` after Helix rejected it. Only the token that failed is dropped, so that many requests failing
	 * with the same old token cause one mint, not one each.
	 */
	async invalidate(token: string): Promise<void> {
		if (this.current?.accessToken !== token) return;
		this.current = undefined;
		await this.options.store?.delete(this.storeKey).catch((error: unknown) => {
			this.options.logger.warn({ err: error }, 'could not delete the stored Twitch token');
		});
	}

	/**
	 * Asks Twitch whether the current token is still good and belongs to our client id; an invalid or foreign token
	 * is dropped and replaced.
	 */
	async validate(): Promise<TokenValidation> {
		const token = await this.getToken();
		const { logger, metrics } = this.options;
		metrics.validations++;
		const response = await this.send('GET', '/validate', { authorization: `OAuth ${token}` });
		if (response.status === 401) {
			logger.warn('Twitch says the app access token is no longer valid; minting a new one');
			await this.invalidate(token);
			await this.getToken();
			return { status: 'replaced', reason: 'the token was no longer valid' };
		}
		if (response.status !== 200) {
			return { status: 'invalid', reason: `Twitch answered ${response.status} to /oauth2/validate` };
		}
		const parsed = validateResponseSchema.safeParse(response.json);
		if (!parsed.success) return { status: 'invalid', reason: 'Twitch sent an unexpected /oauth2/validate response' };
		if (parsed.data.client_id !== this.options.clientId) {
			logger.error(
				{ tokenClientId: parsed.data.client_id },
				'the stored Twitch token belongs to another client id; minting a new one for TWITCH_CLIENT_ID',
			);
			await this.invalidate(token);
			await this.getToken();
			return { status: 'replaced', reason: 'the token belonged to another client id' };
		}
		// Twitch may shorten a token's life: trust its remaining time over ours.
		if (this.current?.accessToken === token) {
			this.current = { ...this.current, expiresAt: this.options.clock.now() + parsed.data.expires_in * 1000 };
		}
		return { status: 'valid', clientId: parsed.data.client_id, expiresInSeconds: parsed.data.expires_in };
	}

	/** Validates now and then every hour (Twitch's requirement for apps); errors are logged, never thrown. */
	startHourlyValidation(intervalMs = 60 * 60 * 1000): void {
		const run = () => {
			this.validate().catch((error: unknown) => {
				this.options.logger.warn({ err: error }, 'Twitch token validation failed; will try again');
			});
		};
		run();
		this.validationTimer = setInterval(run, intervalMs);
		this.validationTimer.unref();
	}

	stop(): void {
		clearInterval(this.validationTimer);
		this.validationTimer = undefined;
	}

	private isFresh(token: StoredToken): boolean {
		return token.expiresAt - this.options.clock.now() > this.options.renewMarginMs;
	}

	private async loadOrMint(): Promise<StoredToken> {
		if (!this.loaded) {
			this.loaded = true;
			const stored = await this.readStored();
			if (stored && this.isFresh(stored)) {
				this.current = stored;
				return stored;
			}
		}
		const minted = await this.mint();
		this.current = minted;
		await this.options.store?.set(this.storeKey, minted).catch((error: unknown) => {
			this.options.logger.warn({ err: error }, 'could not store the Twitch token; it will be minted again on restart');
		});
		return minted;
	}

	private async readStored(): Promise<StoredToken | undefined> {
		try {
			const raw = await this.options.store?.get(this.storeKey);
			const parsed = storedTokenSchema.safeParse(raw);
			return parsed.success && parsed.data.clientId === this.options.clientId ? parsed.data : undefined;
		} catch (error) {
			this.options.logger.warn({ err: error }, 'could not read the stored Twitch token; minting a new one');
			return undefined;
		}
	}

	private async mint(): Promise<StoredToken> {
		const { clientId, clientSecret, clock, logger, metrics, mintAttempts, retryBaseMs } = this.options;
		const body = new URLSearchParams({
			client_id: clientId,
			client_secret: clientSecret,
			grant_type: 'client_credentials',
		}).toString();
		let lastProblem = '';
		for (let attempt = 1; attempt <= mintAttempts; attempt++) {
			if (attempt > 1) await clock.sleep(retryBaseMs * 2 ** (attempt - 2) * (0.5 + Math.random() / 2));
			let response: HttpResult;
			try {
				metrics.mints++;
				response = await this.send('POST', '/token', { 'content-type': 'application/x-www-form-urlencoded' }, body);
			} catch (error) {
				lastProblem = (error as Error).message;
				continue;
			}
			if (response.status >= 500 || response.status === 429) {
				lastProblem = `HTTP ${response.status}`;
				continue;
			}
			if (response.status !== 200) throw explainMintFailure(response);
			const parsed = tokenResponseSchema.safeParse(response.json);
			if (!parsed.success) {
				lastProblem = 'the token response was not the JSON Twitch documents';
				continue;
			}
			logger.info({ expiresInSeconds: parsed.data.expires_in }, 'minted a Twitch app access token');
			return {
				version: 1,
				clientId,
				accessToken: parsed.data.access_token,
				expiresAt: clock.now() + parsed.data.expires_in * 1000,
			};
		}
		throw new TwitchUnavailableError('/oauth2/token', mintAttempts, lastProblem);
	}

	private async send(
		method: 'GET' | 'POST',
		path: string,
		headers: Record<string, string>,
		body?: string,
	): Promise<HttpResult> {
		const { observer } = this.options;
		const response = await requestText(
			this.target(path),
			{ method, headers, body: body ?? null, dispatcher: this.options.dispatcher },
			this.options.timeoutMs,
			// '/token' → 'oauth2/token', whatever the auth URL (the fakes serve it elsewhere).
			observer ? { observer, endpoint: `oauth2${path}` } : undefined,
		);
		let json: unknown;
		try {
			json = JSON.parse(response.text);
		} catch {
			json = undefined;
		}
		return { status: response.status, json };
	}
}

interface HttpResult {
	status: number;
	json: unknown;
}

// Twitch's answers to a bad client-credentials request, turned into the fix an operator has to make.
function explainMintFailure(response: HttpResult): TwitchAuthError {
	const message = (errorBodySchema.safeParse(response.json).data?.message ?? '').toLowerCase();
	if (message.includes('invalid client secret')) {
		return new TwitchAuthError(
			'Twitch rejected TWITCH_CLIENT_SECRET. Open your application at https://dev.twitch.tv/console/apps, ' +
				'make sure its Client Type is "Confidential" (a Public client has no secret and cannot get an app token), ' +
				'press "New Secret" and put the new value in TWITCH_CLIENT_SECRET.',
			response.status,
		);
	}
	if (message.includes('invalid client')) {
		return new TwitchAuthError(
			'Twitch does not know TWITCH_CLIENT_ID. Copy the Client ID of your application from ' +
				'https://dev.twitch.tv/console/apps into TWITCH_CLIENT_ID.',
			response.status,
		);
	}
	return new TwitchAuthError(
		`Twitch refused to issue an app access token (HTTP ${response.status}${message ? `: ${message}` : ''}). ` +
			'Check TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET at https://dev.twitch.tv/console/apps.',
		response.status,
	);
}
