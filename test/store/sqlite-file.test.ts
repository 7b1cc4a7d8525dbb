import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, sqliteFileOf } from '../../src/store/keyv.ts';
import { FAKE_BOT_TOKEN } from '../support/bot-world.ts';
import { capturingLogger } from '../twitch/helpers.ts';
import { freePort } from './throwaway-servers.ts';

const projectFolder = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) cleanup();
});

function temporaryFolder(): string {
	const folder = mkdtempSync(join(tmpdir(), 'twitchbot-sqlite-file-'));
	cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
	return folder;
}

describe('the SQLite file of STORAGE_URL', () => {
	it('takes a relative path from the project folder, whatever the current folder, and an absolute one as it is', () => {
		expect(sqliteFileOf('sqlite://data/bot.sqlite')).toBe(join(projectFolder, 'data', 'bot.sqlite'));
		expect(sqliteFileOf('sqlite:///var/lib/bot/bot.sqlite')).toBe('/var/lib/bot/bot.sqlite');
	});

	it('says where the file is when the store opens', async () => {
		const file = join(temporaryFolder(), 'bot.sqlite');
		const { logger, lines } = capturingLogger();
		const store = await openStore(`sqlite://${file}`, { logger });
		await store.close();
		expect(lines).toContainEqual(expect.objectContaining({ file, msg: `the SQLite store is ${file}` }));
	});

	it('npm run doctor from another folder opens the project’s file, not one under that folder, and prints where', async () => {
		const elsewhere = temporaryFolder();
		const relative = `data/test-${randomUUID()}/bot.sqlite`;
		const inProject = join(projectFolder, relative);
		cleanups.push(() => rmSync(join(projectFolder, relative, '..'), { recursive: true, force: true }));
		const doctor = spawn(process.execPath, [join(projectFolder, 'src/cli/doctor.ts')], {
			cwd: elsewhere,
			env: {
				PATH: process.env.PATH ?? '',
				STORAGE_URL: `sqlite://${relative}`,
				// Enough for the doctor to reach the storage check; Discord is a closed port, so it fails at once.
				DISCORD_TOKEN: FAKE_BOT_TOKEN,
				DISCORD_API_URL: `http://127.0.0.1:${await freePort()}/api`,
			},
		});
		let stdout = '';
		doctor.stdout.on('data', (chunk) => {
			stdout += chunk;
		});
		await new Promise((resolve) => doctor.on('exit', resolve));
		expect(stdout).toContain(`✓ storage: sqlite store at ${inProject} opened`);
		expect(existsSync(inProject)).toBe(true);
		expect(existsSync(join(elsewhere, 'data'))).toBe(false);
	});
});
