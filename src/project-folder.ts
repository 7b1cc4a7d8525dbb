import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

/**
 * The project's folder: the nearest one above this module holding package.json, the same from src/ and from dist/src/.
 * Files the project ships (the SQLite default's data/, the chart's font) are found from here, not from the working
 * directory.
 */
export function projectFolder(): string {
	if (found !== undefined) return found;
	let folder = dirname(fileURLToPath(import.meta.url));
	while (!existsSync(join(folder, 'package.json'))) {
		const parent = dirname(folder);
		if (parent === folder) throw new Error('Cannot find the project folder (package.json) above src/project-folder.ts');
		folder = parent;
	}
	found = folder;
	return folder;
}
