// The sub-packages discord.js re-exports, not 'discord.js' itself: the notifier renders announcements with these
// helpers and does not load discord.js's main package.
import {
	type APIActionRowComponent,
	type APIButtonComponentWithURL,
	type APIEmbed,
	ButtonStyle,
	ComponentType,
} from 'discord-api-types/v10';
import { DISCORD_LIMITS, truncate } from './discord-limits.ts';

/**
 * What a view renders: the body of an interaction reply, as Discord API JSON so that tests read it as plain data.
 * Accepted as it is by `interaction.reply`, `editReply` and `followUp`.
 */
export interface ReplyPayload {
	content?: string;
	embeds?: APIEmbed[];
	components?: APIActionRowComponent<APIButtonComponentWithURL>[];
	/** Always set: text from Twitch may contain `@everyone` or a role mention, and a reply must ping no one. */
	allowedMentions: { parse: [] };
}

/** Embed side colours. */
export const EMBED_COLORS = {
	/** Twitch's brand purple. */
	twitch: 0x9146ff,
	live: 0xe91916,
	offline: 0x747f8d,
} as const;

/** A reply with embeds (and optional link buttons) that mentions no one. */
export function embedReply(embeds: APIEmbed[], buttons: readonly { label: string; url: string }[] = []): ReplyPayload {
	const payload: ReplyPayload = { embeds, allowedMentions: { parse: [] } };
	if (buttons.length > 0) payload.components = [linkButtonRow(buttons)];
	return payload;
}

/** A text-only reply that mentions no one. */
export function textReply(content: string): ReplyPayload {
	return { content: truncate(content, DISCORD_LIMITS.content), allowedMentions: { parse: [] } };
}

/**
 * One action row of link buttons. Link buttons open the URL in the browser and send no interaction back, so they
 * need no handler and keep working after the bot restarts.
 */
export function linkButtonRow(
	buttons: readonly { label: string; url: string }[],
): APIActionRowComponent<APIButtonComponentWithURL> {
	return {
		type: ComponentType.ActionRow,
		// Discord allows five buttons per row.
		components: buttons.slice(0, 5).map((button) => ({
			type: ComponentType.Button,
			style: ButtonStyle.Link,
			label: truncate(button.label, DISCORD_LIMITS.buttonLabel),
			url: button.url,
		})),
	};
}
