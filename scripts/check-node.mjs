// Runs first in every npm script that starts the project's code. An older Node cannot load a .ts file at all (it
// fails with ERR_UNKNOWN_FILE_EXTENSION, or with "Map.groupBy is not a function" in the tests), so this file is plain
// JavaScript any Node can run, and says in one line what is needed and how to get it.
// `node scripts/check-node.mjs [version]` checks `version` instead of this Node's (for the tests).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The lowest Node version package.json's "engines" accepts, as [major, minor, patch]. */
export function requiredNodeVersion() {
	const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
	const range = String(packageJson.engines?.node ?? '');
	const match = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(range.trim());
	if (!match) throw new Error(`package.json engines.node must read ">=major.minor.patch", not "${range}"`);
	return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

/** The one line to print when `version` (e.g. "20.20.2") is older than `required`; undefined when it will do. */
export function nodeVersionProblem(version, required = requiredNodeVersion()) {
	const parts = String(version).replace(/^v/, '').split('.').map(Number);
	for (let index = 0; index < 3; index++) {
		const have = parts[index] || 0;
		if (have > required[index]) return undefined;
		if (have < required[index]) {
			const needed = required[2] === 0 ? `${required[0]}.${required[1]}` : required.join('.');
			return (
				`This project needs Node.js >= ${needed} (it runs TypeScript directly); this is Node ${String(version).replace(/^v/, '')}. ` +
				'Get Node 24: `nvm install` (reads .nvmrc), or `npm i --prefix ~/.node24 node@24` and put ' +
				'~/.node24/node_modules/.bin first in PATH.'
			);
		}
	}
	return undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const problem = nodeVersionProblem(process.argv[2] || process.versions.node);
	if (problem) {
		console.error(problem);
		process.exit(1);
	}
}
