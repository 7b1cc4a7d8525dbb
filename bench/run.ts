import { startFakeTwitch } from '../test/fakes/twitch/index.ts';
import { benchEventSub } from './eventsub.ts';
import { benchHelix, type HelixBenchRow } from './helix.ts';
import { benchNotifier } from './notifier.ts';
import { benchPollSchedule } from './poll-schedule.ts';

/**
 * `npm run bench`: every figure is measured here, against the local fakes on 127.0.0.1, on this machine.
 * Twitch's bucket is modelled as the real one (800 points, refilled over a minute).
 */
async function main(): Promise<void> {
	const fake = await startFakeTwitch({ rateLimit: { limit: 800, refillPerSecond: 800 / 60 } });
	// 30% live: more than 20 live channels per 100 logins, so a lookup that relies on Twitch's default page size
	// of 20 visibly misses some.
	const { logins } = fake.seedBulk({ users: 10_000, liveFraction: 0.3, loginPrefix: 'bench_' });
	console.log(`Helix client benchmark — fake Twitch on ${fake.origin}, Node ${process.version}\n`);
	const rows = await benchHelix(fake, logins);
	await fake.close();
	console.log(formatHelixTable(rows));

	console.log('\nGo-live notifier — 10,000 watched channels across 1,000 guilds, 10% live, SQLite store\n');
	const n = await benchNotifier();
	const table: Array<[string, string]> = [
		['watched channels / guilds / live', `${n.watched} / ${n.guilds} / ${n.live}`],
		['Helix requests per cycle', String(n.helixRequestsPerCycle)],
		['steady cycle wall time (median of 5)', `${n.cycleWallMs.toFixed(0)} ms`],
		['steady cycle CPU time (median of 5)', `${n.cycleCpuMs.toFixed(0)} ms`],
		['first cycle: go-lives decided and posted', `${n.postsInFirstCycle} posts in ${n.firstCycleWallMs.toFixed(0)} ms`],
		['live in Twitch → post received (cycle run at once)', `${n.liveToPostMs.toFixed(0)} ms`],
		['peak RSS of the notifier process', `${n.peakRssMb.toFixed(0)} MB`],
	];
	const width = Math.max(...table.map(([k]) => k.length));
	console.log(table.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`).join('\n'));

	console.log(
		'\nPolling under the real bucket (800/min, 70% for polling, 60 s interval, 10,000 covered by EventSub)\n',
	);
	for (const channels of [100_000, 200_000]) {
		const p = benchPollSchedule(channels);
		console.log(
			`| ${channels.toLocaleString('en')} channels | ${p.requestsPerCycle} requests a cycle | worst wait ${(p.worstUncoveredMs / 60_000).toFixed(0)} min (not covered), ${(p.worstMs / 60_000).toFixed(0)} min (any) |`,
		);
	}

	console.log('\nGo-live → post through EventSub (stream.online over the conduit WebSocket, Get Streams lagging)\n');
	const e = await benchEventSub();
	console.log(
		`| go-lives | ${e.goLives} |\n| p50 | ${e.p50Ms.toFixed(0)} ms |\n| p99 | ${e.p99Ms.toFixed(0)} ms |\n| max | ${e.maxMs.toFixed(0)} ms |`,
	);
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
