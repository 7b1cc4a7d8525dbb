import { randomUUID } from 'node:crypto';
import type KeyvRedis from '@keyv/redis';
import { describe, expect, it } from 'vitest';
import { openStore, redactUrl, storeKindOf, UnreadableStoredValue } from '../../src/store/keyv.ts';
import { storeBackends, useTestStores, writeRawValue } from './test-stores.ts';

describe('storeKindOf', () => {
	it('selects the adapter from the URL scheme', () => {
		expect(storeKindOf('sqlite://data/bot.sqlite')).toBe('sqlite');
		expect(storeKindOf('redis://127.0.0.1:6379')).toBe('redis');
		expect(storeKindOf('rediss://cache.example:6380')).toBe('redis');
		expect(storeKindOf('postgres://bot@db/bot')).toBe('postgres');
		expect(storeKindOf('postgresql://bot@db/bot')).toBe('postgres');
	});

	it('rejects an unknown scheme', () => {
		expect(() => storeKindOf('mysql://db/bot')).toThrow(/STORAGE_URL must start with/);
	});
});

describe('redactUrl', () => {
	it('hides the password and keeps the user and host', () => {
		expect(redactUrl('postgres://bot:s3cret@db:5432/bot')).toBe('postgres://bot:***@db:5432/bot');
		expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
	});
});

describe.each(storeBackends)('openStore on $kind', (backend) => {
	const stores = useTestStores(backend);

	it('keeps a value across a reopen', async () => {
		const store = await stores.open();
		await store.keyv.set('greeting', { text: 'hello' });
		const reopened = await stores.reopen(store);
		expect(await reopened.keyv.get('greeting')).toEqual({ text: 'hello' });
	});

	it('clear() removes its own namespace only', async () => {
		const store = await stores.open();
		const neighbour = await openStore(backend.url(), { namespace: `test-${randomUUID()}` });
		try {
			await store.keyv.set('shared-key', 'mine');
			await neighbour.keyv.set('shared-key', 'theirs');
			await store.keyv.clear();
			expect(await store.keyv.get('shared-key')).toBeUndefined();
			expect(await neighbour.keyv.get('shared-key')).toBe('theirs');
		} finally {
			await neighbour.keyv.clear();
			await neighbour.close();
		}
	});

	it('setMany and getMany round-trip in order, a missing key as undefined', async () => {
		const store = await stores.open();
		await store.keyv.setMany([
			{ key: 'a', value: { n: 1 } },
			{ key: 'b', value: { n: 2 } },
		]);
		expect(await store.keyv.getMany(['b', 'missing', 'a'])).toEqual([{ n: 2 }, undefined, { n: 1 }]);
	});

	it('setMany overwrites existing values', async () => {
		const store = await stores.open();
		await store.keyv.set('a', 'old');
		await store.keyv.setMany([{ key: 'a', value: 'new' }]);
		expect(await store.keyv.get('a')).toBe('new');
	});

	it('keeps strings that look like keyv escapes intact', async () => {
		const store = await stores.open();
		const title = ':base64:aGVsbG8= and a colon: 🎮';
		await store.keyv.set('title', { title });
		expect(await store.keyv.get('title')).toEqual({ title });
	});

	it('reads a stored value that is not JSON as UnreadableStoredValue, in get and getMany', async () => {
		const store = await stores.open();
		await writeRawValue(store, 'broken', '{"value": {"trunc');
		expect(await store.keyv.get('broken')).toBeInstanceOf(UnreadableStoredValue);
		const [value] = await store.keyv.getMany(['broken']);
		expect(value).toBeInstanceOf(UnreadableStoredValue);
	});
});

describe('openStore on redis', () => {
	const stores = useTestStores(storeBackends.find((backend) => backend.kind === 'redis')!);

	it('prefixes Redis keys with the namespace once', async () => {
		const store = await stores.open();
		await store.keyv.set('watch-guilds', ['1']);
		const client = (store.keyv.store as KeyvRedis<unknown>).client;
		expect(await client.keys(`*${stores.namespace}*`)).toEqual([`${stores.namespace}::watch-guilds`]);
	});
});

describe('openStore on postgres', () => {
	const backend = storeBackends.find((candidate) => candidate.kind === 'postgres')!;
	const stores = useTestStores(backend);

	it('closing one of two stores on the same URL leaves the other working', async () => {
		const first = await stores.open();
		const second = await stores.open();
		await first.close();
		await second.keyv.set('still', 'works');
		expect(await second.keyv.get('still')).toBe('works');
	});

	it('opens stores on two PostgreSQL URLs at once, each with its own connection pool', async () => {
		const first = await stores.open();
		// Another URL for the same database: @keyv/postgres alone would share one pool and end it for both.
		const url = backend.url();
		const second = await openStore(`${url}${url.includes('?') ? '&' : '?'}application_name=twitchbot-second`, {
			namespace: stores.namespace,
		});
		try {
			await second.keyv.set('from', 'second');
			expect(await first.keyv.get('from')).toBe('second');
		} finally {
			await second.close();
		}
		await first.keyv.set('still', 'works');
		expect(await first.keyv.get('still')).toBe('works');
	});
});

describe('openStore failures', () => {
	it('names an unreachable Redis server without echoing the password', async () => {
		const error = await openStore('redis://bot:s3cret@127.0.0.1:1').catch((caught: unknown) => caught as Error);
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).message).toMatch(/^Cannot open the redis store at redis:\/\/bot:\*\*\*@127\.0\.0\.1:1/);
		expect((error as Error).message).not.toContain('s3cret');
	});

	it('names an unreachable PostgreSQL server without echoing the password', async () => {
		const error = await openStore('postgres://bot:s3cret@127.0.0.1:1/bot').catch((caught: unknown) => caught as Error);
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).message).toMatch(
			/^Cannot open the postgres store at postgres:\/\/bot:\*\*\*@127\.0\.0\.1:1/,
		);
		expect((error as Error).message).not.toContain('s3cret');
	});
});
