import { type Command, type CommandDefinition, readOptions } from '../src/discord/command.ts';
import { withDeferral } from '../src/discord/interaction-boundary.ts';
import {
	autocompleteTwitchChannel,
	findTwitchUser,
	TWITCH_CHANNEL_OPTION,
} from '../src/discord/twitch-channel-option.ts';
import type { TwitchClient, TwitchStream, TwitchUser, TwitchVideo } from '../src/twitch/index.ts';
import { renderLiveStream, renderOfflineChannel } from '../src/views/live.ts';

const data = {
	name: 'live',
	description: 'Is a Twitch channel live? Title, category, viewers and uptime.',
	options: [TWITCH_CHANNEL_OPTION],
} as const satisfies CommandDefinition;

export type ChannelStatus =
	| { live: true; user: TwitchUser; stream: TwitchStream }
	| { live: false; user: TwitchUser; latestVod: TwitchVideo | null };

/** Whether a channel is live, with what `/live` shows either way (the latest VOD only when offline). */
export async function fetchChannelStatus(
	twitch: Pick<TwitchClient, 'getUserByLogin' | 'getStreamByLogin' | 'getVideos'>,
	login: string,
): Promise<ChannelStatus> {
	// Both lookups at once: they are independent, and a reply within Discord's 3 s matters more than one request.
	const [user, stream] = await Promise.all([findTwitchUser(twitch, login), twitch.getStreamByLogin(login)]);
	if (stream) return { live: true, user, stream };
	const [latestVod] = await twitch.getVideos(user.id, 'archive');
	return { live: false, user, latestVod: latestVod ?? null };
}

export default {
	data,
	async execute(interaction, ctx) {
		const { channel } = readOptions(interaction, data.options);
		await withDeferral(
			interaction,
			async () => {
				const status = await fetchChannelStatus(ctx.twitch, channel);
				return status.live
					? renderLiveStream(status.stream, status.user, ctx.clock.now())
					: renderOfflineChannel(status.user, status.latestVod);
			},
			{ clock: ctx.clock },
		);
	},
	autocomplete: autocompleteTwitchChannel,
} satisfies Command;
