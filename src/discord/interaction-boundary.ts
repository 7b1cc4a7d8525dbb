import {
	type AutocompleteInteraction,
	type ChatInputCommandInteraction,
	type Interaction,
	MessageFlags,
} from 'discord.js';
import { type Clock, systemClock } from '../clock.ts';
import type { AppContext, CommandOutcome } from '../context.ts';
import { UserError } from '../errors.ts';
import { incidentHint, newIncidentId } from '../incident-id.ts';
import { TwitchRateLimitError, TwitchUnavailableError } from '../twitch/errors.ts';
import type { ReplyPayload } from '../views/reply.ts';
import type { Command } from './command.ts';

/** What the boundary and `withDeferral` need of an interaction that can be answered. */
export type RepliableInteraction = Pick<
	ChatInputCommandInteraction,
	'deferred' | 'replied' | 'reply' | 'deferReply' | 'editReply' | 'followUp'
>;

export const TWITCH_UNAVAILABLE_MESSAGE = 'Twitch is not answering right now. Try again in a minute.';
export const UNKNOWN_COMMAND_MESSAGE =
	'This command is not available any more. The bot’s commands may need to be deployed again (`npm run deploy-commands`).';

/** The generic answer to an unexpected error: the incident id lets the operator find the log line. */
export function incidentMessage(incidentId: string): string {
	return `Something went wrong on our side. ${incidentHint(incidentId)}`;
}

export { newIncidentId };

/**
 * The one error boundary for interactions, wired to `client.on('interactionCreate')`. Routes slash commands and
 * autocomplete to their command; never throws (a rejected listener would be an unhandled rejection).
 * - A `UserError` (unknown channel, bad option…) → its message, shown only to the user.
 * - Twitch down or rate-limited → a friendly "try again in a minute", logged at warn.
 * - Anything else → logged at error with a short incident id; the user sees a generic message with that id, never
 *   the error's own message (it may carry internals).
 * Autocomplete failures answer with an empty list.
 */
export async function handleInteraction(
	interaction: Interaction,
	ctx: AppContext,
	commands: ReadonlyMap<string, Command>,
): Promise<void> {
	try {
		if (interaction.isChatInputCommand()) await runChatInputCommand(interaction, ctx, commands);
		else if (interaction.isAutocomplete()) await runAutocomplete(interaction, ctx, commands);
		// Link buttons send no interaction; other kinds (context menus, modals) are not used by this bot.
	} catch (error) {
		// Only reached when even the error answer failed; the boundary must still never throw.
		ctx.logger.error({ err: error, interactionId: interaction.id }, 'Interaction boundary failed');
	}
}

async function runChatInputCommand(
	interaction: ChatInputCommandInteraction,
	ctx: AppContext,
	commands: ReadonlyMap<string, Command>,
): Promise<void> {
	const command = commands.get(interaction.commandName);
	const where = describeInteraction(interaction);
	const started = ctx.clock.monotonic();
	// Only names this bot has become metric labels: an old registration's name could be anything.
	const report = (outcome: CommandOutcome) =>
		ctx.commandObserver?.command(
			command ? interaction.commandName : 'unknown',
			outcome,
			(ctx.clock.monotonic() - started) / 1000,
		);
	if (!command) {
		// Discord still shows a command that was registered earlier and is gone from commands/ now.
		ctx.logger.warn(where, 'Received a command this bot does not have');
		await answerWithError(interaction, UNKNOWN_COMMAND_MESSAGE, ctx);
		report('user-error');
		return;
	}
	try {
		await command.execute(interaction, ctx);
		ctx.logger.debug({ ...where, ms: ctx.clock.monotonic() - started }, 'Command answered');
		report('ok');
	} catch (error) {
		await answerWithError(interaction, describeFailure(error, where, ctx), ctx);
		report(error instanceof UserError ? 'user-error' : 'error');
	}
}

/** Turns an error into what the user may see, logging it as it deserves. */
function describeFailure(error: unknown, where: Record<string, unknown>, ctx: AppContext): string {
	if (error instanceof UserError) {
		ctx.logger.debug({ ...where, reason: error.message }, 'Command refused with a user error');
		return error.message;
	}
	if (error instanceof TwitchUnavailableError || error instanceof TwitchRateLimitError) {
		ctx.logger.warn({ ...where, err: error }, 'Command failed: Twitch unavailable');
		return TWITCH_UNAVAILABLE_MESSAGE;
	}
	const incidentId = newIncidentId();
	ctx.logger.error({ ...where, incidentId, err: error }, `Command failed (incident ${incidentId})`);
	return incidentMessage(incidentId);
}

/**
 * Answers with an error text, only to the user, whatever state the interaction is in: not answered yet → an
 * ephemeral reply; deferred → the deferred reply is edited (its ephemeral-ness was fixed at defer time); already
 * answered → an ephemeral follow-up.
 */
async function answerWithError(interaction: RepliableInteraction, content: string, ctx: AppContext): Promise<void> {
	const allowedMentions = { parse: [] };
	try {
		if (interaction.deferred && !interaction.replied) {
			await interaction.editReply({ content, embeds: [], components: [], allowedMentions });
		} else if (interaction.replied) {
			await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions });
		} else {
			await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions });
		}
	} catch (error) {
		// Typically 10062 Unknown interaction: the 3-second window (or the 15-minute token) has passed.
		ctx.logger.warn({ err: error }, 'Could not send the error answer of an interaction');
	}
}

async function runAutocomplete(
	interaction: AutocompleteInteraction,
	ctx: AppContext,
	commands: ReadonlyMap<string, Command>,
): Promise<void> {
	const command = commands.get(interaction.commandName);
	try {
		if (command?.autocomplete) await command.autocomplete(interaction, ctx);
		else await interaction.respond([]);
	} catch (error) {
		// Suggestions are optional: an empty list lets the user keep typing; the failure is only worth a warning.
		ctx.logger.warn({ ...describeInteraction(interaction), err: error }, 'Autocomplete failed');
		if (!interaction.responded) await interaction.respond([]).catch(() => {});
	}
}

function describeInteraction(
	interaction: ChatInputCommandInteraction | AutocompleteInteraction,
): Record<string, unknown> {
	return {
		command: interaction.commandName,
		interactionId: interaction.id,
		userId: interaction.user?.id,
		guildId: interaction.guildId,
	};
}

export interface DeferralOptions {
	/** Defer when the work has not finished after this long (default 1500 ms: well inside Discord's 3 s). */
	afterMs?: number;
	/** Whether the answer is only for the user. Fixed when deferring: Discord cannot change it afterwards. */
	ephemeral?: boolean;
	/** Times the deferral (tests pass a clock whose sleep resolves at once or never). */
	clock?: Clock;
}

/**
 * Runs `work` and answers with what it renders. Discord drops an interaction not answered within 3 seconds: when
 * the work is fast the answer is a plain reply, and when it is still running after `afterMs` the interaction is
 * deferred ("Bot is thinking…") and the reply edited in when the work is done (15 minutes allowed).
 * An error from `work` propagates to the boundary, which then edits the deferred reply or replies, as fits.
 */
export async function withDeferral(
	interaction: RepliableInteraction,
	work: () => Promise<ReplyPayload>,
	options: DeferralOptions = {},
): Promise<void> {
	const clock = options.clock ?? systemClock;
	const flags = options.ephemeral ? MessageFlags.Ephemeral : undefined;
	const pending = work();
	const stopTimer = new AbortController();
	const finished = pending.then((payload) => ({ late: false as const, payload }));
	const deadline = clock.sleep(options.afterMs ?? 1500, stopTimer.signal).then(
		() => ({ late: true as const }),
		// Aborted because the work finished first: this branch never wins the race then.
		() => new Promise<never>(() => {}),
	);
	let first: { late: false; payload: ReplyPayload } | { late: true };
	try {
		first = await Promise.race([finished, deadline]);
	} finally {
		stopTimer.abort();
	}
	if (!first.late) {
		await interaction.reply(flags === undefined ? first.payload : { ...first.payload, flags });
		return;
	}
	await interaction.deferReply(flags === undefined ? {} : { flags });
	await interaction.editReply(await pending);
}
