import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { openStore, type Store, type StoreKind } from '../../src/store/keyv.ts';
import { isTestServerUsable, skipForMissingServer } from '../support/test-server-runner.ts';
import { testServerUrls } from '../support/test-servers.ts';

/** One real database the store tests run against. */
export interface StoreBackend {
	kind: StoreKind;
	/** The STORAGE_URL; for SQLite a file in a temporary folder of this test file. */
	url(): string;
}

// The CI servers (.ci/run starts them); PostgreSQL trusts local connections.
const serverUrls = testServerUrls();

let sqliteFolder: string | undefined;

/** Whether `backend`'s server may be used: SQLite always; Redis and PostgreSQL when running, or under CI. */
function isUsable(backend: StoreBackend): boolean {
	return backend.kind === 'sqlite' || isTestServerUsable(backend.kind);
}

/** The URL of a server backend; outside CI without that server running, the current test is skipped instead. */
function serverUrl(kind: 'redis' | 'postgres'): string {
	if (!isTestServerUsable(kind)) skipForMissingServer(kind);
	return serverUrls[kind];
}

/**
 * SQLite (a temporary file), Redis and PostgreSQL: pass to `describe.each`. Outside CI, a test whose server is
 * not running is skipped (by useTestStores, or when it asks for the URL) and counted at the end of the run.
 */
export const storeBackends: StoreBackend[] = [
	{
		kind: 'sqlite',
		url: () => {
			sqliteFolder ??= mkdtempSync(join(tmpdir(), 'twitchbot-store-test-'));
			return `sqlite://${join(sqliteFolder, 'store.sqlite')}`;
		},
	},
	{ kind: 'redis', url: () => serverUrl('redis') },
	{ kind: 'postgres', url: () => serverUrl('postgres') },
];

afterAll(() => {
	if (sqliteFolder) rmSync(sqliteFolder, { recursive: true, force: true });
});

/** Opens stores of one backend for the current test. */
export interface TestStores {
	/** The current test's namespace: unique per test, so parallel files and reruns never see each other's keys. */
	readonly namespace: string;
	/** Opens (another) store on the test's namespace, as the bot does at start; closed after the test. */
	open(): Promise<Store>;
	/** Closes `store` and opens the namespace again: what a restart of the bot sees. */
	reopen(store: Store): Promise<Store>;
}

/**
 * Registers hooks that give each test of the enclosing describe its own namespace on `backend`, and clear that
 * namespace and close every store the test opened afterwards.
 */
export function useTestStores(backend: StoreBackend): TestStores {
	let namespace = '';
	let open: Array<{ store: Store; closed: boolean }> = [];

	const openTracked = async (): Promise<Store> => {
		const store = await openStore(backend.url(), { namespace });
		const entry = { store, closed: false };
		open.push(entry);
		return {
			...store,
			close: async () => {
				if (entry.closed) return;
				entry.closed = true;
				await store.close();
			},
		};
	};

	beforeEach(() => {
		namespace = `test-${randomUUID()}`;
		open = [];
		if (!isUsable(backend)) skipForMissingServer(backend.kind as 'redis' | 'postgres');
	});

	afterEach(async () => {
		// A test that opened no store wrote nothing in its namespace (and, its server missing, could not).
		if (open.length === 0) return;
		const cleaner = open.find((entry) => !entry.closed)?.store ?? (await openTracked());
		await cleaner.keyv.clear();
		for (const entry of open) {
			if (entry.closed) continue;
			entry.closed = true;
			await entry.store.close();
		}
	});

	return {
		get namespace() {
			return namespace;
		},
		open: openTracked,
		reopen: async (store) => {
			await store.close();
			return openTracked();
		},
	};
}

/**
 * Writes `raw` as the stored text of `key`, bypassing keyv's serialisation: a record corrupted by hand or by an
 * older version of the bot.
 */
export async function writeRawValue(store: Store, key: string, raw: string): Promise<void> {
	// The SQL adapters store keys with keyv's "<namespace>:" prefix; @keyv/redis adds its own prefix.
	const storedKey = store.kind === 'redis' ? key : `${store.keyv.namespace}:${key}`;
	await store.keyv.store.set(storedKey, raw);
}
