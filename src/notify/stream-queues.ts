/**
 * What the announcing side remembers of each live (or ending) stream, and the queue that runs the stream's work one
 * task at a time: a stream's post, edits and end action never race each other, while streams go in parallel.
 *
 * Streams are worked on a few at a time (a burst of 1,000 go-lives must not open 1,000 store queries and sockets at
 * once), but a task that is still running after SLOW_TASK_MS stops counting (see Turns), so a slow channel or store
 * never holds up the other streams.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { AnnouncementRepository } from '../store/announcement-repository.ts';
import type { GuildSettingsRepository } from '../store/guild-settings-repository.ts';
import type { Announcement, StreamState, Watch } from '../store/records.ts';
import type { AnnouncementRenderer } from './announcement-port.ts';
import type { DeliveryStatusBook } from './delivery-status.ts';
import type { MessagePort } from './discord-messages.ts';
import type { ElapsedTime } from './elapsed-time.ts';
import type { NotifierObserver } from './notifier-observer.ts';
import { Turns } from './turns.ts';

/** A stream's task still running after this long stops holding a turn. */
const SLOW_TASK_MS = 500;
/** Streams worked on at once (until they are slow). */
const STREAMS_AT_ONCE = 8;

/** One guild's target for one stream, as far as this process knows. */
export interface TargetMemory {
	/** The stored announcement, or null when the guild's filters said no at `decidedFor`. */
	announcement: Announcement | null;
	/** Title and category (see signatureOf) the decision (filter) or the post's content was made for. */
	decidedFor: string;
}

export interface StreamMemory {
	readonly streamId: string;
	readonly userId: string;
	/** The latest live state handed over for this stream. */
	latest: StreamState | undefined;
	/** Whether the stored announcements of the stream were read into `targets`. */
	loaded: boolean;
	/** By guild id. */
	readonly targets: Map<string, TargetMemory>;
	tail: Promise<void>;
	pendingTasks: number;
	syncQueued: boolean;
}

/** What the delivery stages (live-delivery.ts, stream-end.ts) share: the queues, the port and the bookkeeping. */
export interface DeliveryContext {
	queues: StreamQueues;
	messages: MessagePort;
	renderer: AnnouncementRenderer;
	status: DeliveryStatusBook;
	/** The targets of a channel's stream: its watches by name, and category watches that took the stream. */
	watches: { watchesForUser(userId: string): Watch[] };
	guildSettings: GuildSettingsRepository;
	announcements: AnnouncementRepository;
	logger: Logger;
	clock: Clock;
	elapsed: ElapsedTime;
	/**
	 * The fencing number of the notifier lease this process holds, stamped on every announcement record it writes;
	 * absent, or undefined, without a lease.
	 */
	fence?: () => number | undefined;
	/** Metrics: announcements by outcome, go-live → post delay. */
	observer?: NotifierObserver;
}

export class StreamQueues {
	private readonly logger: Logger;
	private readonly streams = new Map<string, StreamMemory>();
	private readonly running = new Set<Promise<void>>();
	private readonly turns = new Turns(STREAMS_AT_ONCE);

	constructor(logger: Logger) {
		this.logger = logger;
	}

	memoryOf(streamId: string, userId: string): StreamMemory {
		let memory = this.streams.get(streamId);
		if (!memory) {
			memory = {
				streamId,
				userId,
				latest: undefined,
				loaded: false,
				targets: new Map(),
				tail: Promise.resolve(),
				pendingTasks: 0,
				syncQueued: false,
			};
			this.streams.set(streamId, memory);
		}
		return memory;
	}

	/** Runs `task` after the stream's earlier tasks; a failure is logged with `label` and the queue goes on. */
	enqueue(memory: StreamMemory, label: string, task: () => Promise<void>): void {
		memory.pendingTasks++;
		const run = memory.tail
			.then(() => this.turns.run(task, SLOW_TASK_MS))
			.catch((error: unknown) => {
				this.logger.error({ err: error, streamId: memory.streamId }, `${label} failed`);
			})
			.finally(() => {
				memory.pendingTasks--;
				this.running.delete(run);
			});
		memory.tail = run;
		this.running.add(run);
	}

	/** Forgets the streams that are not live (`live`: their ids) and have no work left. */
	forgetIdle(live: ReadonlySet<string>): void {
		for (const [streamId, memory] of this.streams) {
			if (!live.has(streamId) && memory.pendingTasks === 0) this.streams.delete(streamId);
		}
	}

	/** Resolves when all queued work has finished (tests, shutdown). */
	async whenIdle(): Promise<void> {
		while (this.running.size > 0) await Promise.allSettled([...this.running]);
	}
}
