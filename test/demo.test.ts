import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `node scripts/demo.ts` straight through, its chart copy in `outputDir`: exit code and everything printed. */
function runDemo(outputDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
	const child = spawn(process.execPath, ['scripts/demo.ts'], {
		cwd: ROOT,
		env: { ...process.env, NO_COLOR: '1', DEMO_PAUSE_MS: '0', DEMO_VERBOSE: '', DEMO_OUTPUT_DIR: outputDir },
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** The lines of one numbered step of the story, found by its title. */
function stepOf(out: string, title: string): string {
	const start = out.search(new RegExp(`── \\d+\\. ${title}`));
	if (start < 0) throw new Error(`no step “${title}” in:\n${out}`);
	const next = out.indexOf('\n── ', start + 1);
	return out.slice(start, next < 0 ? undefined : next);
}

describe('npm run demo', () => {
	let outputDir: string;
	let result: Awaited<ReturnType<typeof runDemo>>;
	beforeAll(async () => {
		outputDir = mkdtempSync(join(tmpdir(), 'twitch-bot-demo-'));
		result = await runDemo(outputDir);
	}, 60_000);
	afterAll(() => rmSync(outputDir, { recursive: true, force: true }));

	it('tells the whole story and ends by itself with exit code 0', () => {
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('That is the whole story.');
	});

	it('ends the stream with the summary fields and leaves a copy of the 800×300 viewer chart where it says', () => {
		const ended = stepOf(result.stdout, 'The stream ends');
		expect(ended).toContain('PixelPaws was live for 2 h 25 min.');
		expect(ended).toMatch(/Duration: 2 h 25 min {3}Peak viewers: [\d,]+ at \d\d:\d\d {3}Average viewers: [\d,]+/);
		expect(ended).toMatch(/Categories:\n.*Celeste · 41 min\n.*Hollow Knight · 1 h 44 min/);
		expect(ended).toMatch(/Titles:\n.*Celeste any% — road to sub-30.*\n.*Sub-30 done! Now some Hollow Knight/);
		expect(ended).toContain('[picture] viewers.png, a file attached to the message');

		const path = join(outputDir, 'viewers.png');
		expect(ended).toContain(`The chart of the`);
		expect(ended).toContain('is attached to the post (viewers.png, 800×300 PNG);');
		expect(ended).toContain(`a copy is at ${path}`);
		const png = PNG.sync.read(readFileSync(path));
		expect([png.width, png.height]).toEqual([800, 300]);
		// The copy outlives the demo's clean-up.
		expect(result.stdout).toContain(`The copy of the viewer chart stays: ${path}`);
	});

	it('announces the most watched Celeste streams of a category watch and sums up the rest in one line', () => {
		const added = stepOf(result.stdout, 'An admin watches a whole category');
		expect(added).toContain('/watch category game:Celeste min-viewers:10 post-in:#celeste-live');
		expect(added).toContain('sends the bot “id:504461”');
		expect(added).toContain('Watching live streams in Celeste');

		const live = stepOf(result.stdout, 'Eight channels nobody watches by name go live in Celeste');
		expect(live.match(/#celeste-live {2}Fake Bot posts/g)).toHaveLength(6);
		for (const name of ['BerryBlue', 'SummitSeeker', 'DashQueen', 'StrawberryJam', 'MountainMods']) {
			expect(live).toContain(`${name} is live:`);
		}
		expect(live).toMatch(/…and 2 more channels live in Celeste: CoreBlock .*\(45\), FeatherDash .*\(12\)/);
		expect(live).toContain('TinyClimber (4 viewers): under min-viewers 10, so not announced');
		expect(live).not.toMatch(/TinyClimber is live|tinyclimber\)/);

		const list = stepOf(result.stdout, 'The admin checks the watches');
		expect(list).toContain('Whole categories: 1 of 10');
		expect(list).toContain('Celeste · any language · ≥ 10 viewers · → #celeste-live');
	});
});
