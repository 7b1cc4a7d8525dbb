import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type KeyvPostgres from '@keyv/postgres';
import type KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import { type DeserializedData, Keyv, type KeyvStoreAdapter, type StoredData } from 'keyv';

export type StoreKind = 'sqlite' | 'redis' | 'postgres';

/** The bot's persistent key-value store: one keyv instance over the adapter STORAGE_URL names. */
export interface Store {
	readonly kind: StoreKind;
	readonly keyv: Keyv;
	/** Closes the adapter's connection; the store must not be used afterwards. */
	close(): Promise<void>;
}

/**
 * What `keyv.get` returns for a stored value that is not JSON (a hand-edited or truncated row): the repositories
 * report it as a corrupt record instead of the whole read failing.
 */
export class UnreadableStoredValue {
	readonly error: Error;
	constructor(error: Error) {
		this.error = error;
	}
}

/** Which adapter a STORAGE_URL selects. */
export function storeKindOf(url: string): StoreKind {
	if (/^sqlite:\/\//.test(url)) return 'sqlite';
	if (/^rediss?:\/\//.test(url)) return 'redis';
	if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
	throw new Error('STORAGE_URL must start with sqlite://, redis://, rediss:// or postgres://');
}

/**
 * @keyv/sqlite with batch operations that scale: its own getMany looks each key up in the result rows (quadratic:
 * ~0.8 s for 10,000 keys) and it has no setMany, so keyv falls back to one autocommitted INSERT per key (~11 s
 * for 10,000 keys, one disk sync each). Here setMany is one upsert statement (one transaction) and getMany
 * indexes the rows by key.
 */
class BatchingKeyvSqlite extends KeyvSqlite {
	override async getMany<Value>(keys: string[]): Promise<StoredData<Value | undefined>[]> {
		if (keys.length === 0) return [];
		const rows = (await this.query(
			`SELECT key, value FROM ${this.opts.table} WHERE key IN (SELECT value FROM json_each(?))`,
			JSON.stringify(keys),
		)) as Array<{ key: string; value: StoredData<Value> }>;
		const valueByKey = new Map(rows.map((row) => [row.key, row.value]));
		return keys.map((key) => valueByKey.get(key));
	}

	/**
	 * Write-ahead logging with synchronous=NORMAL: a commit no longer waits for a disk sync of the main file, which
	 * made every announcement's few writes cost milliseconds; still safe if the process crashes (not the machine).
	 */
	async useWriteAheadLog(): Promise<void> {
		await this.query('PRAGMA journal_mode=WAL');
		await this.query('PRAGMA synchronous=NORMAL');
	}

	async setMany(entries: Array<{ key: string; value: unknown }>): Promise<void> {
		if (entries.length === 0) return;
		// SQLite needs the WHERE clause to tell an upsert's ON CONFLICT from a join constraint after SELECT.
		await this.query(
			`INSERT INTO ${this.opts.table} (key, value)
			SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) WHERE true
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
			JSON.stringify(entries.map((entry) => [entry.key, entry.value])),
		);
	}
}

/**
 * @keyv/postgres keeps ONE module-wide pg pool (for the last URL constructed) and any adapter's disconnect() ends
 * it. Counting the open stores lets several stores on the same URL (a test reopening the store) close one by one;
 * two different PostgreSQL URLs at once cannot work with that adapter, so that is refused with a clear error.
 */
const openPostgresStores = { url: '', count: 0 };

/**
 * Opens the store STORAGE_URL names: a SQLite file by default (its folder is created), Redis or PostgreSQL by URL.
 * `namespace` keeps several users of one database apart (tests give each file its own); `keyv.clear()` only
 * removes the keys of its namespace.
 * Fails with a readable error when the database cannot be reached, without echoing credentials in the URL.
 */
export async function openStore(url: string, options: { namespace?: string } = {}): Promise<Store> {
	const kind = storeKindOf(url);
	const namespace = options.namespace ?? 'twitchbot';
	let adapter: KeyvStoreAdapter & { disconnect(): Promise<void> };
	let releaseAdapter = async () => adapter.disconnect();
	if (kind === 'sqlite') {
		const file = resolve(url.replace(/^sqlite:\/\//, ''));
		mkdirSync(dirname(file), { recursive: true });
		const sqlite = new BatchingKeyvSqlite({ uri: `sqlite://${file}`, table: 'keyv', busyTimeout: 10_000 });
		await sqlite.useWriteAheadLog();
		adapter = sqlite;
	} else if (kind === 'redis') {
		// The Redis and PostgreSQL adapters are loaded only when used: a SQLite bot does not pay their memory.
		const { default: Redis } = (await import('@keyv/redis')) as { default: typeof KeyvRedis };
		// throwOnErrors: without it a failed GET reads as "no value", and a read-modify-write would then overwrite
		// the real record with an empty one.
		adapter = new Redis(url, { throwOnConnectError: true, throwOnErrors: true, connectionTimeout: 5_000 }) as never;
	} else {
		if (openPostgresStores.count > 0 && openPostgresStores.url !== url) {
			throw new Error('Only one PostgreSQL URL can be open at a time (@keyv/postgres shares one connection pool)');
		}
		openPostgresStores.url = url;
		openPostgresStores.count += 1;
		const { default: Postgres } = (await import('@keyv/postgres')) as { default: typeof KeyvPostgres };
		adapter = new Postgres({ uri: url, table: 'keyv' }) as never;
		let released = false;
		releaseAdapter = async () => {
			if (released) return;
			released = true;
			openPostgresStores.count -= 1;
			if (openPostgresStores.count === 0) await adapter.disconnect();
		};
	}
	const keyv = new Keyv({
		store: adapter,
		namespace,
		throwOnErrors: true,
		// @keyv/redis prefixes keys with its namespace itself ("<namespace>::key", which its clear() scans for);
		// keyv's own "<namespace>:" prefix on top would double it. The SQL adapters rely on keyv's prefix.
		useKeyPrefix: kind !== 'redis',
		// Records are plain JSON; a row that is not JSON must not fail a whole getMany.
		serialize: (data) => JSON.stringify(data),
		deserialize: <Value>(text: string): DeserializedData<Value> | undefined => {
			try {
				return JSON.parse(text) as DeserializedData<Value>;
			} catch (error) {
				return { value: new UnreadableStoredValue(error as Error) as Value };
			}
		},
	});
	try {
		// A round trip now turns a wrong URL or a stopped server into one clear start-up error.
		await keyv.get('__store_check__');
	} catch (error) {
		await releaseAdapter().catch(() => {});
		throw new Error(`Cannot open the ${kind} store at ${redactUrl(url)}: ${(error as Error).message}`, {
			cause: error,
		});
	}
	return {
		kind,
		keyv,
		close: async () => {
			await releaseAdapter();
		},
	};
}

/** A URL with its password removed, safe for logs and error messages. */
export function redactUrl(url: string): string {
	return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
