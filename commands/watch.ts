import {
	ApplicationCommandOptionType,
	ApplicationIntegrationType,
	type AutocompleteInteraction,
	type ChatInputCommandInteraction,
	GuildMember,
	InteractionContextType,
	PermissionFlagsBits,
} from 'discord.js';
import type {
	APIApplicationCommandBasicOption,
	RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type { AppContext } from '../src/context.ts';
import type { Command } from '../src/discord/command.ts';
import { readSubcommand } from '../src/discord/command-options.ts';
import { withDeferral } from '../src/discord/interaction-boundary.ts';
import { autocompleteTwitchCategory } from '../src/discord/twitch-category-option.ts';
import { autocompleteTwitchChannel } from '../src/discord/twitch-channel-option.ts';
import { UserError } from '../src/errors.ts';
import type { AnnouncementMessage } from '../src/notify/announcement-port.ts';
import { DiscordMessages } from '../src/notify/discord-messages.ts';
import { renderLiveAnnouncement } from '../src/views/announcement.ts';
import { MAX_TEMPLATE_LENGTH, TEMPLATE_VARIABLES } from '../src/views/announcement-template.ts';
import { renderCategoryWatchAdded, renderCategoryWatchRemoved } from '../src/views/category-watch.ts';
import type { ReplyPayload } from '../src/views/reply.ts';
import {
	describeTargetRefusal,
	renderGuildSettings,
	renderPreview,
	renderWatchAdded,
	renderWatchList,
	renderWatchRemoved,
} from '../src/views/watch.ts';
import { categoryWatchSuggestions, languageSuggestions, watchSuggestions } from '../src/views/watch-choices.ts';
import { addCategoryWatch, MAX_MIN_VIEWERS, MAX_TITLE_KEYWORD_LENGTH } from '../src/watch/add-category-watch.ts';
import { addWatch } from '../src/watch/add-watch.ts';
import { listWatches } from '../src/watch/list-watches.ts';
import { POSTABLE_CHANNEL_TYPES, TargetProblemError, targetCheckerFor } from '../src/watch/permissions.ts';
import { previewAnnouncement } from '../src/watch/preview-announcement.ts';
import { removeChosenWatch } from '../src/watch/remove-watch.ts';
import {
	changeGuildSettings,
	MAX_CATEGORY_POSTS,
	MAX_FILTER_ENTRIES,
	MIN_CATEGORY_POSTS,
} from '../src/watch/watch-settings.ts';

/** The Twitch channel option of add, remove and test (suggestions: Twitch's search for add, the watches otherwise). */
const twitchChannel = <const Required extends boolean>(description: string, required: Required) =>
	({
		type: ApplicationCommandOptionType.String,
		name: 'channel',
		description,
		required,
		autocomplete: true,
		max_length: 100,
	}) as const;

/** Where and how a new watch announces: the same options for a channel (add) and a category (category). */
const announcementOptions = [
	{
		type: ApplicationCommandOptionType.Channel,
		name: 'post-in',
		description: 'Where to announce (default: the server’s default channel from /watch settings)',
		channel_types: [...POSTABLE_CHANNEL_TYPES],
	},
	{ type: ApplicationCommandOptionType.Role, name: 'role', description: 'A role to ping in the announcement' },
	{
		type: ApplicationCommandOptionType.String,
		name: 'message',
		description: `Text above the announcement; may use ${TEMPLATE_VARIABLES.map((name) => `{${name}}`).join(' ')}`,
		max_length: MAX_TEMPLATE_LENGTH,
	},
] as const satisfies readonly APIApplicationCommandBasicOption[];

const data = {
	name: 'watch',
	description: 'Announce when Twitch channels go live in this server',
	// Discord shows the command only to members with Manage Server (admins may grant it to other roles) and only in
	// servers; both are enforced by Discord, so the handlers do not check them again.
	default_member_permissions: PermissionFlagsBits.ManageGuild.toString(),
	contexts: [InteractionContextType.Guild],
	integration_types: [ApplicationIntegrationType.GuildInstall],
	options: [
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'add',
			description: 'Announce a Twitch channel when it goes live',
			options: [
				twitchChannel('The Twitch channel to announce (its login, as in twitch.tv/<login>)', true),
				...announcementOptions,
			],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'category',
			description: 'Announce every live stream in a Twitch category (filtered by language, viewers, title)',
			options: [
				{
					type: ApplicationCommandOptionType.String,
					name: 'game',
					description: 'The Twitch category (pick from the suggestions as you type)',
					required: true,
					autocomplete: true,
					max_length: 100,
				},
				{
					type: ApplicationCommandOptionType.String,
					name: 'language',
					description: 'Only streams in this language: a 2-letter code (en, de, es…) or "other"; default: all',
					autocomplete: true,
					max_length: 5,
				},
				{
					type: ApplicationCommandOptionType.Integer,
					name: 'min-viewers',
					description: 'Only streams with at least this many viewers (default 0: all)',
					min_value: 0,
					max_value: MAX_MIN_VIEWERS,
				},
				{
					type: ApplicationCommandOptionType.String,
					name: 'title-keyword',
					description: 'Only streams whose title contains this (letter case aside)',
					max_length: MAX_TITLE_KEYWORD_LENGTH,
				},
				...announcementOptions,
			],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'remove',
			description: 'Stop announcing a Twitch channel or a category (give one of the two)',
			options: [
				twitchChannel('The watched Twitch channel to stop announcing', false),
				{
					type: ApplicationCommandOptionType.String,
					name: 'category',
					description: 'The category watch to stop (pick from the suggestions)',
					autocomplete: true,
					max_length: 100,
				},
			],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'list',
			description: 'The watched channels and categories: where they post, live or not, and any delivery problem',
			options: [
				{ type: ApplicationCommandOptionType.Integer, name: 'page', description: 'Page of a long list', min_value: 1 },
			],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'test',
			description: 'Post a preview of a watched channel’s announcement',
			options: [twitchChannel('The watched Twitch channel to preview', true)],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'settings',
			description: 'Default channel, stream-end action and filters for this server (no option: show them)',
			options: [
				{
					type: ApplicationCommandOptionType.Channel,
					name: 'default-channel',
					description: 'Where watches without their own channel announce',
					channel_types: [...POSTABLE_CHANNEL_TYPES],
				},
				{
					type: ApplicationCommandOptionType.String,
					name: 'on-end',
					description: 'What happens to the post when the stream ends',
					choices: [
						{ name: 'Edit it to “was live” with duration and VOD link', value: 'edit' },
						{ name: 'Delete it', value: 'delete' },
						{ name: 'Leave it', value: 'keep' },
					],
				},
				{
					type: ApplicationCommandOptionType.Boolean,
					name: 'update-on-change',
					description: 'Edit the post when the stream’s title or category changes',
				},
				{
					type: ApplicationCommandOptionType.Boolean,
					name: 'summary',
					description: 'At the end, show how the stream went: viewers, categories, a viewer chart',
				},
				{
					type: ApplicationCommandOptionType.String,
					name: 'games',
					description: `Only announce these categories (comma-separated, at most ${MAX_FILTER_ENTRIES}); none = all`,
					max_length: 1000,
				},
				{
					type: ApplicationCommandOptionType.String,
					name: 'keywords',
					description: 'Only announce titles containing one of these words (comma-separated); none = all',
					max_length: 1000,
				},
				{
					type: ApplicationCommandOptionType.Integer,
					name: 'category-posts',
					description: 'At most this many new posts per category watch at a time (the rest in one line)',
					min_value: MIN_CATEGORY_POSTS,
					max_value: MAX_CATEGORY_POSTS,
				},
			],
		},
	],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

/** The server the command was used in; Discord only offers /watch in servers (`contexts`). */
function guildIdOf(interaction: Pick<ChatInputCommandInteraction, 'guildId'>): string {
	if (!interaction.guildId) throw new UserError('/watch only works in a server.');
	return interaction.guildId;
}

async function answer(
	interaction: ChatInputCommandInteraction,
	ctx: AppContext,
	work: () => Promise<ReplyPayload>,
): Promise<void> {
	// Every /watch answer is for the admin only; Twitch and the store may take a moment, hence the deferral.
	await withDeferral(interaction, () => work().catch(wordRefusal), { ephemeral: true, clock: ctx.clock });
}

/** The /watch logic refuses a target with the typed problem; the admin is shown it in words, as a UserError. */
function wordRefusal(error: unknown): never {
	if (error instanceof TargetProblemError) throw new UserError(describeTargetRefusal(error), { cause: error });
	throw error;
}

export default {
	data,
	async execute(interaction, ctx) {
		const guildId = guildIdOf(interaction);
		const checkTarget = targetCheckerFor(interaction.guild);
		const subcommand = readSubcommand(interaction, data);
		switch (subcommand.name) {
			case 'add': {
				const { options } = subcommand;
				// The admin may only choose a role they could ping themselves in that channel.
				const requester = interaction.member instanceof GuildMember ? interaction.member : null;
				const checkAddTarget = targetCheckerFor(interaction.guild, { requester });
				await answer(interaction, ctx, async () =>
					renderWatchAdded(
						await addWatch(
							ctx,
							{
								guildId,
								requestedBy: interaction.user.id,
								login: options.channel,
								postInChannelId: options['post-in']?.id ?? null,
								roleId: options.role?.id ?? null,
								template: options.message ?? null,
							},
							checkAddTarget,
						),
					),
				);
				return;
			}
			case 'category': {
				const { options } = subcommand;
				// As for add: the admin may only choose a role they could ping themselves in that channel.
				const requester = interaction.member instanceof GuildMember ? interaction.member : null;
				const checkAddTarget = targetCheckerFor(interaction.guild, { requester });
				await answer(interaction, ctx, async () =>
					renderCategoryWatchAdded(
						await addCategoryWatch(
							ctx,
							{
								guildId,
								requestedBy: interaction.user.id,
								game: options.game,
								language: options.language ?? null,
								minViewers: options['min-viewers'] ?? null,
								titleKeyword: options['title-keyword'] ?? null,
								postInChannelId: options['post-in']?.id ?? null,
								roleId: options.role?.id ?? null,
								template: options.message ?? null,
							},
							checkAddTarget,
						),
					),
				);
				return;
			}
			case 'remove': {
				const { channel, category } = subcommand.options;
				await answer(interaction, ctx, async () => {
					const removed = await removeChosenWatch(ctx, guildId, { channel, category });
					return removed.kind === 'channel'
						? renderWatchRemoved(removed.watch)
						: renderCategoryWatchRemoved(removed.watch);
				});
				return;
			}
			case 'list': {
				const { page } = subcommand.options;
				await answer(interaction, ctx, async () =>
					renderWatchList(await listWatches(ctx, guildId, checkTarget), page ?? 1, ctx.clock.now()),
				);
				return;
			}
			case 'test': {
				const { channel } = subcommand.options;
				// Through the Discord message port, as the notifier's announcements go; the interaction's id is the nonce,
				// so a retried preview is not posted twice.
				const messages = new DiscordMessages(interaction.client.rest);
				const post = async (channelId: string, body: AnnouncementMessage) => ({
					id: (await messages.create(channelId, body, { nonce: interaction.id })) ?? '',
				});
				await answer(interaction, ctx, async () =>
					renderPreview(await previewAnnouncement(ctx, guildId, channel, checkTarget, post, renderLiveAnnouncement)),
				);
				return;
			}
			case 'settings': {
				const { options } = subcommand;
				await answer(interaction, ctx, async () =>
					renderGuildSettings(
						await changeGuildSettings(
							ctx,
							guildId,
							{
								defaultChannelId: options['default-channel']?.id,
								endAction: options['on-end'],
								updateOnChange: options['update-on-change'],
								streamSummary: options.summary,
								games: options.games,
								keywords: options.keywords,
								categoryPosts: options['category-posts'],
							},
							checkTarget,
						),
					),
				);
				return;
			}
		}
	},
	async autocomplete(interaction: AutocompleteInteraction, ctx: AppContext) {
		// add suggests Twitch channels, category Twitch's categories and languages; remove and test the server's watches.
		const subcommand = interaction.options.getSubcommand(false);
		const focused = interaction.options.getFocused(true);
		const typed = String(focused.value);
		if (subcommand === 'add') return autocompleteTwitchChannel(interaction, ctx);
		if (subcommand === 'category') {
			if (focused.name === 'game') return autocompleteTwitchCategory(interaction, ctx);
			return interaction.respond(focused.name === 'language' ? languageSuggestions(typed) : []);
		}
		const guildId = interaction.guildId;
		if (focused.name === 'category') {
			const watches = guildId ? await ctx.repositories.categoryWatches.listByGuild(guildId) : [];
			return interaction.respond(categoryWatchSuggestions(watches, typed));
		}
		const watches = guildId ? await ctx.repositories.watches.listByGuild(guildId) : [];
		await interaction.respond(watchSuggestions(watches, typed));
	},
} satisfies Command;
