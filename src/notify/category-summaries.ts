/**
 * The flood guard's lines ("… and 12 more live in Celeste"), posted once the cycle's announcements are out so that
 * the line comes after them. A line that fails is logged, not retried: the streams it counts are live and listed in
 * their category anyway, and a late line would only mislead.
 */
import type { Logger } from '../logger.ts';
import type { GuildSettingsRepository } from '../store/guild-settings-repository.ts';
import { announcementNonce } from '../store/records.ts';
import type { AnnouncementRenderer } from './announcement-port.ts';
import type { CategoryOverflow } from './category-source.ts';
import type { MessagePort } from './discord-messages.ts';
import type { StreamQueues } from './stream-queues.ts';

export interface CategorySummariesOptions {
	queues: Pick<StreamQueues, 'whenIdle'>;
	messages: Pick<MessagePort, 'create'>;
	renderer: Pick<AnnouncementRenderer, 'categoryOverflow'>;
	guildSettings: Pick<GuildSettingsRepository, 'get'>;
	logger: Logger;
}

export class CategorySummaries {
	private readonly o: CategorySummariesOptions;
	private readonly posting = new Set<Promise<void>>();

	constructor(options: CategorySummariesOptions) {
		this.o = options;
	}

	/** Posts one line per watch whose new streams went past the guild's limit, after the queued posts. */
	post(overflows: readonly CategoryOverflow[]): void {
		const render = this.o.renderer.categoryOverflow?.bind(this.o.renderer);
		if (!render) return;
		const posting = (async () => {
			await this.o.queues.whenIdle();
			for (const overflow of overflows) await this.postOne(overflow, render);
		})();
		this.posting.add(posting);
		void posting.finally(() => this.posting.delete(posting));
	}

	/** Resolves once every line asked for so far was posted (or failed). */
	async whenDone(): Promise<void> {
		await Promise.all([...this.posting]);
	}

	private async postOne(
		{ watch, gameName, streams }: CategoryOverflow,
		render: NonNullable<AnnouncementRenderer['categoryOverflow']>,
	): Promise<void> {
		try {
			const settings = await this.o.guildSettings.get(watch.guildId);
			const channelId = watch.channelId ?? settings.defaultChannelId;
			if (channelId === null) return;
			const message = render({
				gameName,
				language: watch.language,
				streams: streams.map((stream) => ({
					login: stream.userLogin,
					displayName: stream.userName,
					viewerCount: stream.viewerCount,
				})),
			});
			// The same line asked for again (a retried create) carries the same nonce: Discord posts it once.
			const ids = streams.map((stream) => stream.id).join(',');
			await this.o.messages.create(channelId, message, {
				nonce: announcementNonce(`overflow:${watch.id}:${ids}`, channelId),
				ping: false,
			});
			this.o.logger.info(
				{ guildId: watch.guildId, channelId, gameId: watch.gameId, summarised: streams.length },
				'posted the flood guard’s line for a category',
			);
		} catch (error) {
			this.o.logger.warn(
				{ err: error, guildId: watch.guildId, gameId: watch.gameId },
				'could not post the line about a category’s other live streams',
			);
		}
	}
}
