import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../support/bot-world.ts';

let world: World;
beforeEach(async () => {
	world = await createWorld();
});
afterEach(async () => {
	await world.close();
});

function setUpGuild() {
	const guild = world.discord.addGuild({ name: 'Streamers' });
	const channel = world.discord.addChannel(guild.id, { name: 'general' });
	return { guildId: guild.id, channelId: channel.id };
}

describe('the real bot against the fakes', () => {
	it('answers /live for a live channel with title, game, viewers and a Watch button', async () => {
		const place = setUpGuild();
		const user = world.twitch.addUser({ login: 'alpha', display_name: 'Alpha' });
		world.twitch.goLive(user.id, {
			title: 'Speedrun practice',
			game_name: 'Celeste',
			game_id: '1',
			viewer_count: 1234,
		});
		await world.startBot();

		const result = await world.discord.runCommand({ ...place, name: 'live', options: { channel: 'alpha' } });
		const text = JSON.stringify(result.final);
		expect(text).toContain('Speedrun practice');
		expect(text).toContain('Celeste');
		expect(text).toMatch(/1[,.\s ]?234/);
		expect(text).toContain('twitch.tv/alpha');
		expect(result.ephemeral).toBe(false);
	});

	it('answers /live for an unknown channel with an ephemeral, friendly message', async () => {
		const place = setUpGuild();
		await world.startBot();
		const result = await world.discord.runCommand({ ...place, name: 'live', options: { channel: 'nobody_here' } });
		expect(result.ephemeral).toBe(true);
		expect(JSON.stringify(result.final)).toContain('nobody_here');
	});

	it('answers /user and /topgames from Twitch', async () => {
		const place = setUpGuild();
		world.twitch.addUser({ login: 'beta', display_name: 'Beta', description: 'Chess and coffee' });
		world.twitch.addGame({ name: 'Chess' });
		await world.startBot();
		const user = await world.discord.runCommand({ ...place, name: 'user', options: { channel: 'beta' } });
		expect(JSON.stringify(user.final)).toContain('Chess and coffee');
		const games = await world.discord.runCommand({ ...place, name: 'topgames', options: { count: 5 } });
		expect(JSON.stringify(games.final)).toContain('Chess');
	});

	it('tells the user when Twitch is down, without crashing', async () => {
		const place = setUpGuild();
		world.twitch.addUser({ login: 'alpha' });
		await world.startBot();
		world.twitch.injectFault('/helix/users', { kind: 'status', status: 503 }, 10);
		const result = await world.discord.runCommand({ ...place, name: 'user', options: { channel: 'alpha' } });
		expect(JSON.stringify(result.final)).toMatch(/Twitch is not answering/);
	});
});
