/**
 * Coordination on Redis, with Redis's own primitives: a lease is `SET NX PX` of "<holder>|<fence>" where the fence
 * comes from INCR of a counter that never goes back; renew, release and every fenced write are Lua scripts that
 * check the holder and fence first (a plain DEL or SET could act on a lease someone else took since). The change
 * feed is pub/sub on a connection of its own.
 */
import type { Coordination, FencedWrite, LeaseGrant, LeaseHolding } from './coordination.ts';
import type { RedisSubscriber, StoreBackend } from './keyv.ts';
import { withDeadline } from './store-health.ts';

type RedisBackend = Extract<StoreBackend, { kind: 'redis' }>;

// KEYS[1] lease, KEYS[2] fence counter; ARGV[1] holder, ARGV[2] ttl ms.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then
	local holder, fence = string.match(current, '^(.*)|(%d+)$')
	if holder == ARGV[1] then
		redis.call('PEXPIRE', KEYS[1], ARGV[2])
		return tonumber(fence)
	end
	return -1
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
return fence`;

// KEYS[1] lease; ARGV[1] "<holder>|<fence>", ARGV[2] ttl ms.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	return 1
end
return 0`;

// KEYS[1] lease; ARGV[1] holder.
const RELEASE = `
local current = redis.call('GET', KEYS[1])
if current and string.match(current, '^(.*)|%d+$') == ARGV[1] then
	redis.call('DEL', KEYS[1])
end
return 0`;

// KEYS[1] lease, KEYS[2..] keys; ARGV[1] "<holder>|<fence>", then per key: op ('s' set, 'd' delete), value, ttl.
const FENCED_WRITE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #KEYS do
	local at = 2 + (i - 2) * 3
	if ARGV[at] == 'd' then
		redis.call('DEL', KEYS[i])
	elseif ARGV[at + 2] ~= '' then
		redis.call('SET', KEYS[i], ARGV[at + 1], 'PX', ARGV[at + 2])
	else
		redis.call('SET', KEYS[i], ARGV[at + 1])
	end
end
return 1`;

export function redisCoordination(backend: RedisBackend, deadlineMs: number): Coordination {
	const leaseKey = (name: string) => backend.keyOf(`lease:${name}`);
	const run = async <T>(what: string, work: (client: Awaited<ReturnType<RedisBackend['client']>>) => Promise<T>) =>
		withDeadline(
			backend.client().then((client) => work(client)),
			deadlineMs,
			`The redis store did not answer ${what}`,
		);
	const subscribers = new Set<RedisSubscriber>();

	return {
		feedKind: 'feed',
		async acquire(name, holder, ttlMs): Promise<LeaseGrant | null> {
			const fence = await run('a lease', (client) =>
				client.eval(ACQUIRE, {
					keys: [leaseKey(name), backend.keyOf(`lease-fence:${name}`)],
					arguments: [holder, String(Math.ceil(ttlMs))],
				}),
			);
			return Number(fence) > 0 ? { fence: Number(fence) } : null;
		},
		async renew(name, holder, fence, ttlMs) {
			const renewed = await run('a lease renewal', (client) =>
				client.eval(RENEW, { keys: [leaseKey(name)], arguments: [`${holder}|${fence}`, String(Math.ceil(ttlMs))] }),
			);
			return Number(renewed) === 1;
		},
		async release(name, holder) {
			await run('a lease release', (client) => client.eval(RELEASE, { keys: [leaseKey(name)], arguments: [holder] }));
		},
		async increment(name) {
			return Number(
				await run('a counter', (client) =>
					client.eval("return redis.call('INCR', KEYS[1])", {
						keys: [backend.keyOf(`counter:${name}`)],
						arguments: [],
					}),
				),
			);
		},
		async read(name) {
			return Number(
				(await run('a counter', (client) =>
					client.eval("return redis.call('GET', KEYS[1])", { keys: [backend.keyOf(`counter:${name}`)], arguments: [] }),
				)) ?? 0,
			);
		},
		async publish(topic, message) {
			await run('a publish', (client) => client.publish(backend.keyOf(`feed:${topic}`), message));
		},
		async subscribe(topic, onMessage) {
			const client = await run('a subscription', async (commander) => commander.duplicate());
			// A dropped connection reconnects (the client's strategy) and resubscribes; messages sent meanwhile are
			// lost, which the caller's versioned reload covers. Errors must have a listener or Node ends the process.
			client.on('error', () => {});
			subscribers.add(client);
			await withDeadline(client.connect(), deadlineMs, 'The redis store did not accept a subscription');
			await client.subscribe(backend.keyOf(`feed:${topic}`), onMessage);
			return async () => {
				subscribers.delete(client);
				await closeSubscriber(client);
			};
		},
		async writeIfHolding(lease: LeaseHolding, writes: readonly FencedWrite[]) {
			if (writes.length === 0) return true;
			const args = [`${lease.holder}|${lease.fence}`];
			for (const write of writes) {
				if (write.kind === 'delete') args.push('d', '', '');
				else args.push('s', write.value, write.ttlMs === undefined ? '' : String(Math.ceil(write.ttlMs)));
			}
			const written = await run('a write', (client) =>
				client.eval(FENCED_WRITE, {
					keys: [leaseKey(lease.name), ...writes.map((write) => backend.keyOf(write.key))],
					arguments: args,
				}),
			);
			return Number(written) === 1;
		},
		async close() {
			await Promise.all([...subscribers].map((client) => closeSubscriber(client)));
			subscribers.clear();
		},
	};
}

async function closeSubscriber(client: RedisSubscriber): Promise<void> {
	try {
		if (client.close) await client.close();
		else if (client.quit) await client.quit();
	} catch {
		client.destroy?.();
	}
}
