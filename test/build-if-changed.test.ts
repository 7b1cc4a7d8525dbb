import { execFile } from 'node:child_process';
import {
	copyFileSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	rmSync,
	symlinkSync,
	utimesSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const projectFolder = fileURLToPath(new URL('..', import.meta.url));
let folder: string;

/** A small project laid out like this one, with the script in its scripts/ folder. */
beforeEach(() => {
	folder = mkdtempSync(join(tmpdir(), 'twitchbot-build-'));
	mkdirSync(join(folder, 'scripts'));
	mkdirSync(join(folder, 'src'));
	copyFileSync(join(projectFolder, 'scripts/build-if-changed.mjs'), join(folder, 'scripts/build-if-changed.mjs'));
	symlinkSync(join(projectFolder, 'node_modules'), join(folder, 'node_modules'));
	writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
	writeFileSync(
		join(folder, 'tsconfig.json'),
		JSON.stringify({ compilerOptions: { module: 'NodeNext', target: 'ES2023', strict: true, types: [] } }),
	);
	writeFileSync(
		join(folder, 'tsconfig.build.json'),
		JSON.stringify({ extends: './tsconfig.json', compilerOptions: { outDir: 'dist', rootDir: '.' }, include: ['src'] }),
	);
	writeFileSync(join(folder, 'src/index.ts'), 'export const answer: number = 42;\n');
});
afterEach(() => {
	rmSync(folder, { recursive: true, force: true });
});

function buildIfChanged(): Promise<{ code: number; stderr: string }> {
	return new Promise((resolve) => {
		execFile(process.execPath, ['scripts/build-if-changed.mjs'], { cwd: folder }, (error, _stdout, stderr) => {
			resolve({ code: error ? Number(error.code ?? 1) : 0, stderr });
		});
	});
}

/** Saves a file again as it is: it is now newer than the last build, as after an edit. */
function touch(path: string): void {
	const now = new Date();
	utimesSync(join(folder, path), now, now);
}

// Each compile is a real tsc run (a few seconds).
describe('npm start compiles only what changed', () => {
	it('compiles when dist/ is missing or older than a source or a settings file, and not otherwise', async () => {
		expect(await buildIfChanged()).toEqual({
			code: 0,
			stderr: 'Compiling the TypeScript to dist/ (dist/ does not exist yet)…\n',
		});
		expect(existsSync(join(folder, 'dist/src/index.js'))).toBe(true);
		expect(await buildIfChanged()).toEqual({ code: 0, stderr: '' });

		touch('src/index.ts');
		touch('tsconfig.build.json');
		expect((await buildIfChanged()).stderr).toContain('(src/index.ts and 1 more changed since the last build)');
		expect(await buildIfChanged()).toEqual({ code: 0, stderr: '' });

		writeFileSync(join(folder, 'src/added.ts'), 'export const added = true;\n');
		expect((await buildIfChanged()).stderr).toContain('(dist/src/added.js is missing)');
		expect(await buildIfChanged()).toEqual({ code: 0, stderr: '' });
	}, 60_000);

	it('fails like tsc on a type error, and tries again at the next start though tsc wrote dist/ anyway', async () => {
		writeFileSync(join(folder, 'src/index.ts'), "export const answer: number = 'forty-two';\n");
		const failed = await buildIfChanged();
		expect(failed.code).not.toBe(0);
		expect(failed.stderr).toContain('Compiling the TypeScript');
		const again = await buildIfChanged();
		expect(again.code).not.toBe(0);
		expect(again.stderr).toContain('(the last build failed)');

		writeFileSync(join(folder, 'src/index.ts'), 'export const answer: number = 42;\n');
		expect((await buildIfChanged()).code).toBe(0);
		expect(await buildIfChanged()).toEqual({ code: 0, stderr: '' });
	}, 60_000);
});
