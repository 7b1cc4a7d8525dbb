import { createKeyLock } from './key-lock.ts';
import type { Store } from './keyv.ts';
import {
	type CorruptRecordHandler,
	emptyDeliveryStatus,
	parseStoredRecord,
	type RepositoryOptions,
	type StoredEntry,
	type StoredRead,
	type StoredWrite,
	type TargetStatus,
	targetStatusSchema,
	type Watch,
} from './records.ts';

/** The target a status is about: a guild's watch of a Twitch user. */
export type StatusTarget = Pick<Watch, 'guildId' | 'twitchUserId' | 'delivery' | 'lastAnnouncedAt'>;

/**
 * How delivery to each watch's target went (`delivery-status:<guildId>:<twitchUserId>`): the last problem, the
 * backoff, the last success and announcement. Apart from the watch, so that the notifier's bookkeeping never
 * rewrites a guild's configuration. A target without a record starts from what older versions kept on the watch.
 *
 * Statuses are read once and then kept in memory (a few numbers per watch): the notifier asks for its targets'
 * backoff every cycle without any I/O (`peek`). One instance per store: it assumes it is the only writer.
 */
export class DeliveryStatusRepository {
	private readonly store: Store;
	private readonly onCorrupt: CorruptRecordHandler | undefined;
	private readonly lock = createKeyLock();
	private readonly known = new Map<string, TargetStatus>();

	constructor(store: Store, options: RepositoryOptions = {}) {
		this.store = store;
		this.onCorrupt = options.onCorrupt;
	}

	/** Forgets what it read of a guild's statuses (all with null): they are read again when next needed. */
	forgetGuild(guildId: string | null): void {
		if (guildId === null) {
			this.known.clear();
			return;
		}
		for (const [key, status] of this.known) if (status.guildId === guildId) this.known.delete(key);
	}

	/** The status, from memory, or undefined when it was not read yet. */
	peek(target: StatusTarget): TargetStatus | undefined {
		return this.known.get(statusKey(target));
	}

	async get(target: StatusTarget): Promise<TargetStatus> {
		return (await this.getMany([target]))[0] ?? initialStatus(target);
	}

	/** The statuses of `targets`, in order; those not in memory are read in one batch. */
	async getMany(targets: readonly StatusTarget[]): Promise<TargetStatus[]> {
		const missing = this.reading(targets);
		if (missing.keys.length > 0) missing.settle(await this.store.keyv.getMany([...missing.keys]));
		return targets.map((target) => this.known.get(statusKey(target)) ?? initialStatus(target));
	}

	/**
	 * Reads the statuses of `targets` not in memory yet into memory, as a share of a read made together with other
	 * repositories (no keys when all are known).
	 */
	reading(targets: readonly StatusTarget[]): StoredRead<void> {
		const missing = new Map<string, StatusTarget>();
		for (const target of targets) {
			const key = statusKey(target);
			if (!this.known.has(key)) missing.set(key, target);
		}
		return {
			keys: [...missing.keys()],
			settle: (values) => {
				for (const [index, [key, target]] of [...missing].entries()) {
					const record = parseStoredRecord(key, values[index], targetStatusSchema, this.onCorrupt);
					// A status written since the read was sent is newer than what it read.
					if (!this.known.has(key)) this.known.set(key, record ?? initialStatus(target));
				}
			},
		};
	}

	/** Applies `change` to the target's status (serialised per target), stores it and returns it. */
	async update(target: StatusTarget, change: (status: TargetStatus) => TargetStatus): Promise<TargetStatus> {
		const { next } = await this.updateWith(target, change, (entries) => this.store.keyv.setMany(entries));
		return next;
	}

	/**
	 * The write of update() as a share of a write made together with other repositories (a post's record and its
	 * target's success in one round trip). The change applies to the status in memory, read first if it is not.
	 */
	updating(target: StatusTarget, change: (status: TargetStatus) => TargetStatus): StoredWrite {
		return { join: async (write) => (await this.updateWith(target, change, write)).result };
	}

	private updateWith<R>(
		target: StatusTarget,
		change: (status: TargetStatus) => TargetStatus,
		write: (entries: StoredEntry[]) => Promise<R>,
	): Promise<{ next: TargetStatus; result: R }> {
		const key = statusKey(target);
		return this.lock.acquire(key, async () => {
			const current = await this.get(target);
			const next = targetStatusSchema.parse({
				...change(current),
				guildId: target.guildId,
				twitchUserId: target.twitchUserId,
			});
			const result = await write([{ key, value: next }]);
			this.known.set(key, next);
			return { next, result };
		});
	}

	/** Forgets the target's status (its watch was removed). */
	async delete(target: StatusTarget): Promise<void> {
		const key = statusKey(target);
		await this.lock.acquire(key, async () => {
			await this.store.keyv.delete(key);
			this.known.delete(key);
		});
	}
}

function statusKey(target: Pick<Watch, 'guildId' | 'twitchUserId'>): string {
	return `delivery-status:${target.guildId}:${target.twitchUserId}`;
}

/** A target's first status: none, or what an older version kept on the watch. */
function initialStatus(target: StatusTarget): TargetStatus {
	return {
		version: 1,
		guildId: target.guildId,
		twitchUserId: target.twitchUserId,
		...(target.delivery ?? emptyDeliveryStatus()),
		lastAnnouncedAt: target.lastAnnouncedAt ?? null,
	};
}
