import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type KeyvPostgres from '@keyv/postgres';
import type KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import { type DeserializedData, Keyv, type KeyvStoreAdapter, type StoredData } from 'keyv';
import { createSilentLogger, type Logger } from '../logger.ts';
import { projectFolder } from '../project-folder.ts';
import { describeStoreError, guardStoreCalls, withDeadline } from './store-health.ts';

export type StoreKind = 'sqlite' | 'redis' | 'postgres';

/** The bot's persistent key-value store: one keyv instance over the adapter STORAGE_URL names. */
export interface Store {
	readonly kind: StoreKind;
	readonly keyv: Keyv;
	/** The connection underneath, for coordination between processes (src/store/open-coordination.ts). */
	readonly backend: StoreBackend;
	/** A keyv like `keyv` over another adapter built on this store's (the fenced one of open-coordination.ts). */
	keyvOver(adapter: KeyvStoreAdapter): Keyv;
	/**
	 * Closes the adapter's connections (dropping them if the server does not answer within the deadline); the store
	 * must not be used afterwards. Idempotent.
	 */
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

/** What `openStore` can be told besides the URL. */
export interface OpenStoreOptions {
	/** Keeps several users of one database apart (default 'twitchbot'). */
	namespace?: string;
	/** Where the store reports that it stopped answering and that it answers again (default: nowhere). */
	logger?: Logger;
	/** How long one store call, or close(), may take before it fails with StoreDeadlineError (default 5 s). */
	deadlineMs?: number;
}

const DEFAULT_DEADLINE_MS = 5_000;

/** The minimum of a node-redis client coordination uses. */
export interface RedisCommander {
	eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
	publish(channel: string, message: string): Promise<unknown>;
	duplicate(): RedisSubscriber;
}

export interface RedisSubscriber {
	connect(): Promise<unknown>;
	subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
	unsubscribe(channel: string): Promise<unknown>;
	on(event: 'error', listener: (error: Error) => void): unknown;
	close?(): Promise<unknown>;
	quit?(): Promise<unknown>;
	destroy?(): unknown;
	disconnect?(): Promise<unknown>;
}

/** What coordination needs of the store's connection, per kind: keys are as the adapter stores them. */
export type StoreBackend =
	| { kind: 'sqlite'; table: string; query(sql: string, ...parameters: unknown[]): Promise<unknown[]> }
	| {
			kind: 'redis';
			client(): Promise<RedisCommander>;
			/** The adapter's key for a keyv key (the adapter prefixes it with the namespace). */
			keyOf(key: string): string;
	  }
	| {
			kind: 'postgres';
			table: string;
			connectionString: string;
			query(sql: string, values?: unknown[]): Promise<unknown[]>;
			driver: PgDriver;
	  };

/** An opened adapter, how to release its connections (gracefully, or at once: `force`), and its backend. */
interface OpenedAdapter {
	adapter: KeyvStoreAdapter;
	release(force: boolean): Promise<void>;
	backend: StoreBackend;
}

/**
 * Opens the store STORAGE_URL names: a SQLite file by default (its folder is created), Redis or PostgreSQL by URL.
 * `namespace` keeps several users of one database apart (tests give each file its own); `keyv.clear()` only
 * removes the keys of its namespace.
 * Fails with a readable error when the database cannot be reached, without echoing credentials in the URL.
 * Once open, the store rides out a restart or failover of its server: every call has a deadline, calls fail while
 * the server is away, and work again, without reopening, once it is back (see guardStoreCalls).
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
	const kind = storeKindOf(url);
	const namespace = options.namespace ?? 'twitchbot';
	const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
	const logger = options.logger ?? createSilentLogger();
	// The password may also appear alone in a client's message; a very short one is left alone there (masking
	// every "ab" would garble the text), the URL form is masked whatever its length.
	const secrets = credentialsOf(url).filter((secret) => secret.length >= 4);
	const redact = (text: string) => secrets.reduce((out, secret) => out.replaceAll(secret, '***'), redactUrl(text));

	const { adapter, release, backend } =
		kind === 'sqlite'
			? await openSqlite(url, logger)
			: kind === 'redis'
				? await openRedis(url, deadlineMs)
				: await openPostgres(url, deadlineMs);
	const health = guardStoreCalls(adapter, { kind, deadlineMs, logger, redact });
	// The client's first error (connection refused, authentication failed) says more than what the call failed with
	// ("not connected", "no answer within 5000 ms").
	let clientError: unknown;
	let starting = true;
	adapter.on('error', (error: unknown) => {
		if (starting) clientError ??= error;
	});
	const keyvOver = (store: KeyvStoreAdapter) =>
		new Keyv({
			store,
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
	const keyv = keyvOver(adapter);
	try {
		// A round trip now turns a wrong URL or a stopped server into one clear start-up error.
		await keyv.get('__store_check__');
	} catch (error) {
		await withDeadline(release(true), deadlineMs, 'close').catch(() => {});
		const reason = describeStoreError(clientError ?? error);
		throw new Error(`Cannot open the ${kind} store at ${redactUrl(url)}: ${redact(reason)}`, { cause: error });
	}
	starting = false;
	health.startReporting();
	let closed: Promise<void> | undefined;
	return {
		kind,
		keyv,
		backend,
		keyvOver,
		// A server that stopped answering must not hang the shutdown: after the deadline the connections are dropped.
		close: () =>
			(closed ??= withDeadline(release(false), deadlineMs, `The ${kind} store did not close`).catch(
				(error: unknown) => {
					logger.warn({ error: redact(describeStoreError(error)) }, `the ${kind} store did not close cleanly`);
					// Not awaited: a pg pool's end() is the very call that hangs.
					release(true).catch(() => {});
				},
			)),
	};
}

/**
 * The file a `sqlite://` STORAGE_URL names. A relative path is taken from the project folder (the one holding
 * package.json), not from wherever the command runs: `npm run doctor` in /tmp must open the bot's own
 * data/bot.sqlite, not create /tmp/data/bot.sqlite.
 */
export function sqliteFileOf(url: string): string {
	return resolve(projectFolder(), url.replace(/^sqlite:\/\//, ''));
}

async function openSqlite(url: string, logger: Logger): Promise<OpenedAdapter> {
	const file = sqliteFileOf(url);
	logger.info({ file }, `the SQLite store is ${file}`);
	mkdirSync(dirname(file), { recursive: true });
	const sqlite = new BatchingKeyvSqlite({ uri: `sqlite://${file}`, table: 'keyv', busyTimeout: 10_000 });
	await sqlite.useWriteAheadLog();
	const query = (sql: string, ...parameters: unknown[]) => sqlite.query(sql, ...parameters) as Promise<unknown[]>;
	return { adapter: sqlite, release: () => sqlite.disconnect(), backend: { kind: 'sqlite', table: 'keyv', query } };
}

/** Reconnects after a dropped connection for as long as it takes, at most every 2 s. */
const redisReconnectDelay = (attempt: number) => Math.min(100 * 2 ** attempt, 2_000);

async function openRedis(url: string, deadlineMs: number): Promise<OpenedAdapter> {
	// The Redis and PostgreSQL adapters are loaded only when used: a SQLite bot does not pay their memory.
	const { default: Redis } = (await import('@keyv/redis')) as { default: typeof KeyvRedis };
	const redis = new Redis(
		{
			url,
			// While the connection is down a call fails at once instead of waiting in a queue until Redis is back: the
			// caller hears now, and a write it was told had failed does not land minutes later.
			disableOfflineQueue: true,
			socket: { connectTimeout: deadlineMs, reconnectStrategy: redisReconnectDelay },
		},
		// throwOnErrors: without it a failed GET reads as "no value", and a read-modify-write would then overwrite
		// the real record with an empty one.
		{ throwOnConnectError: true, throwOnErrors: true, connectionTimeout: deadlineMs },
	);
	const backend: StoreBackend = {
		kind: 'redis',
		client: async () => (await redis.getClient()) as unknown as RedisCommander,
		keyOf: (key) => redis.createKeyPrefix(key, redis.namespace),
	};
	return { adapter: redis as never, release: (force) => redis.disconnect(force), backend };
}

/** The part of a pg connection pool the adapter uses. */
interface PgPool {
	query(sql: string, values?: unknown): Promise<{ rows: unknown[] }>;
	on(event: 'error', listener: (error: Error) => void): unknown;
	end(): Promise<void>;
}

/** A single pg connection (LISTEN needs one of its own). */
export interface PgClient {
	connect(): Promise<void>;
	query(sql: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
	on(event: 'error', listener: (error: Error) => void): unknown;
	on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
	end(): Promise<void>;
}

export interface PgDriver {
	Pool: new (config: Record<string, unknown>) => PgPool;
	Client: new (config: Record<string, unknown>) => PgClient;
}

/** The pg driver (a dependency of the bot's own, the same major version @keyv/postgres uses; loaded only when used). */
function loadPgDriver(): PgDriver {
	return createRequire(import.meta.url)('pg') as PgDriver;
}

/**
 * @keyv/postgres keeps ONE module-wide pg pool, which nothing can reach to listen for its 'error' event: when the
 * server terminates an idle connection (a restart, a failover) the pool emits 'error' and, with no listener, Node
 * ends the process. Here each store has its own pool whose errors reach the adapter's 'error' event.
 */
async function openPostgres(url: string, deadlineMs: number): Promise<OpenedAdapter> {
	const { default: Postgres } = (await import('@keyv/postgres')) as { default: typeof KeyvPostgres };
	const pg = loadPgDriver();
	let pool: PgPool | undefined;
	let ended: Promise<void> | undefined;
	const endPool = () => (ended ??= pool?.end() ?? Promise.resolve());
	class PostgresWithOwnPool extends Postgres {
		// Called by the adapter's constructor, once.
		override async connect() {
			const own = new pg.Pool({
				connectionString: this.opts.uri,
				// A connection attempt to a vanished host gives up with the call's deadline; TCP keep-alive notices a
				// server that disappeared without closing its connections (a failover).
				connectionTimeoutMillis: deadlineMs,
				keepAlive: true,
			});
			own.on('error', (error) => this.emit('error', error));
			pool = own;
			return async (sql: string, values?: unknown) => (await own.query(sql, values)).rows;
		}

		override async disconnect() {
			await endPool();
		}
	}
	const adapter = new PostgresWithOwnPool({ uri: url, table: 'keyv' });
	const backend: StoreBackend = {
		kind: 'postgres',
		table: 'keyv',
		connectionString: url,
		driver: pg,
		query: async (sql, values) => {
			// The adapter's constructor connects (and creates its table) asynchronously: wait for it.
			await adapter.query('SELECT 1');
			if (!pool) throw new Error('the PostgreSQL pool is not open');
			return (await pool.query(sql, values)).rows;
		},
	};
	return { adapter: adapter as never, release: () => endPool(), backend };
}

/** `scheme://user:password@` or `scheme://:password@`; the password runs to the last @ before the path. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)([^\s/?#]*)@/gi;
/** `?password=` or `&password=` (also `sslpassword=` and the like) in a query string. */
const QUERY_PASSWORD = /([?&][^\s=&#]*password=)([^\s&#]*)/gi;

/**
 * `text` with the password of every URL in it replaced by ***: a URL alone (safe for logs and error messages) or a
 * client's error message that quotes one.
 */
export function redactUrl(text: string): string {
	return text.replace(URL_PASSWORD, '$1***@').replace(QUERY_PASSWORD, '$1***');
}

/**
 * The secrets a STORAGE_URL carries (its password, as written and percent-decoded, and any password= value), for
 * the logger to scrub from every line.
 */
export function credentialsOf(url: string): string[] {
	const found = new Set<string>();
	for (const match of [...url.matchAll(URL_PASSWORD), ...url.matchAll(QUERY_PASSWORD)]) {
		const secret = match[2];
		if (!secret) continue;
		found.add(secret);
		try {
			found.add(decodeURIComponent(secret));
		} catch {
			// Not valid percent-encoding: only the text as written can appear.
		}
	}
	return [...found];
}
