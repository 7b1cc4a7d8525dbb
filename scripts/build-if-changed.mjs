// `npm start` runs the compiled JavaScript in dist/. Compiling every time took 3.2 s and a 517 MB peak before the bot
// even began to load; this compiles only when dist/ is missing a file or is older than what it is built from: a
// source file named by tsconfig.build.json's "include", or tsconfig.json, tsconfig.build.json or package.json.
// Comparing each output with its own source needs no stamp file, so `npm run build` counts as a build too.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectFolder = fileURLToPath(new URL('..', import.meta.url));
const outFolder = 'dist';
const settingsFiles = ['tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** The .ts files tsconfig.build.json compiles, relative to the project folder. */
function sourceFiles() {
	const { include } = JSON.parse(readFileSync(join(projectFolder, 'tsconfig.build.json'), 'utf8'));
	const files = [];
	const visit = (path) => {
		const stats = statSync(join(projectFolder, path), { throwIfNoEntry: false });
		if (stats?.isDirectory()) {
			for (const entry of readdirSync(join(projectFolder, path))) visit(join(path, entry));
		} else if (stats?.isFile() && path.endsWith('.ts') && !path.endsWith('.d.ts')) {
			files.push(path);
		}
	};
	for (const path of include) visit(path);
	return files;
}

// tsc writes dist/ even when it finds type errors; this marks such a build, so that the next start tries again
// (and shows the errors again) instead of running it as if it had passed.
const failedMarker = join(outFolder, '.last-build-failed');

const modifiedMs = (path) => statSync(join(projectFolder, path), { throwIfNoEntry: false })?.mtimeMs;

/** Why dist/ must be built again, or undefined when it is up to date. */
export function staleReason() {
	if (existsSync(join(projectFolder, failedMarker))) return 'the last build failed';
	let oldestOutputMs = Number.POSITIVE_INFINITY;
	const changed = [];
	for (const source of sourceFiles()) {
		const output = join(outFolder, source.replace(/\.ts$/, '.js'));
		const outputMs = modifiedMs(output);
		if (outputMs === undefined) return `${output} is missing`;
		oldestOutputMs = Math.min(oldestOutputMs, outputMs);
		if ((modifiedMs(source) ?? 0) > outputMs) changed.push(source);
	}
	for (const file of settingsFiles) if ((modifiedMs(file) ?? 0) > oldestOutputMs) changed.push(file);
	if (changed.length === 0) return undefined;
	const others = changed.length > 1 ? ` and ${changed.length - 1} more` : '';
	return `${changed[0]}${others} changed since the last build`;
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
	const reason = existsSync(join(projectFolder, outFolder)) ? staleReason() : `${outFolder}/ does not exist yet`;
	if (reason) {
		console.error(`Compiling the TypeScript to ${outFolder}/ (${reason})…`);
		const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
		const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
			cwd: projectFolder,
			stdio: 'inherit',
		});
		process.exitCode = build.status ?? 1;
		if (process.exitCode === 0) rmSync(join(projectFolder, failedMarker), { force: true });
		else writeFileSync(join(projectFolder, failedMarker), `tsc exited with ${process.exitCode}\n`);
	}
}
