import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import KeyvPostgres from '@keyv/postgres';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import { Keyv, type KeyvStoreAdapter } from 'keyv';

export type StoreKind = 'sqlite' | 'redis' | 'postgres';

/** The bot's persistent key-value store: one keyv instance over the adapter STORAGE_URL names. */
export interface Store {
	readonly kind: StoreKind;
	readonly keyv: Keyv;
	/** Closes the adapter's connection; the store must not be used afterwards. */
	close(): Promise<void>;
}

/** Which adapter a STORAGE_URL selects. */
export function storeKindOf(url: string): StoreKind {
	if (/^sqlite:\/\//.test(url)) return 'sqlite';
	if (/^rediss?:\/\//.test(url)) return 'redis';
	if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
	throw new Error('STORAGE_URL must start with sqlite://, redis://, rediss:// or postgres://');
}

/**
 * Opens the store STORAGE_URL names: a SQLite file by default (its folder is created), Redis or PostgreSQL by URL.
 * `namespace` keeps several users of one database apart (tests give each file its own).
 * Fails with a readable error when the database cannot be reached, without echoing credentials in the URL.
 */
export async function openStore(url: string, options: { namespace?: string } = {}): Promise<Store> {
	const kind = storeKindOf(url);
	const namespace = options.namespace ?? 'twitchbot';
	let adapter: KeyvStoreAdapter & { disconnect(): Promise<void> };
	if (kind === 'sqlite') {
		const file = resolve(url.replace(/^sqlite:\/\//, ''));
		mkdirSync(dirname(file), { recursive: true });
		adapter = new KeyvSqlite({ uri: `sqlite://${file}`, table: 'keyv', busyTimeout: 10_000 });
	} else if (kind === 'redis') {
		adapter = new KeyvRedis(url, { throwOnConnectError: true, connectionTimeout: 5_000 }) as never;
	} else {
		adapter = new KeyvPostgres({ uri: url, table: 'keyv' }) as never;
	}
	const keyv = new Keyv({ store: adapter, namespace, throwOnErrors: true });
	try {
		// A round trip now turns a wrong URL or a stopped server into one clear start-up error.
		await keyv.get('__store_check__');
	} catch (error) {
		await adapter.disconnect().catch(() => {});
		throw new Error(`Cannot open the ${kind} store at ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
	}
	return {
		kind,
		keyv,
		close: async () => {
			await adapter.disconnect();
		},
	};
}

/** A URL with its password removed, safe for logs and error messages. */
export function redactUrl(url: string): string {
	return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
