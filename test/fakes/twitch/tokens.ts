import { randomBytes } from 'node:crypto';
import type { FakeTokenRecord } from './types.ts';

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Twitch access tokens and client ids are 30 random lowercase letters and digits. */
export function randomToken(): string {
	const bytes = randomBytes(30);
	let token = '';
	for (const byte of bytes) token += TOKEN_ALPHABET[byte % TOKEN_ALPHABET.length];
	return token;
}

/** App access tokens issued by the fake: they die when revoked (removed) or when their expiry passes. */
export class TokenStore {
	readonly records = new Map<string, FakeTokenRecord>();
	readonly #now: () => number;

	constructor(now: () => number) {
		this.#now = now;
	}

	issue(clientId: string, ttlSeconds: number): string {
		let token = randomToken();
		while (this.records.has(token)) token = randomToken();
		const issuedAt = this.#now();
		this.records.set(token, { clientId, issuedAt, expiresAt: issuedAt + ttlSeconds * 1000 });
		return token;
	}

	/** The record of a token that is still valid now. */
	findValid(token: string): FakeTokenRecord | undefined {
		const record = this.records.get(token);
		if (!record || record.expiresAt <= this.#now()) return undefined;
		return record;
	}

	/** Whole seconds a valid token has left, as /oauth2/validate reports. */
	secondsLeft(record: FakeTokenRecord): number {
		return Math.max(0, Math.floor((record.expiresAt - this.#now()) / 1000));
	}

	revoke(token: string): void {
		this.records.delete(token);
	}

	revokeAll(): void {
		this.records.clear();
	}

	expire(token: string): void {
		const record = this.records.get(token);
		if (record) record.expiresAt = this.#now();
	}
}
