/**
 * Real child processes of the bot (`node src/index.ts`), as an operator runs them: each with its own settings
 * (BOT_ROLES, SHARD_IDS…), its JSON log read line by line, and signals to kill, freeze, thaw and stop it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

export interface LogLine {
	level: number;
	msg: string;
	time: number;
	[field: string]: unknown;
}

export class BotProcess {
	readonly name: string;
	readonly env: Record<string, string>;
	readonly lines: LogLine[] = [];
	private child: ChildProcess | undefined;
	private exited: Promise<number | null> = Promise.resolve(null);
	private output = '';

	private readonly nodeFlags: readonly string[];

	/** `nodeFlags`: node's own flags (the bench runs processes with those of production). */
	constructor(name: string, env: Record<string, string>, nodeFlags: readonly string[] = []) {
		this.name = name;
		this.env = env;
		this.nodeFlags = nodeFlags;
	}

	get pid(): number | undefined {
		return this.child?.pid;
	}

	get running(): boolean {
		return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
	}

	/** Starts the process (again): the log of a previous run is dropped. */
	start(): this {
		this.lines.length = 0;
		this.output = '';
		const child = spawn(process.execPath, [...this.nodeFlags, entry], {
			env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...this.env },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		this.child = child;
		this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
		let pending = '';
		child.stdout?.on('data', (chunk: Buffer) => {
			pending += chunk.toString();
			const parts = pending.split('\n');
			pending = parts.pop() ?? '';
			for (const part of parts) {
				this.output += `${part}\n`;
				try {
					this.lines.push(JSON.parse(part) as LogLine);
				} catch {
					// not a log line
				}
			}
		});
		child.stderr?.on('data', (chunk: Buffer) => {
			this.output += chunk.toString();
		});
		return this;
	}

	/** Whether its last word on the notifier lease is that it holds it (a notifier process that is running). */
	isActiveNotifier(): boolean {
		const words = this.lines.filter(
			(line) =>
				line.msg === 'this process is the active notifier' ||
				line.msg === 'this process is no longer the active notifier',
		);
		return this.running && words.at(-1)?.msg === 'this process is the active notifier';
	}

	/** Log lines whose message contains `text`. */
	logged(text: string): LogLine[] {
		return this.lines.filter((line) => typeof line.msg === 'string' && line.msg.includes(text));
	}

	async waitForLog(text: string, timeoutMs = 20_000, after = 0): Promise<LogLine> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const found = this.logged(text).find((line) => line.time >= after);
			if (found) return found;
			if (!this.running) throw new Error(`${this.name} exited before logging "${text}":\n${this.tail()}`);
			if (Date.now() > deadline) throw new Error(`${this.name} did not log "${text}" in time:\n${this.tail()}`);
			await new Promise((resolve) => setTimeout(resolve, 25));
		}
	}

	/** The end of what the process printed, for failure messages. */
	tail(lines = 30): string {
		return this.output.split('\n').slice(-lines).join('\n');
	}

	kill(signal: NodeJS.Signals): void {
		this.child?.kill(signal);
	}

	/** SIGTERM, and the exit code once it has exited. */
	async stop(): Promise<number | null> {
		if (!this.running) return this.child?.exitCode ?? null;
		this.child?.kill('SIGTERM');
		return this.exited;
	}

	/** SIGKILL, resolving once the process is gone. */
	async crash(): Promise<void> {
		if (!this.running) return;
		this.child?.kill('SIGKILL');
		await this.exited;
	}

	whenExited(): Promise<number | null> {
		return this.exited;
	}
}

/** Waits until `check` holds, polling every 25 ms. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}
