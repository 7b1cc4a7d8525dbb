import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import { createSilentLogger } from '../logger.ts';
import { openStore } from '../store/keyv.ts';
import { TwitchClient, twitchClientOptionsFrom } from '../twitch/client.ts';
import { TwitchError } from '../twitch/errors.ts';
import { isMainModule } from './run-main.ts';

const USAGE = `Usage: npm run twitch -- <verb> [arguments] [--json]

  validate                       mint (or reuse) the app token and validate it with Twitch
  users <login...>               profiles of one or more channels
  live <login...>                which of these channels are live, with title, game and viewers
  top-games [--first N]          the current top categories (default 10)
  search <query> [--live-only]   search channels by name
  help, --help, -h               this text

Reads the same settings as the bot (.env or the environment): TWITCH_CLIENT_ID, TWITCH_CLIENT_SECRET,
TWITCH_API_URL, TWITCH_AUTH_URL, STORAGE_URL.`;

const VERBS = ['validate', 'users', 'live', 'top-games', 'search'];

type Output = { json: unknown; text: string };

/** A command line the tool cannot run (unknown verb or option, missing argument): exit code 2, with the usage. */
export class UsageError extends UserError {}

/** Runs one CLI verb with a ready client; returns what to print (human text or JSON). */
export async function runTwitchVerb(
	twitch: TwitchClient,
	verb: string,
	args: string[],
	options: { first?: number; liveOnly?: boolean },
): Promise<Output> {
	switch (verb) {
		case 'validate': {
			const result = await twitch.validateToken();
			const text =
				result.status === 'valid'
					? `Token valid for client ${result.clientId}; expires in ${formatDuration(result.expiresInSeconds)}.`
					: result.status === 'replaced'
						? `Token was replaced: ${result.reason}.`
						: `Token could not be validated: ${result.reason}.`;
			return { json: result, text };
		}
		case 'users': {
			requireArgs(args, 'at least one login');
			const users = await twitch.getUsersByLogins(args);
			const found = new Set(users.map((u) => u.login));
			const missing = args.map((a) => a.toLowerCase().replace(/^@/, '')).filter((a) => !found.has(a));
			const lines = users.map(
				(u) =>
					`${u.displayName} (${u.login}) id ${u.id}${u.broadcasterType ? `, ${u.broadcasterType}` : ''}, created ${u.createdAt.slice(0, 10)}`,
			);
			for (const login of missing) lines.push(`${login}: no such channel`);
			return { json: { users, missing }, text: lines.join('\n') };
		}
		case 'live': {
			requireArgs(args, 'at least one login');
			const streams = await twitch.getStreamsByLogins(args);
			const live = new Map(streams.map((s) => [s.userLogin.toLowerCase(), s]));
			const lines = args.map((arg) => {
				const login = arg.toLowerCase().replace(/^@/, '');
				const stream = live.get(login);
				return stream
					? `${stream.userName}: LIVE — ${stream.title} [${stream.gameName || 'no category'}] ${stream.viewerCount} viewers since ${stream.startedAt}`
					: `${login}: offline`;
			});
			return { json: { streams }, text: lines.join('\n') };
		}
		case 'top-games': {
			const games = await twitch.getTopGames(options.first ?? 10);
			return {
				json: { games },
				text: games.map((g, i) => `${String(i + 1).padStart(3)}. ${g.name} (id ${g.id})`).join('\n'),
			};
		}
		case 'search': {
			requireArgs(args, 'a query');
			const results = await twitch.searchChannels(args.join(' '), { liveOnly: options.liveOnly ?? false, count: 20 });
			const text = results.length
				? results.map((r) => `${r.displayName} (${r.login})${r.isLive ? ` LIVE: ${r.title}` : ''}`).join('\n')
				: 'No channels found.';
			return { json: { results }, text };
		}
		default:
			throw new UsageError(`Unknown verb “${verb}”.\n\n${USAGE}`);
	}
}

function requireArgs(args: string[], what: string): void {
	if (args.length === 0) throw new UsageError(`This verb needs ${what}.\n\n${USAGE}`);
}

function formatDuration(seconds: number): string {
	const days = Math.floor(seconds / 86_400);
	const hours = Math.floor((seconds % 86_400) / 3600);
	return days > 0 ? `${days} d ${hours} h` : `${hours} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** `npm run twitch`: the exit code is 0 done (or help shown), 1 failed, 2 a command line it cannot run. */
async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
	let parsed: ReturnType<typeof parseCommandLine>;
	try {
		parsed = parseCommandLine(argv);
	} catch (error) {
		// node:util's parseArgs says what is wrong in its first sentence ("Unknown option '--frist'."), then gives
		// advice about '--' that does not apply here; the usage says what is right.
		const [whatIsWrong] = (error as Error).message.split(/(?<=\.) /);
		console.error(`${whatIsWrong}\n\n${USAGE}`);
		return 2;
	}
	const { values, positionals } = parsed;
	const [verb, ...args] = positionals;
	if (values.help || verb === 'help') {
		console.log(USAGE);
		return 0;
	}
	if (!verb) {
		console.error(USAGE);
		return 2;
	}
	if (!VERBS.includes(verb)) {
		console.error(`Unknown verb “${verb}”.\n\n${USAGE}`);
		return 2;
	}
	const first = values.first === undefined ? undefined : Number(values.first);
	if (first !== undefined && !(Number.isInteger(first) && first >= 1 && first <= 500)) {
		console.error('--first must be a whole number from 1 to 500');
		return 2;
	}
	const config = loadConfig('twitch', { tool: 'twitch' });
	const store = await openStore(config.storageUrl);
	const twitch = new TwitchClient({
		...twitchClientOptionsFrom(config),
		store: store.keyv,
		logger: createSilentLogger(),
	});
	try {
		const output = await runTwitchVerb(twitch, verb, args, {
			...(first === undefined ? {} : { first }),
			liveOnly: values['live-only'],
		});
		console.log(values.json ? JSON.stringify(output.json, null, 2) : output.text);
		return 0;
	} finally {
		await twitch.close();
		await store.close();
	}
}

function parseCommandLine(argv: string[]) {
	return parseArgs({
		args: argv,
		allowPositionals: true,
		options: {
			json: { type: 'boolean', default: false },
			first: { type: 'string' },
			'live-only': { type: 'boolean', default: false },
			help: { type: 'boolean', short: 'h', default: false },
		},
	});
}

if (isMainModule(import.meta.url)) {
	main().then(
		(code) => {
			process.exitCode = code;
		},
		(error: unknown) => {
			// Expected problems get their message alone; nothing here ever prints a token or secret.
			if (error instanceof ConfigError || error instanceof UserError || error instanceof TwitchError) {
				console.error(error.message);
			} else {
				console.error(`Unexpected error: ${(error as Error).message}`);
			}
			process.exitCode = error instanceof UsageError ? 2 : 1;
		},
	);
}
