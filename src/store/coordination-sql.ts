/**
 * Coordination on PostgreSQL and SQLite: a lease is a row of `<table>_leases` (holder, fence, expiry in ms by the
 * database's clock) changed only by single upsert/update statements, which the database serialises, so two
 * processes can never both take it; the fence grows by one with every new holder and never goes back (a release
 * expires the row instead of deleting it). Fenced writes are one statement that checks the lease row in the same
 * step (on PostgreSQL it also locks the row FOR SHARE, so a takeover waits for a write in progress, and a write
 * after the takeover is refused). The change feed is LISTEN/NOTIFY on PostgreSQL; SQLite has none (one machine:
 * the caller's versioned reload is the feed).
 */
import type { Coordination, FencedWrite, LeaseGrant, LeaseHolding } from './coordination.ts';
import type { PgClient, StoreBackend } from './keyv.ts';
import { withDeadline } from './store-health.ts';

type SqlBackend = Extract<StoreBackend, { kind: 'sqlite' | 'postgres' }>;

export function sqlCoordination(backend: SqlBackend, namespace: string, deadlineMs: number): Coordination {
	const postgres = backend.kind === 'postgres';
	const leases = `${backend.table}_leases`;
	const counters = `${backend.table}_counters`;
	// Milliseconds since the epoch by the database's clock: one clock for every process that shares it.
	const now = postgres
		? '(extract(epoch from clock_timestamp()) * 1000)::bigint'
		: "CAST(unixepoch('subsec') * 1000 AS INTEGER)";
	const named = (name: string) => `${namespace}:${name}`;
	const query = async (what: string, sql: string, values: unknown[]): Promise<Array<Record<string, unknown>>> => {
		await ready;
		const text = postgres ? sql : sql.replace(/\$(\d+)/g, '?$1');
		const work = postgres ? backend.query(text, values) : (backend.query(text, ...values) as Promise<unknown[]>);
		return (await withDeadline(work, deadlineMs, `The ${backend.kind} store did not answer ${what}`)) as Array<
			Record<string, unknown>
		>;
	};
	const createTables = async () => {
		const statements = [
			`CREATE TABLE IF NOT EXISTS ${leases} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, fence BIGINT NOT NULL, expires_at BIGINT NOT NULL)`,
			`CREATE TABLE IF NOT EXISTS ${counters} (name TEXT PRIMARY KEY, value BIGINT NOT NULL)`,
		];
		for (const sql of statements) {
			// Two processes creating the table at once: PostgreSQL may fail one with a unique violation; the table is
			// there all the same.
			await backend.query(sql).catch((error: { code?: string }) => {
				if (error.code !== '23505' && error.code !== '42P07') throw error;
			});
		}
	};
	const ready = withDeadline(createTables(), deadlineMs, `The ${backend.kind} store did not create its lease table`);
	ready.catch(() => {}); // reported by the first call that awaits it

	const subscriptions = new Set<() => Promise<void>>();
	const held = `SELECT 1 FROM ${leases} WHERE name = $1 AND holder = $2 AND fence = $3 AND expires_at > ${now}`;

	return {
		feedKind: postgres ? 'feed' : 'poll',
		async acquire(name, holder, ttlMs): Promise<LeaseGrant | null> {
			const rows = await query(
				'a lease',
				`INSERT INTO ${leases} (name, holder, fence, expires_at) VALUES ($1, $2, 1, ${now} + $3)
				ON CONFLICT (name) DO UPDATE SET
					fence = CASE WHEN ${leases}.holder = excluded.holder AND ${leases}.expires_at > ${now}
						THEN ${leases}.fence ELSE ${leases}.fence + 1 END,
					holder = excluded.holder,
					expires_at = excluded.expires_at
				WHERE ${leases}.holder = excluded.holder OR ${leases}.expires_at <= ${now}
				RETURNING fence`,
				[named(name), holder, Math.ceil(ttlMs)],
			);
			return rows[0] ? { fence: Number(rows[0].fence) } : null;
		},
		async renew(name, holder, fence, ttlMs) {
			const rows = await query(
				'a lease renewal',
				`UPDATE ${leases} SET expires_at = ${now} + $4
				WHERE name = $1 AND holder = $2 AND fence = $3 AND expires_at > ${now} RETURNING fence`,
				[named(name), holder, fence, Math.ceil(ttlMs)],
			);
			return rows.length === 1;
		},
		async release(name, holder) {
			await query(
				'a lease release',
				`UPDATE ${leases} SET expires_at = ${now} WHERE name = $1 AND holder = $2 AND expires_at > ${now}`,
				[named(name), holder],
			);
		},
		async increment(name) {
			const rows = await query(
				'a counter',
				`INSERT INTO ${counters} (name, value) VALUES ($1, 1)
				ON CONFLICT (name) DO UPDATE SET value = ${counters}.value + 1 RETURNING value`,
				[named(name)],
			);
			return Number(rows[0]?.value ?? 0);
		},
		async read(name) {
			const rows = await query('a counter', `SELECT value FROM ${counters} WHERE name = $1`, [named(name)]);
			return Number(rows[0]?.value ?? 0);
		},
		async publish(topic, message) {
			if (!postgres) return;
			await query('a notify', 'SELECT pg_notify($1, $2)', [channelOf(namespace, topic), message]);
		},
		async subscribe(topic, onMessage) {
			if (backend.kind !== 'postgres') return async () => {};
			const unsubscribe = await listen(backend, channelOf(namespace, topic), onMessage, deadlineMs);
			subscriptions.add(unsubscribe);
			return async () => {
				subscriptions.delete(unsubscribe);
				await unsubscribe();
			};
		},
		async writeIfHolding(lease: LeaseHolding, writes: readonly FencedWrite[]) {
			if (writes.length === 0) return true;
			// The last write of a key wins (one statement cannot upsert a row twice).
			const last = new Map(writes.map((write) => [write.key, write]));
			const sets = [...last.values()].filter((write) => write.kind === 'set');
			const deletes = [...last.values()].filter((write) => write.kind === 'delete').map((write) => write.key);
			const leaseValues = [named(lease.name), lease.holder, lease.fence];
			if (postgres) {
				const rows = await query(
					'a write',
					`WITH held AS (${held} FOR SHARE),
					written AS (
						INSERT INTO ${backend.table} (key, value)
						SELECT k, v FROM unnest($4::text[], $5::text[]) AS t(k, v) WHERE EXISTS (SELECT 1 FROM held)
						ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING 1
					),
					deleted AS (
						DELETE FROM ${backend.table} WHERE key = ANY($6::text[]) AND EXISTS (SELECT 1 FROM held) RETURNING 1
					)
					SELECT EXISTS (SELECT 1 FROM held) AS held`,
					[...leaseValues, sets.map((write) => write.key), sets.map((write) => write.value), deletes],
				);
				return rows[0]?.held === true;
			}
			// SQLite runs one statement at a time for the whole file: each statement is atomic with its check.
			if (sets.length > 0) {
				const rows = await query(
					'a write',
					`INSERT INTO ${backend.table} (key, value)
					SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($4)
					WHERE EXISTS (${held})
					ON CONFLICT(key) DO UPDATE SET value = excluded.value RETURNING key`,
					[...leaseValues, JSON.stringify(sets.map((write) => [write.key, write.value]))],
				);
				if (rows.length === 0) return false;
			}
			if (deletes.length > 0) {
				const rows = await query(
					'a write',
					`DELETE FROM ${backend.table} WHERE key IN (SELECT value FROM json_each($4)) AND EXISTS (${held}) RETURNING key`,
					[...leaseValues, JSON.stringify(deletes)],
				);
				// Nothing deleted: either the keys were gone or the lease is lost; only the second is a refusal.
				if (rows.length === 0) return (await query('a lease check', held, leaseValues)).length === 1;
			}
			return true;
		},
		async close() {
			await Promise.all([...subscriptions].map((unsubscribe) => unsubscribe()));
			subscriptions.clear();
		},
	};
}

/** A NOTIFY channel name: an identifier of at most 63 bytes; quoted by pg_notify/LISTEN as given. */
function channelOf(namespace: string, topic: string): string {
	return `${namespace}_${topic}`.replace(/[^a-zA-Z0-9_]/g, '_').slice(0, 63);
}

/**
 * LISTEN on a connection of its own, reconnecting after a drop (notifications sent meanwhile are lost: the caller's
 * versioned reload covers them).
 */
async function listen(
	backend: Extract<StoreBackend, { kind: 'postgres' }>,
	channel: string,
	onMessage: (message: string) => void,
	deadlineMs: number,
): Promise<() => Promise<void>> {
	let client: PgClient | undefined;
	let stopped = false;
	let retry: NodeJS.Timeout | undefined;
	const connect = async (): Promise<void> => {
		const next = new backend.driver.Client({
			connectionString: backend.connectionString,
			connectionTimeoutMillis: deadlineMs,
			keepAlive: true,
		});
		next.on('notification', (message) => {
			if (message.channel === channel && message.payload !== undefined) onMessage(message.payload);
		});
		next.on('error', () => {
			if (client !== next || stopped) return;
			client = undefined;
			next.end().catch(() => {});
			retry = setTimeout(() => void connect().catch(() => {}), 1_000);
			retry.unref();
		});
		try {
			await withDeadline(next.connect(), deadlineMs, 'PostgreSQL did not accept a LISTEN connection');
			await next.query(`LISTEN "${channel}"`);
		} catch (error) {
			next.end().catch(() => {});
			if (stopped) return;
			retry = setTimeout(() => void connect().catch(() => {}), 1_000);
			retry.unref();
			throw error;
		}
		if (stopped) {
			await next.end().catch(() => {});
			return;
		}
		client = next;
	};
	await connect();
	return async () => {
		stopped = true;
		clearTimeout(retry);
		const current = client;
		client = undefined;
		await current?.end().catch(() => {});
	};
}
