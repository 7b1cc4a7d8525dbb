import { type Interaction, MessageFlags } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import type { Command } from '../../src/discord/command.ts';
import {
	handleInteraction,
	TWITCH_UNAVAILABLE_MESSAGE,
	UNKNOWN_COMMAND_MESSAGE,
	withDeferral,
} from '../../src/discord/interaction-boundary.ts';
import { UserError } from '../../src/errors.ts';
import { TwitchRateLimitError, TwitchUnavailableError } from '../../src/twitch/errors.ts';
import { textReply } from '../../src/views/reply.ts';
import { ManualClock } from '../support/clock.ts';
import {
	fakeAutocomplete,
	fakeChatInput,
	INTERACTION_TEST_START,
	recordingLogger,
	testContext,
} from './fake-interactions.ts';

const data = { name: 'probe', description: 'A command for tests' };

function commandsWith(command: Partial<Command>): Map<string, Command> {
	return new Map([['probe', { data, execute: async () => {}, ...command }]]);
}

async function run(execute: Command['execute'], setup: Omit<Parameters<typeof fakeChatInput>[0], 'commandName'> = {}) {
	const { logger, records } = recordingLogger();
	const ctx = testContext({ logger });
	const { interaction, answers } = fakeChatInput({ commandName: 'probe', ...setup });
	await handleInteraction(interaction as Interaction, ctx, commandsWith({ execute }));
	return { answers, records };
}

describe('the interaction error boundary', () => {
	it('routes a slash command to its handler with the context', async () => {
		const { logger } = recordingLogger();
		const ctx = testContext({ logger });
		const seen: unknown[] = [];
		const { interaction, answers } = fakeChatInput({ commandName: 'probe' });
		await handleInteraction(
			interaction as Interaction,
			ctx,
			commandsWith({
				execute: async (received, context) => {
					seen.push(received, context);
					await received.reply(textReply('pong'));
				},
			}),
		);
		expect(seen).toEqual([interaction, ctx]);
		expect(answers).toEqual([{ method: 'reply', payload: expect.objectContaining({ content: 'pong' }) }]);
	});

	it('shows a UserError’s message to the user only, without an incident id', async () => {
		const { answers, records } = await run(async () => {
			throw new UserError('No Twitch channel is called “nobody”.');
		});
		expect(answers).toHaveLength(1);
		expect(answers[0]?.method).toBe('reply');
		expect(answers[0]?.payload.content).toBe('No Twitch channel is called “nobody”.');
		expect(answers[0]?.payload.flags).toBe(MessageFlags.Ephemeral);
		expect(answers[0]?.payload).not.toHaveProperty('ephemeral');
		expect(records.filter((record) => record.level >= 50)).toEqual([]);
	});

	it('hides an unexpected error behind an incident id that is also in the log', async () => {
		const { answers, records } = await run(async () => {
			throw new Error('database password is hunter2');
		});
		const shown: string = answers[0]?.payload.content;
		expect(answers[0]?.payload.flags).toBe(MessageFlags.Ephemeral);
		expect(shown).not.toContain('hunter2');
		const incidentId = /`([0-9a-f]{8})`/.exec(shown)?.[1];
		expect(incidentId).toBeDefined();
		const logged = records.find((record) => record.level === 50);
		expect(logged).toMatchObject({ incidentId, command: 'probe' });
		expect(logged?.err).toMatchObject({ message: 'database password is hunter2' });
	});

	it('gives each unexpected error its own incident id', async () => {
		const fail = async () => {
			throw new Error('boom');
		};
		const first = await run(fail);
		const second = await run(fail);
		expect(first.answers[0]?.payload.content).not.toBe(second.answers[0]?.payload.content);
	});

	it.each([
		['unavailable', new TwitchUnavailableError('/streams', 3, 'HTTP 503')],
		['rate limited', new TwitchRateLimitError('/streams', 30_000)],
	])('answers "Twitch is not answering" when Twitch is %s, logged as a warning', async (_kind, error) => {
		const { answers, records } = await run(async () => {
			throw error;
		});
		expect(answers[0]?.payload.content).toBe(TWITCH_UNAVAILABLE_MESSAGE);
		expect(answers[0]?.payload.flags).toBe(MessageFlags.Ephemeral);
		expect(records.some((record) => record.level === 40)).toBe(true);
		expect(records.some((record) => record.level >= 50)).toBe(false);
	});

	it('edits the deferred reply when the handler fails after deferring', async () => {
		const { answers } = await run(async (interaction) => {
			await interaction.deferReply();
			throw new UserError('That went wrong in a way you can fix.');
		});
		expect(answers.map((answer) => answer.method)).toEqual(['deferReply', 'editReply']);
		expect(answers[1]?.payload).toMatchObject({
			content: 'That went wrong in a way you can fix.',
			embeds: [],
			components: [],
		});
	});

	it('follows up privately when the handler fails after it already replied', async () => {
		const { answers } = await run(async (interaction) => {
			await interaction.reply(textReply('first part'));
			throw new Error('second part failed');
		});
		expect(answers.map((answer) => answer.method)).toEqual(['reply', 'followUp']);
		expect(answers[1]?.payload.flags).toBe(MessageFlags.Ephemeral);
		expect(answers[1]?.payload.content).toMatch(/incident id/);
	});

	it('answers a command it does not know (stale registration) instead of leaving it unanswered', async () => {
		const ctx = testContext({});
		const { interaction, answers } = fakeChatInput({ commandName: 'removed' });
		await handleInteraction(interaction as Interaction, ctx, commandsWith({}));
		expect(answers[0]?.payload).toMatchObject({ content: UNKNOWN_COMMAND_MESSAGE, flags: MessageFlags.Ephemeral });
	});

	it('never throws, even when the error answer itself fails (interaction expired)', async () => {
		const expired = Object.assign(new Error('Unknown interaction'), { code: 10062 });
		const { answers, records } = await run(
			async () => {
				throw new UserError('too late');
			},
			{ failing: { reply: expired } },
		);
		expect(answers).toEqual([]);
		expect(records.some((record) => record.msg.includes('Could not send the error answer'))).toBe(true);
	});
});

describe('autocomplete through the boundary', () => {
	it('routes autocomplete to the command’s autocomplete handler', async () => {
		const ctx = testContext({});
		const { interaction, answers } = fakeAutocomplete({ commandName: 'probe', focused: 'channel', value: 'tw' });
		await handleInteraction(
			interaction as Interaction,
			ctx,
			commandsWith({ autocomplete: async (received) => received.respond([{ name: 'TwitchDev', value: 'twitchdev' }]) }),
		);
		expect(answers).toEqual([{ method: 'respond', payload: [{ name: 'TwitchDev', value: 'twitchdev' }] }]);
	});

	it('answers an empty list when the autocomplete handler fails, and does not throw', async () => {
		const { logger, records } = recordingLogger();
		const ctx = testContext({ logger });
		const { interaction, answers } = fakeAutocomplete({ commandName: 'probe', focused: 'channel', value: 'tw' });
		await handleInteraction(
			interaction as Interaction,
			ctx,
			commandsWith({
				autocomplete: async () => {
					throw new TwitchUnavailableError('/search/channels', 3, 'timeout');
				},
			}),
		);
		expect(answers).toEqual([{ method: 'respond', payload: [] }]);
		expect(records.some((record) => record.msg === 'Autocomplete failed')).toBe(true);
	});

	it('answers an empty list for a command without autocomplete', async () => {
		const { interaction, answers } = fakeAutocomplete({ commandName: 'probe', focused: 'x', value: 'y' });
		await handleInteraction(interaction as Interaction, testContext({}), commandsWith({}));
		expect(answers).toEqual([{ method: 'respond', payload: [] }]);
	});

	it('does not throw when even the empty answer cannot be sent', async () => {
		const { interaction } = fakeAutocomplete({
			commandName: 'probe',
			focused: 'x',
			value: 'y',
			failing: new Error('Unknown interaction'),
		});
		await expect(handleInteraction(interaction as Interaction, testContext({}), commandsWith({}))).resolves.toBe(
			undefined,
		);
	});
});

describe('withDeferral', () => {
	it('replies directly when the work finishes in time', async () => {
		const { interaction, answers } = fakeChatInput({ commandName: 'probe' });
		await withDeferral(interaction, async () => textReply('fast'), { clock: new ManualClock(INTERACTION_TEST_START) });
		expect(answers).toEqual([{ method: 'reply', payload: expect.objectContaining({ content: 'fast' }) }]);
	});

	it('defers, then edits the reply, when the work is still running at the deadline', async () => {
		const { interaction, answers } = fakeChatInput({ commandName: 'probe' });
		await withDeferral(interaction, () => systemClock.sleep(20).then(() => textReply('slow')), {
			afterMs: 1,
			clock: systemClock,
		});
		expect(answers.map((answer) => answer.method)).toEqual(['deferReply', 'editReply']);
		expect(answers[1]?.payload.content).toBe('slow');
	});

	it('chooses ephemeral at defer time', async () => {
		const { interaction, answers } = fakeChatInput({ commandName: 'probe' });
		await withDeferral(interaction, () => systemClock.sleep(5).then(() => textReply('private')), {
			ephemeral: true,
			clock: new ManualClock(INTERACTION_TEST_START, { instantSleeps: true }),
		});
		expect(answers[0]).toEqual({ method: 'deferReply', payload: { flags: MessageFlags.Ephemeral } });
		expect(answers[1]?.payload).not.toHaveProperty('flags');
	});

	it('marks a direct reply ephemeral when asked', async () => {
		const { interaction, answers } = fakeChatInput({ commandName: 'probe' });
		await withDeferral(interaction, async () => textReply('private'), {
			ephemeral: true,
			clock: new ManualClock(INTERACTION_TEST_START),
		});
		expect(answers[0]?.payload.flags).toBe(MessageFlags.Ephemeral);
	});

	it('lets a failure after the deferral reach the boundary, which edits the deferred reply', async () => {
		const ctx = testContext({});
		const { interaction, answers } = fakeChatInput({ commandName: 'probe' });
		const execute: Command['execute'] = (received) =>
			withDeferral(
				received,
				() =>
					systemClock.sleep(5).then(() => {
						throw new UserError('Nothing found.');
					}),
				{ clock: new ManualClock(INTERACTION_TEST_START, { instantSleeps: true }) },
			);
		await handleInteraction(interaction as Interaction, ctx, commandsWith({ execute }));
		expect(answers.map((answer) => answer.method)).toEqual(['deferReply', 'editReply']);
		expect(answers[1]?.payload.content).toBe('Nothing found.');
	});

	it('does not defer when the work fails fast, so the error reply can be private', async () => {
		const ctx = testContext({});
		const { interaction, answers } = fakeChatInput({ commandName: 'probe' });
		const execute: Command['execute'] = (received) =>
			withDeferral(
				received,
				async () => {
					throw new UserError('Bad input.');
				},
				{ clock: new ManualClock(INTERACTION_TEST_START) },
			);
		await handleInteraction(interaction as Interaction, ctx, commandsWith({ execute }));
		expect(answers).toEqual([
			{ method: 'reply', payload: expect.objectContaining({ content: 'Bad input.', flags: MessageFlags.Ephemeral }) },
		]);
	});
});
