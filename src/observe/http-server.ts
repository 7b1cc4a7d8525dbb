/**
 * The operator's HTTP endpoints (HTTP_PORT): /healthz (the process and its event loop answer), /readyz (200 when this
 * process does its job, 503 with the reasons when not) and /metrics (Prometheus text format). node:http is enough:
 * three GET routes, no body to parse.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.ts';

export interface OpsServerOptions {
	host: string;
	port: number;
	logger: Logger;
	/** The reasons this process is not ready (none: ready). */
	readiness: () => Promise<string[]>;
	metrics: () => Promise<{ contentType: string; body: string }>;
	/** Removes secrets from text before it is sent (a store error may quote its URL). */
	redact: (text: string) => string;
}

export interface OpsServer {
	/** The address it listens on (the port chosen when HTTP_PORT was 0). */
	readonly url: string;
	close(): Promise<void>;
}

/** A readiness check still running after this long counts as a reason: a probe must answer fast. */
const READINESS_DEADLINE_MS = 3_000;

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
	const { logger } = options;
	const server: Server = createServer((request, response) => {
		const path = (request.url ?? '/').split('?')[0];
		if (request.method !== 'GET' && request.method !== 'HEAD') {
			response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
			return;
		}
		const send = (status: number, contentType: string, body: string) => {
			response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
			response.end(request.method === 'HEAD' ? undefined : body);
		};
		const fail = (error: unknown) => {
			logger.error({ err: error, path }, 'an ops endpoint failed');
			send(500, 'text/plain; charset=utf-8', 'internal error\n');
		};
		switch (path) {
			case '/healthz':
				// Answering at all is the check: a blocked event loop answers nothing, and the probe times out.
				send(200, 'text/plain; charset=utf-8', 'ok\n');
				return;
			case '/readyz':
				withDeadline(options.readiness(), READINESS_DEADLINE_MS).then((reasons) => {
					if (reasons.length === 0) send(200, 'text/plain; charset=utf-8', 'ready\n');
					else
						send(
							503,
							'text/plain; charset=utf-8',
							`not ready:\n${reasons.map((r) => `- ${options.redact(r)}\n`).join('')}`,
						);
				}, fail);
				return;
			case '/metrics':
				options.metrics().then(({ contentType, body }) => send(200, contentType, body), fail);
				return;
			default:
				send(404, 'text/plain; charset=utf-8', 'not found: try /healthz, /readyz or /metrics\n');
		}
	});
	// A probe never keeps the process alive or a connection open past shutdown.
	server.keepAliveTimeout = 5_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host, () => {
			server.off('error', reject);
			resolve();
		});
	}).catch((error: NodeJS.ErrnoException) => {
		const what =
			error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be opened (${error.code ?? error.message})`;
		throw new Error(
			`HTTP_PORT ${options.port} on ${options.host} ${what}: choose another port, or leave HTTP_PORT unset to run without the health and metrics endpoints`,
		);
	});
	server.on('error', (error) => logger.error({ err: error }, 'the health and metrics server failed'));
	const address = server.address() as AddressInfo;
	const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
	return {
		url: `http://${host}:${address.port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

/** Resolves with `work`'s reasons, or with one reason when it takes longer than `ms`. */
async function withDeadline(work: Promise<string[]>, ms: number): Promise<string[]> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<string[]>((resolve) => {
		timer = setTimeout(() => resolve([`the readiness checks did not finish within ${ms / 1000} s`]), ms);
	});
	try {
		return await Promise.race([work, late]);
	} finally {
		clearTimeout(timer);
	}
}
