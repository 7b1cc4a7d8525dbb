/**
 * The parts of `npm run demo` about the stream summary card (issue 11): stretches of a stream fast-forwarded one
 * poll at a time while its viewer count moves (each poll is where the bot takes its viewer samples), and the copy
 * of the viewer chart the end edit attached, written where the reader can open it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_FILENAME } from '../src/notify/summary-card.ts';
import { projectFolder } from '../src/project-folder.ts';
import { formatCount } from '../src/views/quantities.ts';
import type { FakeMessage } from '../test/fakes/discord/index.ts';
import type { Stage } from './demo-stage.ts';

/** The demo's poll interval while it fast-forwards: the bot's sampling step for a stream's first 2 hours. */
export const FAST_FORWARD_STEP_MS = 2 * 60_000;

/** Where the demo leaves what it made for the reader to open (DEMO_OUTPUT_DIR, else demo-output/ of the project). */
export function demoOutputFolder(): string {
	return process.env.DEMO_OUTPUT_DIR || join(projectFolder(), 'demo-output');
}

/** A viewer count that moves like a real one: along `points` ([minute, viewers], in order), give or take 4%. */
export function viewerCurve(points: ReadonlyArray<readonly [number, number]>): (minute: number) => number {
	return (minute) => {
		const after = points.findIndex(([at]) => at >= minute);
		const [toMinute, toViewers] = points[after === -1 ? points.length - 1 : after] ?? [minute, 0];
		const [fromMinute, fromViewers] = points[Math.max(0, after - 1)] ?? [toMinute, toViewers];
		const share = toMinute > fromMinute ? Math.min(1, Math.max(0, (minute - fromMinute) / (toMinute - fromMinute))) : 1;
		const wobble = 1 + 0.04 * Math.sin(minute * 1.7) * Math.cos(minute * 0.6);
		return Math.max(0, Math.round((fromViewers + (toViewers - fromViewers) * share) * wobble));
	};
}

export interface FastForward {
	polls: number;
	/** The viewer count Twitch reported at each poll. */
	viewers: number[];
}

/**
 * `polls` poll cycles FAST_FORWARD_STEP_MS apart on the shared clock, the streamer's viewer count set before each
 * from `viewersAt` (minutes since `startedAt`). Nothing is told: the caller sums it up and shows what Discord saw.
 */
export async function fastForwardStream(
	stage: Stage,
	streamer: { id: string },
	startedAt: number,
	polls: number,
	viewersAt: (minute: number) => number,
): Promise<FastForward> {
	const viewers: number[] = [];
	for (let poll = 0; poll < polls; poll++) {
		stage.clock.advance(FAST_FORWARD_STEP_MS);
		const count = viewersAt((stage.clock.now() - startedAt) / 60_000);
		stage.world.twitch.updateStream(streamer.id, { viewer_count: count });
		viewers.push(count);
		await stage.runQuietCycle();
	}
	return { polls, viewers };
}

/** The viewer counts of a fast-forward in a few words: "352 → 1,240 (the peak) → 410". */
export function describeViewers(viewers: readonly number[]): string {
	const first = viewers[0] ?? 0;
	const last = viewers.at(-1) ?? 0;
	const peak = Math.max(...viewers);
	const middle = peak > first && peak > last ? ` → ${formatCount(peak)} (the peak)` : '';
	return `${formatCount(first)}${middle} → ${formatCount(last)}`;
}

/** The size a PNG says it is (its IHDR chunk); null when `bytes` is not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } | null {
	const signature = '89504e470d0a1a0a';
	if (bytes.length < 24 || bytes.subarray(0, 8).toString('hex') !== signature) return null;
	if (bytes.subarray(12, 16).toString('latin1') !== 'IHDR') return null;
	return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/**
 * Copies the viewer chart attached to `post` into the demo's output folder; returns where it is and its size. Fails
 * the demo when the post has no chart, or the file is no PNG.
 */
export function saveChart(stage: Stage, post: FakeMessage): { path: string; width: number; height: number } {
	const bytes = stage.world.discord.attachmentBytes(post.id, CHART_FILENAME);
	const size = pngSize(bytes);
	if (!size) throw new Error(`the ${CHART_FILENAME} attached to the end edit is not a PNG`);
	const folder = demoOutputFolder();
	mkdirSync(folder, { recursive: true });
	const path = join(folder, CHART_FILENAME);
	writeFileSync(path, bytes);
	return { path, ...size };
}
