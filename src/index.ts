import { StartupError, startBot } from './bot.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { credentialsOf } from './store/keyv.ts';

/** `npm start`: read the settings, start the bot, and stop cleanly on SIGINT/SIGTERM (exit 0). */
async function main(): Promise<void> {
	let config: ReturnType<typeof loadConfig>;
	try {
		config = loadConfig('bot');
	} catch (error) {
		if (error instanceof ConfigError) {
			console.error(error.message);
			process.exit(1);
		}
		throw error;
	}
	const logger = createLogger({
		level: config.logLevel,
		format: config.logFormat,
		secrets: [config.discordToken, config.twitchClientSecret, ...credentialsOf(config.storageUrl)],
	});
	process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

	// Signals are taken from the start: a SIGTERM during start-up stops the bot as soon as it is up.
	let bot: Awaited<ReturnType<typeof startBot>> | undefined;
	let stopRequested = false;
	const stopAndExit = () => {
		// The last resort if stopping itself hangs: SIGTERM must end the process within 8 s.
		setTimeout(() => {
			logger.warn('shutdown took too long; exiting now (the next start takes up what was left)');
			logger.flush?.();
			process.exit(0);
		}, 8_000).unref();
		bot?.stop().then(
			() => process.exit(0),
			(error: unknown) => {
				logger.error({ err: error }, 'error while shutting down');
				process.exit(1);
			},
		);
	};
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			logger.info({ signal }, 'signal received');
			stopRequested = true;
			stopAndExit();
		});
	}

	try {
		bot = await startBot({ config, logger });
	} catch (error) {
		if (error instanceof StartupError) {
			// Once: in the log, and on stderr as well only when a person sees stderr but not the log.
			logger.fatal(error.message);
			if (!process.stdout.isTTY && process.stderr.isTTY) console.error(error.message);
		} else {
			logger.fatal({ err: error }, 'the bot could not start');
		}
		logger.flush?.();
		process.exit(1);
	}
	if (stopRequested) stopAndExit();
}

await main();
