import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCiRun } from '../support/test-servers.ts';

/**
 * Real PostgreSQL and Redis servers that a test starts, restarts, freezes and removes itself, so that the shared
 * CI servers (used by other test files in parallel) are never disturbed. A missing binary fails the test with a
 * message naming the package to install under CI (CI=true) and outside vitest (the bench); elsewhere the test, or
 * the suite starting the server in its beforeAll, is skipped, and counted in the line at the end of the run.
 */

/** Outside CI, in a test run: skips what needs the `server` that is not installed. Otherwise returns. */
async function skipUnlessCi(server: 'redis-install' | 'postgres-install'): Promise<void> {
	if (!process.env.VITEST || isCiRun()) return;
	// Imported here: the bench uses these servers too, outside vitest.
	const { skipForMissingServer } = await import('../support/test-server-runner.ts');
	skipForMissingServer(server);
}

/** A server program that is not installed, with the package to install in its message. */
class NotInstalledError extends Error {}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	const address = server.address();
	await new Promise((resolve) => server.close(resolve));
	if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
	return address.port;
}

function run(command: string, args: string[], timeoutMs = 30_000): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile(command, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
			if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
			else resolve(stdout);
		});
	});
}

/**
 * The newest Debian PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin), or the folder
 * TEST_POSTGRES_BIN names (another layout, e.g. Homebrew's).
 */
function postgresBinDir(): string {
	const chosen = process.env.TEST_POSTGRES_BIN;
	if (chosen !== undefined) {
		if (existsSync(join(chosen, 'pg_ctl'))) return chosen;
		throw new NotInstalledError(`TEST_POSTGRES_BIN is ${chosen}, which holds no pg_ctl`);
	}
	const root = '/usr/lib/postgresql';
	const versions = existsSync(root)
		? readdirSync(root)
				.filter((version) => existsSync(join(root, version, 'bin', 'pg_ctl')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (versions[0] === undefined) {
		throw new NotInstalledError(
			'The PostgreSQL server binaries (initdb, pg_ctl) are missing from /usr/lib/postgresql/*/bin: install the Debian package postgresql',
		);
	}
	return join(root, versions[0], 'bin');
}

function userIds(name: string): { uid: number; gid: number } {
	const line = readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find((entry) => entry.startsWith(`${name}:`));
	const [, , uid, gid] = line?.split(':') ?? [];
	if (uid === undefined || gid === undefined) throw new Error(`no ${name} user to run the PostgreSQL server as`);
	return { uid: Number(uid), gid: Number(gid) };
}

export interface ThrowawayPostgres {
	readonly url: string;
	/** `pg_ctl stop -m fast`: every connection is terminated, as in the first half of a restart or a failover. */
	stop(): Promise<void>;
	start(): Promise<void>;
	/** `pg_ctl restart -m fast`; resolves once the server accepts connections again. */
	restart(): Promise<void>;
	/** SIGSTOP to the server and its backends: connections stay open but nothing answers. */
	freeze(): void;
	/** SIGCONT to the same processes. */
	thaw(): void;
	/** Stops the server at once and removes its folder; safe to call twice and after a failed start. */
	destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster in a temporary folder on a free port (trust authentication, its unix socket in the folder).
 * initdb refuses to run as root, so as root the cluster belongs to, and is run by, the postgres user.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
	let bin: string;
	try {
		bin = postgresBinDir();
	} catch (error) {
		await skipUnlessCi('postgres-install');
		throw error;
	}
	const folder = mkdtempSync(join(tmpdir(), 'twitchbot-pg-'));
	const data = join(folder, 'data');
	const asRoot = process.getuid?.() === 0;
	if (asRoot) {
		const { uid, gid } = userIds('postgres');
		chownSync(folder, uid, gid);
	}
	const pg = (tool: string, args: string[]) =>
		asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
	const pgCtl = (...args: string[]) =>
		pg('pg_ctl', ['-D', data, '-l', join(folder, 'server.log'), '-w', '-t', '30', ...args]);
	const port = await freePort();

	let frozen: number[] = [];
	const thawAll = () => {
		for (const pid of frozen.splice(0)) {
			try {
				process.kill(pid, 'SIGCONT');
			} catch {
				// Gone already.
			}
		}
	};
	let destroyed = false;
	const destroy = async () => {
		if (destroyed) return;
		destroyed = true;
		process.off('exit', killAtExit);
		thawAll();
		await pgCtl('stop', '-m', 'immediate').catch(() => killAtExit());
		rmSync(folder, { recursive: true, force: true });
	};
	// If the test process dies before afterAll, the server must not outlive it.
	function killAtExit() {
		thawAll();
		try {
			const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
			if (pid > 0) process.kill(pid, 'SIGQUIT');
		} catch {
			// Not running.
		}
		rmSync(folder, { recursive: true, force: true });
	}
	process.on('exit', killAtExit);

	try {
		await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
		appendFileSync(
			join(data, 'postgresql.conf'),
			[
				`port = ${port}`,
				"listen_addresses = '127.0.0.1'",
				`unix_socket_directories = '${folder}'`,
				'fsync = off',
				'shared_buffers = 16MB',
				'max_connections = 100',
				'',
			].join('\n'),
		);
		await pgCtl('start');
	} catch (error) {
		await destroy();
		throw error;
	}
	const serverProcesses = (): number[] => {
		const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
		const children = readdirSync('/proc')
			.filter((entry) => /^\d+$/.test(entry))
			.filter((pid) => {
				try {
					// /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ')'.
					const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
					return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
				} catch {
					return false;
				}
			})
			.map(Number);
		return [postmaster, ...children];
	};
	return {
		url: `postgres://postgres@127.0.0.1:${port}/postgres`,
		freeze: () => {
			frozen = serverProcesses();
			for (const pid of frozen) process.kill(pid, 'SIGSTOP');
		},
		thaw: thawAll,
		stop: async () => {
			await pgCtl('stop', '-m', 'fast');
		},
		start: async () => {
			await pgCtl('start');
		},
		restart: async () => {
			await pgCtl('restart', '-m', 'fast');
		},
		destroy,
	};
}

export interface ThrowawayRedis {
	readonly url: string;
	/** SIGKILL, as in a crash; resolves once the process is gone. */
	kill(): Promise<void>;
	/** Starts the server again on the same port (empty: it saves nothing). */
	start(): Promise<void>;
	/** SIGSTOP: the connection stays open but nothing answers. */
	freeze(): void;
	/** SIGCONT. */
	thaw(): void;
	destroy(): Promise<void>;
}

/** A redis-server on a free port that saves nothing, in a temporary folder. */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
	const folder = mkdtempSync(join(tmpdir(), 'twitchbot-redis-'));
	const port = await freePort();
	let server: ChildProcess | undefined;
	const killAtExit = () => server?.kill('SIGKILL');
	process.on('exit', killAtExit);

	const start = async () => {
		const child = spawn(
			'redis-server',
			['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', folder],
			{ stdio: ['ignore', 'pipe', 'pipe'] },
		);
		server = child;
		let output = '';
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
			const settle = (error?: Error) => {
				clearTimeout(timer);
				if (error) reject(error);
				else resolve();
			};
			child.once('error', (error: NodeJS.ErrnoException) =>
				settle(
					error.code === 'ENOENT'
						? new NotInstalledError('redis-server is not installed (PATH): install the Debian package redis-server')
						: error,
				),
			);
			child.once('exit', (code) => settle(new Error(`redis-server exited with ${code} at start:\n${output}`)));
			const collect = (chunk: Buffer) => {
				output += chunk;
				if (output.includes('Ready to accept connections')) settle();
			};
			child.stdout.on('data', collect);
			child.stderr.on('data', collect);
		});
		child.removeAllListeners('exit');
	};
	const kill = async () => {
		const child = server;
		if (!child || child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGKILL');
		await exited;
	};

	try {
		await start();
	} catch (error) {
		await kill();
		process.off('exit', killAtExit);
		rmSync(folder, { recursive: true, force: true });
		if (error instanceof NotInstalledError) await skipUnlessCi('redis-install');
		throw error;
	}
	return {
		url: `redis://127.0.0.1:${port}`,
		kill,
		start,
		freeze: () => server?.kill('SIGSTOP'),
		thaw: () => server?.kill('SIGCONT'),
		destroy: async () => {
			await kill();
			process.off('exit', killAtExit);
			rmSync(folder, { recursive: true, force: true });
		},
	};
}
