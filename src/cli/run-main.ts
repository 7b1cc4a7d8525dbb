import { fileURLToPath } from 'node:url';

/** Whether the module at `moduleUrl` is the script Node was started with (so scripts stay importable by tests). */
export function isMainModule(moduleUrl: string): boolean {
	return process.argv[1] !== undefined && fileURLToPath(moduleUrl) === process.argv[1];
}
