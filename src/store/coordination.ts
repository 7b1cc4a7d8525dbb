/**
 * Coordination between the bot's processes through the store they share: leases with fencing numbers (one active
 * notifier; identify slots of the gateway), a change feed (a watch changed somewhere), and counters. Redis uses its
 * own primitives (SET NX PX, scripts that check the holder, pub/sub); PostgreSQL and SQLite a lease table updated
 * by single statements (the database serialises them) and, on PostgreSQL, LISTEN/NOTIFY. Nothing here is a
 * home-made consensus protocol: each operation is one atomic statement or script of the store.
 */

/** A lease someone holds: who, and the fencing number it was taken with (grows with every new holder). */
export interface LeaseGrant {
	readonly fence: number;
}

/** A lease as its holder knows it, for writes that must come only from the current holder. */
export interface LeaseHolding {
	readonly name: string;
	readonly holder: string;
	readonly fence: number;
}

/** One write as the store adapter sees it (key as keyv hands it to the adapter, value serialised). */
export type FencedWrite =
	| { kind: 'set'; key: string; value: string; ttlMs?: number | undefined }
	| { kind: 'delete'; key: string };

export interface Coordination {
	/** 'feed' when changes are pushed (Redis pub/sub, PostgreSQL LISTEN/NOTIFY); 'poll' when only the version tells. */
	readonly feedKind: 'feed' | 'poll';
	/**
	 * Takes the named lease for `ttlMs` unless someone else holds it (an expired lease is free). The same holder
	 * asking again extends it and keeps its fence. Resolves null when another holder has it.
	 */
	acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | null>;
	/** Extends the lease while `holder` still has it with `fence`; false when it has lost it (expired, taken over). */
	renew(name: string, holder: string, fence: number, ttlMs: number): Promise<boolean>;
	/** Gives the lease up when `holder` still has it (a no-op otherwise). */
	release(name: string, holder: string): Promise<void>;
	/** Adds one to a counter and returns its new value (starts at 0). */
	increment(name: string): Promise<number>;
	/** The counter's value (0 when never incremented). */
	read(name: string): Promise<number>;
	/** Sends a message on a topic to every subscriber in any process (none: nobody hears it; best effort). */
	publish(topic: string, message: string): Promise<void>;
	/** Hears the topic's messages until the returned function is called. Messages may be lost: keep a backstop. */
	subscribe(topic: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
	/**
	 * Makes the writes, all or none, only while `lease` is still held by that holder with that fence (checked by
	 * the store in the same atomic step); false when it is not, and nothing is written.
	 */
	writeIfHolding(lease: LeaseHolding, writes: readonly FencedWrite[]): Promise<boolean>;
	/** Closes the connections coordination opened of its own (the store's own stay). Idempotent. */
	close(): Promise<void>;
}
