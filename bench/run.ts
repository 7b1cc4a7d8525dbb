import { startFakeTwitch } from '../test/fakes/twitch/index.ts';
import { benchCategoryWatches } from './category-watches.ts';
import { benchEventSub } from './eventsub.ts';
import { benchGatewayMemory } from './gateway.ts';
import { benchHelix, type HelixBenchRow } from './helix.ts';
import { benchNotifier, benchNotifierMemory, type NotifierMemoryResult } from './notifier.ts';
import { benchPollSchedule } from './poll-schedule.ts';
import { benchTakeover } from './takeover.ts';
import { viewerChartReport } from './viewer-chart.ts';

/** The parts of the benchmark, in the order `npm run bench` runs them. */
const SECTIONS = [
	'helix',
	'notifier',
	'memory',
	'schedule',
	'eventsub',
	'gateway',
	'takeover',
	'chart',
	'categories',
] as const;
type Section = (typeof SECTIONS)[number];

/** Watched channels of the memory run, unless the command line names others. */
const MEMORY_CHANNELS = [10_000, 100_000];

/**
 * `npm run bench`: every figure is measured here, against the local fakes on 127.0.0.1, on this machine.
 * Twitch's bucket is modelled as the real one (800 points, refilled over a minute).
 *
 * `node bench/run.ts <section…> [channels…]` (after `npm run build`) runs only the sections named, e.g.
 * `node bench/run.ts memory 100000` for the memory run at 100,000 channels alone.
 */
async function main(): Promise<void> {
	const args = process.argv.slice(2);
	const unknown = args.filter((arg) => !/^\d+$/.test(arg) && !SECTIONS.includes(arg as Section));
	if (unknown.length > 0) throw new Error(`unknown bench section ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
	const named = args.filter((arg): arg is Section => SECTIONS.includes(arg as Section));
	const sizes = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
	const runs = (section: Section) => named.length === 0 || named.includes(section);

	if (runs('helix')) await runHelix();
	if (runs('notifier')) await runNotifier();
	if (runs('memory')) await runMemory(sizes.length > 0 ? sizes : MEMORY_CHANNELS);
	if (runs('schedule')) runSchedule();
	if (runs('eventsub')) await runEventSub();
	if (runs('gateway')) await runGateway();
	if (runs('takeover')) await runTakeover();
	if (runs('chart')) console.log(await viewerChartReport());
	if (runs('categories')) await runCategories();
}

async function runCategories(): Promise<void> {
	const r = await benchCategoryWatches();
	console.log(
		`\nCategory watches — ${r.watches} watches over ${r.categories} categories (${r.pairs} category/language pairs), ` +
			`${r.liveStreams.toLocaleString('en')} live streams, ${r.cycles} cycles\n`,
	);
	printTable(
		[
			['Get Streams by category per cycle (shared by the guilds of a pair)', String(r.categoryRequestsPerCycle)],
			['Get Streams by user id per cycle (followed channels not in their list)', String(r.userRequestsPerCycle)],
			['the same watches polled each on its own, per cycle', String(r.unsharedRequestsPerCycle)],
			['first cycle: posts / flood-guard lines', `${r.firstCyclePosts} / ${r.firstCycleSummaries}`],
			[`posts over the next ${r.cycles - 1} cycles (20 go-lives each)`, String(r.laterPosts)],
			['cycle wall time (median)', `${r.cycleWallMs.toFixed(0)} ms`],
		],
		{ header: false },
	);
}

async function runGateway(): Promise<void> {
	console.log('\nGateway process (BOT_ROLES=gateway, one shard) — RSS once ready, servers of 5 channels and 3 roles\n');
	const rows = [['servers', 'RSS']];
	for (const guilds of [100, 2_500]) {
		const result = await benchGatewayMemory(guilds, 1);
		rows.push([String(guilds), `${result.rssMb.toFixed(0)} MB`]);
	}
	printTable(rows, { header: true });
}

/** Takeover after SIGKILL of the active notifier, 10 runs on each store, the default 15 s lease. */
async function runTakeover(): Promise<void> {
	console.log('\nNotifier takeover after SIGKILL of the active one (two notifier processes, 15 s lease, 10 runs)\n');
	const rows = [['store', 'standby holds the lease (p50 / max)', 'go-live made at the kill posted (p50 / max)']];
	const median = (values: number[]) => values[Math.floor((values.length - 1) / 2)] ?? Number.NaN;
	const seconds = (values: number[]) =>
		`${(median(values) / 1000).toFixed(1)} s / ${((values.at(-1) ?? Number.NaN) / 1000).toFixed(1)} s`;
	for (const store of ['redis', 'postgres'] as const) {
		const result = await benchTakeover({ store, runs: 10 });
		rows.push([store, seconds(result.leaseTakenMs), seconds(result.postedMs)]);
	}
	printTable(rows, { header: true });
}

async function runHelix(): Promise<void> {
	const fake = await startFakeTwitch({ rateLimit: { limit: 800, refillPerSecond: 800 / 60 } });
	// 30% live: more than 20 live channels per 100 logins, so a lookup that relies on Twitch's default page size
	// of 20 visibly misses some.
	const { logins } = fake.seedBulk({ users: 10_000, liveFraction: 0.3, loginPrefix: 'bench_' });
	console.log(`Helix client benchmark — fake Twitch on ${fake.origin}, Node ${process.version}\n`);
	const rows = await benchHelix(fake, logins);
	await fake.close();
	console.log(formatHelixTable(rows));
}

async function runNotifier(): Promise<void> {
	console.log('\nGo-live notifier — 10,000 watched channels across 1,000 guilds, 10% live, SQLite store\n');
	const n = await benchNotifier();
	printTable([
		['watched channels / guilds / live', `${n.watched} / ${n.guilds} / ${n.live}`],
		['Helix requests per cycle', String(n.helixRequestsPerCycle)],
		['steady cycle wall time (median of 5)', `${n.cycleWallMs.toFixed(0)} ms`],
		['steady cycle CPU time (median of 5)', `${n.cycleCpuMs.toFixed(0)} ms`],
		['first cycle: go-lives decided and posted', `${n.postsInFirstCycle} posts in ${n.firstCycleWallMs.toFixed(0)} ms`],
		['live in Twitch → post received (cycle run at once)', `${n.liveToPostMs.toFixed(0)} ms`],
		['peak RSS of the notifier process', `${n.peakRssMb.toFixed(0)} MB`],
	]);
}

async function runMemory(sizes: readonly number[]): Promise<void> {
	console.log(
		'\nNotifier memory — 40 back-to-back cycles, 10 channels per guild, 10% live; before each cycle after the first, 0.1% go live, 0.1% end and the viewer counts change\n',
	);
	const results: NotifierMemoryResult[] = [];
	for (const channels of sizes) {
		const m = await benchNotifierMemory(channels);
		results.push(m);
		if (process.env.BENCH_DEBUG) console.error(m);
	}
	const mb = (value: number) => `${value.toFixed(0)} MB`;
	const header = ['watched channels', ...results.map((m) => m.watched.toLocaleString('en'))];
	const rows: string[][] = [
		['guilds / live at start', ...results.map((m) => `${m.guilds} / ${m.live}`)],
		['posts (first cycle, then churn)', ...results.map((m) => String(m.posts))],
		['RSS, modules loaded (no data)', ...results.map((m) => mb(m.modules.rssMb))],
		['RSS, watches and states loaded', ...results.map((m) => mb(m.loaded.rssMb))],
		['RSS after the first cycle', ...results.map((m) => mb(m.afterFirstCycle.rssMb))],
		['**peak RSS**', ...results.map((m) => mb(m.peakRssMb))],
		['**steady RSS** (median after cycles 31–40)', ...results.map((m) => mb(m.steadyRssMb))],
		['heap used, steady / peak', ...results.map((m) => `${mb(m.steadyHeapUsedMb)} / ${mb(m.peakHeapUsedMb)}`)],
		[
			'cycle wall time, first / median of the rest',
			...results.map((m) => `${m.firstCycleWallMs.toFixed(0)} ms / ${m.cycleWallMs.toFixed(0)} ms`),
		],
		['seeding the store', ...results.map((m) => `${m.setupMs.seedMs.toFixed(0)} ms`)],
	];
	printTable([header, ...rows], { header: true });
}

function runSchedule(): void {
	console.log(
		'\nPolling under the real bucket (800/min, 70% for polling, 60 s interval, 10,000 covered by EventSub)\n',
	);
	for (const channels of [100_000, 200_000]) {
		const p = benchPollSchedule(channels);
		console.log(
			`| ${channels.toLocaleString('en')} channels | ${p.requestsPerCycle} requests a cycle | worst wait ${(p.worstUncoveredMs / 60_000).toFixed(0)} min (not covered), ${(p.worstMs / 60_000).toFixed(0)} min (any) |`,
		);
	}
}

async function runEventSub(): Promise<void> {
	console.log('\nGo-live → post through EventSub (stream.online over the conduit WebSocket, Get Streams lagging)\n');
	const e = await benchEventSub();
	console.log(
		`| go-lives | ${e.goLives} |\n| p50 | ${e.p50Ms.toFixed(0)} ms |\n| p99 | ${e.p99Ms.toFixed(0)} ms |\n| max | ${e.maxMs.toFixed(0)} ms |`,
	);
}

/** A Markdown table, columns padded; with `header`, the first row is its header. */
function printTable(rows: ReadonlyArray<readonly string[]>, options: { header?: boolean } = {}): void {
	const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
	const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
	const lines = rows.map(line);
	if (options.header) lines.splice(1, 0, `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
	console.log(lines.join('\n'));
}

function formatHelixTable(rows: readonly HelixBenchRow[]): string {
	const header = ['scenario', 'client', 'HTTP requests', 'wall time', 'vs floor', 'found'];
	const body = rows.map((row) => {
		const floor = rows.find((r) => r.scenario === row.scenario && r.client.startsWith('bare'));
		const ratio = floor && floor.wallMs > 0 ? `${(row.wallMs / floor.wallMs).toFixed(2)}×` : '';
		return [row.scenario, row.client, String(row.requests), `${row.wallMs.toFixed(0)} ms`, ratio, String(row.found)];
	});
	const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
	return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

await main();
