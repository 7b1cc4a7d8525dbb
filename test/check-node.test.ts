import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const projectFolder = fileURLToPath(new URL('..', import.meta.url));
const checkScript = fileURLToPath(new URL('../scripts/check-node.mjs', import.meta.url));
const NEEDS_LINE =
	/^This project needs Node\.js >= 22\.18 \(it runs TypeScript directly\); this is Node [\d.]+\. Get Node 24: `nvm install` \(reads \.nvmrc\), or `npm i --prefix ~\/\.node24 node@24` and put ~\/\.node24\/node_modules\/\.bin first in PATH\.\n$/;

interface Outcome {
	code: number;
	stdout: string;
	stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
	return new Promise((resolve) => {
		execFile(command, args, { cwd: projectFolder, env, timeout: 30_000 }, (error, stdout, stderr) => {
			resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
		});
	});
}

/** The system Node and its npm (Debian's Node 20 on the CI machine), when that Node is older than 22.18. */
function oldSystemNodeVersion(): string | undefined {
	if (!existsSync('/usr/bin/node') || !existsSync('/usr/bin/npm')) return undefined;
	const version = execFileSync('/usr/bin/node', ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
	const [major = 0, minor = 0] = version.split('.').map(Number);
	return major < 22 || (major === 22 && minor < 18) ? version : undefined;
}
const systemNodeVersion = oldSystemNodeVersion();

describe('the Node version check', () => {
	it('refuses Node 20 with one line saying what is needed and how to get it', async () => {
		const outcome = await run(process.execPath, [checkScript, '20.20.2']);
		expect(outcome.code).toBe(1);
		expect(outcome.stderr).toMatch(NEEDS_LINE);
		expect(outcome.stderr).toContain('this is Node 20.20.2');
		expect(outcome.stdout).toBe('');
	});

	it('refuses 22.17 and accepts 22.18 and later, as package.json engines says', async () => {
		expect((await run(process.execPath, [checkScript, '22.17.1'])).code).toBe(1);
		for (const version of ['22.18.0', '23.0.0', 'v24.1.0']) {
			expect(await run(process.execPath, [checkScript, version])).toEqual({ code: 0, stdout: '', stderr: '' });
		}
	});

	it('passes on the Node running the tests', async () => {
		expect(await run(process.execPath, [checkScript])).toEqual({ code: 0, stdout: '', stderr: '' });
	});

	it.runIf(systemNodeVersion)('stops `npm run doctor` under an old system Node with that one line alone', async () => {
		const outcome = await run('npm', ['run', 'doctor'], { ...process.env, PATH: '/usr/bin:/bin' });
		expect(outcome.code).toBe(1);
		expect(outcome.stderr).toMatch(NEEDS_LINE);
		expect(outcome.stderr).toContain(`this is Node ${systemNodeVersion}`);
		expect(outcome.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
	});
});
