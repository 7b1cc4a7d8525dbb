import { type Interaction, MessageFlags } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { loadCommands } from '../../src/discord/command-loader.ts';
import { handleInteraction } from '../../src/discord/interaction-boundary.ts';
import { renderHelp } from '../../src/views/help.ts';
import { fakeChatInput, testContext } from '../discord/fake-interactions.ts';

describe('/help', () => {
	it('describes every command of the bot, privately', async () => {
		const commands = await loadCommands();
		const { interaction, answers } = fakeChatInput({ commandName: 'help' });
		await handleInteraction(interaction as Interaction, testContext({}), commands);
		expect(answers[0]?.method).toBe('reply');
		expect(answers[0]?.payload.flags).toBe(MessageFlags.Ephemeral);
		const description: string = answers[0]?.payload.embeds[0].description;
		for (const name of commands.keys()) expect(description).toContain(`\`/${name}`);
		expect(description).toContain('`/live channel:<channel>`');
		expect(description).toContain('`/streams [game] [language] [count]`');
	});

	it('writes one line per subcommand for commands that have them', () => {
		const reply = renderHelp([
			{
				name: 'watch',
				description: 'Watch',
				options: [
					{
						type: 1,
						name: 'add',
						description: 'Announce a channel',
						options: [{ type: 3, name: 'channel', description: 'c', required: true }],
					},
					{ type: 1, name: 'list', description: 'List the watched channels' },
				],
			},
		]);
		expect(reply.embeds?.[0]?.description).toContain('`/watch add channel:<channel>` — Announce a channel');
		expect(reply.embeds?.[0]?.description).toContain('`/watch list` — List the watched channels');
	});
});
