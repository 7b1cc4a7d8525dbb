/** Discord ids are snowflakes: milliseconds since 2015-01-01 shifted left by 22 bits, then worker and counter bits. */
const DISCORD_EPOCH_MS = 1_420_070_400_000n;
/**
 * Ids are stamped no earlier than a year after the epoch, so that a test clock starting at 0 still yields ids of
 * 17+ digits like real ones (mention syntax such as <@&id> is only recognised for ids of that length).
 */
const MIN_TIMESTAMP_MS = 365n * 24n * 3_600_000n;

/**
 * Returns a generator of snowflake ids stamped with `now()`, strictly increasing even when the clock stands still
 * or goes back (an injected test clock), so that "newest first" ordering by id always matches creation order.
 */
export function createSnowflakeGenerator(now: () => number): () => string {
	let last = 0n;
	let increment = 0n;
	return () => {
		const sinceEpoch = BigInt(Math.floor(now())) - DISCORD_EPOCH_MS;
		const timestamp = sinceEpoch > MIN_TIMESTAMP_MS ? sinceEpoch : MIN_TIMESTAMP_MS;
		increment = (increment + 1n) & 0xfffn;
		let id = (timestamp << 22n) | (1n << 17n) | increment;
		if (id <= last) id = last + 1n;
		last = id;
		return id.toString();
	};
}

/** Compares two snowflakes numerically (they do not fit in a double). */
export function compareSnowflakes(a: string, b: string): number {
	const difference = BigInt(a) - BigInt(b);
	return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}
