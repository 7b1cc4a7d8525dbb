import { request } from 'undici';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { buildInviteUrl } from '../discord/invite.ts';
import { createSilentLogger } from '../logger.ts';
import { openStore, redactUrl, sqliteFileOf } from '../store/keyv.ts';
import { TwitchClient, twitchClientOptionsFrom } from '../twitch/client.ts';
import type { Check } from './doctor-check.ts';
import { checkEventSub } from './doctor-eventsub.ts';
import { describeNoAnswer } from './network-failure.ts';
import { isMainModule } from './run-main.ts';

export type { Check };

type ConfigLoader = (scope: 'bot' | 'twitch' | 'discord') => Config;

/**
 * Checks everything the bot needs, as far as it can get: every setting, the store, the Twitch client id and secret (a
 * token of the doctor's own, minted every time, validated, client id matching, and revoked at the end), EventSub
 * (conduit, shard, subscriptions and budget; read only), and the Discord bot token (GET /users/@me). Each failed
 * check says what to fix.
 */
export async function runDoctor(load: ConfigLoader): Promise<Check[]> {
	const checks: Check[] = [];
	let full: Config | undefined;
	try {
		full = load('bot');
		checks.push({ ok: true, what: 'settings', detail: 'every required setting is present and well formed' });
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		for (const problem of error.problems)
			checks.push({ ok: false, what: 'settings', detail: `${problem} (see .env.example)` });
	}
	const twitchConfig = full ?? tryLoad(load, 'twitch');
	const discordConfig = full ?? tryLoad(load, 'discord');

	const storeUrl = (twitchConfig ?? discordConfig)?.storageUrl;
	let store: Awaited<ReturnType<typeof openStore>> | undefined;
	if (storeUrl) {
		try {
			store = await openStore(storeUrl);
			const where = store.kind === 'sqlite' ? sqliteFileOf(storeUrl) : redactUrl(storeUrl);
			checks.push({ ok: true, what: 'storage', detail: `${store.kind} store at ${where} opened` });
		} catch (error) {
			checks.push({
				ok: false,
				what: 'storage',
				detail: `${(error as Error).message}. Fix STORAGE_URL or start that server.`,
			});
		}
	}

	if (twitchConfig) {
		// No store: the token the bot keeps there would go on working with a wrong TWITCH_CLIENT_SECRET until it
		// expires (about two months), so the doctor mints a token of its own every time, and revokes it at the end.
		const twitch = new TwitchClient({
			...twitchClientOptionsFrom(twitchConfig),
			logger: createSilentLogger(),
			attempts: 2,
		});
		let twitchWorks = true;
		let mintedToken: string | undefined;
		try {
			mintedToken = await twitch.tokens.getToken();
			checks.push({
				ok: true,
				what: 'twitch secret',
				detail: 'TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET work: Twitch gave a new app access token for them',
			});
			const validation = await twitch.validateToken();
			if (validation.status === 'valid') {
				checks.push({
					ok: true,
					what: 'twitch validate',
					detail: `the token belongs to TWITCH_CLIENT_ID and is valid for ${Math.round(validation.expiresInSeconds / 86_400)} days`,
				});
			} else {
				checks.push({ ok: validation.status === 'replaced', what: 'twitch validate', detail: validation.reason });
			}
			const [user] = await twitch.getUsersByIds(['12826']);
			checks.push({
				ok: true,
				what: 'twitch helix',
				detail: `Helix answers (${user ? `found ${user.login}` : 'lookup ok'})`,
			});
		} catch (error) {
			checks.push({ ok: false, what: 'twitch', detail: (error as Error).message });
			twitchWorks = false;
		}
		try {
			if (twitchWorks) checks.push(...(await checkEventSub(twitchConfig, twitch, store)));
			else if (twitchConfig.twitchEventSub)
				checks.push({
					ok: true,
					warning: true,
					what: 'eventsub',
					detail: 'not checked: it needs the Twitch app token above',
				});
		} finally {
			if (mintedToken !== undefined) checks.push(await revokeToken(twitchConfig, mintedToken));
			await twitch.close();
		}
	}

	if (discordConfig) checks.push(...(await checkDiscord(discordConfig)));
	await store?.close();
	return checks;
}

/** POST /oauth2/revoke for the doctor's own token, so that each run leaves no token behind. */
async function revokeToken(config: Config, token: string): Promise<Check> {
	const what = 'twitch revoke';
	try {
		const response = await request(`${config.twitchAuthUrl}/revoke`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ client_id: config.twitchClientId, token }).toString(),
			headersTimeout: config.httpTimeoutMs,
			bodyTimeout: config.httpTimeoutMs,
		});
		await response.body.dump();
		if (response.statusCode === 200) return { ok: true, what, detail: "the doctor's token is revoked again" };
		return {
			ok: true,
			warning: true,
			what,
			detail: `Twitch did not revoke the doctor's token (it answered ${response.statusCode}); it expires by itself`,
		};
	} catch (error) {
		return {
			ok: true,
			warning: true,
			what,
			detail: `could not revoke the doctor's token (${(error as Error).message}); it expires by itself`,
		};
	}
}

function tryLoad(load: ConfigLoader, scope: 'twitch' | 'discord'): Config | undefined {
	try {
		return load(scope);
	} catch {
		return undefined;
	}
}

async function checkDiscord(config: Config): Promise<Check[]> {
	const checks: Check[] = [];
	const get = async (path: string) => {
		const response = await request(`${config.discordApiUrl}/v10${path}`, {
			headers: { authorization: `Bot ${config.discordToken}` },
			headersTimeout: config.httpTimeoutMs,
			bodyTimeout: config.httpTimeoutMs,
		});
		const body = (await response.body.json().catch(() => undefined)) as Record<string, unknown> | undefined;
		return { status: response.statusCode, body };
	};
	try {
		const me = await get('/users/@me');
		if (me.status === 401) {
			return [
				{
					ok: false,
					what: 'discord token',
					detail:
						'Discord rejected DISCORD_TOKEN. In the developer portal open your application → Bot → Reset Token, and put the new token in DISCORD_TOKEN.',
				},
			];
		}
		if (me.status !== 200) return [{ ok: false, what: 'discord token', detail: describeDiscordStatus(me.status) }];
		checks.push({ ok: true, what: 'discord token', detail: `logged in as ${String(me.body?.username ?? 'the bot')}` });
		const applicationId = config.discordApplicationId ?? String((await get('/applications/@me')).body?.id ?? '');
		if (!applicationId) {
			checks.push({
				ok: false,
				what: 'discord application',
				detail: 'could not read the application id; set DISCORD_APPLICATION_ID',
			});
			return checks;
		}
		const guilds = await get('/users/@me/guilds');
		const count = Array.isArray(guilds.body) ? guilds.body.length : 0;
		checks.push({
			ok: true,
			what: 'discord servers',
			detail: `${count} server${count === 1 ? '' : 's'}; invite link: ${buildInviteUrl(applicationId)}`,
		});
	} catch (error) {
		checks.push({
			ok: false,
			what: 'discord',
			detail:
				describeNoAnswer(error as Error, {
					service: 'Discord',
					url: config.discordApiUrl,
					setting: 'DISCORD_API_URL',
					timeoutMs: config.httpTimeoutMs,
				}) ?? `cannot reach Discord at ${config.discordApiUrl}: ${(error as Error).message}`,
		});
	}
	return checks;
}

/** An answer to GET /users/@me other than 200 or 401, in words. */
function describeDiscordStatus(status: number): string {
	if (status === 429)
		return 'Discord is rate limiting this machine (429 Too Many Requests): wait a minute and run it again.';
	if (status >= 500)
		return `Discord is having trouble (it answered ${status} to the token check): try again later; https://discordstatus.com says more.`;
	return `Discord refused the token check with ${status}: DISCORD_TOKEN may be wrong; copy a new one from the developer portal (your application → Bot → Reset Token).`;
}

/** Renders the report: a ✓, ! or ✗ line per check and a last line saying whether the bot can start. */
export function formatChecks(checks: readonly Check[]): string {
	const lines = checks.map((check) => `${check.ok ? (check.warning ? '!' : '✓') : '✗'} ${check.what}: ${check.detail}`);
	const failed = checks.filter((check) => !check.ok).length;
	const warnings = checks.filter((check) => check.ok && check.warning).length;
	const worthALook = warnings === 0 ? '' : ` (${warnings} warning${warnings === 1 ? '' : 's'} above, marked !)`;
	lines.push(
		failed === 0
			? `\nAll checks passed${worthALook}: \`npm start\` is ready to go.`
			: `\n${failed} problem${failed === 1 ? '' : 's'} to fix before the bot can run.`,
	);
	return lines.join('\n');
}

if (isMainModule(import.meta.url)) {
	runDoctor((scope) => loadConfig(scope, { tool: 'doctor' })).then(
		(checks) => {
			console.log(formatChecks(checks));
			process.exitCode = checks.every((check) => check.ok) ? 0 : 1;
		},
		(error: unknown) => {
			console.error(`doctor failed: ${(error as Error).message}`);
			process.exitCode = 1;
		},
	);
}
