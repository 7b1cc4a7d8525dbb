import { describe, expect, it, vi } from 'vitest';
import { UnreadableStoredValue } from '../../src/store/keyv.ts';
import {
	announcementNonce,
	announcementSchema,
	CorruptRecordError,
	defaultGuildSettings,
	guildSettingsSchema,
	parseStoredList,
	parseStoredRecord,
	watchSchema,
} from '../../src/store/records.ts';
import { makeAnnouncement, makeWatch } from '../support/fixtures.ts';

describe('announcementNonce', () => {
	it('is deterministic for one stream and channel', () => {
		expect(announcementNonce('40123456789', '300000000000000001')).toBe(
			announcementNonce('40123456789', '300000000000000001'),
		);
	});

	it('fits Discord’s 25-character nonce limit', () => {
		for (let index = 0; index < 1_000; index += 1) {
			expect(announcementNonce(`4${index}`.padEnd(12, '7'), `3${index}`.padEnd(19, '9')).length).toBeLessThanOrEqual(
				25,
			);
		}
	});

	it('differs per channel and per stream', () => {
		const nonce = announcementNonce('40123456789', '300000000000000001');
		expect(announcementNonce('40123456789', '300000000000000002')).not.toBe(nonce);
		expect(announcementNonce('40123456780', '300000000000000001')).not.toBe(nonce);
	});

	it('does not confuse the boundary between stream id and channel id', () => {
		expect(announcementNonce('401', '23')).not.toBe(announcementNonce('40', '123'));
	});
});

describe('announcementSchema', () => {
	it('reads a record with the fence of the lease that wrote it, and an older one without', () => {
		const older = makeAnnouncement('40123456789', '300000000000000001');
		expect(announcementSchema.parse(older)).toEqual(older);
		expect(announcementSchema.parse({ ...older, fence: 0 }).fence).toBe(0);
		expect(announcementSchema.parse({ ...older, fence: 12 }).fence).toBe(12);
	});

	it('rejects a fence that is not a non-negative integer', () => {
		const record = makeAnnouncement('40123456789', '300000000000000001');
		for (const fence of [-1, 1.5, '3', null]) {
			expect(announcementSchema.safeParse({ ...record, fence }).success).toBe(false);
		}
	});
});

describe('defaultGuildSettings', () => {
	it('is a valid record: edit at the end, update on change, no filters, 100 watches', () => {
		const settings = defaultGuildSettings('200000000000000001');
		expect(guildSettingsSchema.parse(settings)).toEqual(settings);
		expect(settings).toMatchObject({ endAction: 'edit', updateOnChange: true, gameFilter: [], watchLimit: 100 });
	});
});

describe('parseStoredRecord', () => {
	const key = 'watches:1';

	it('returns a valid record', () => {
		const watch = makeWatch('1', '2');
		expect(parseStoredRecord(key, watch, watchSchema, undefined)).toEqual(watch);
	});

	it('treats an absent record as absent without reporting it', () => {
		const onCorrupt = vi.fn();
		expect(parseStoredRecord(key, undefined, watchSchema, onCorrupt)).toBeUndefined();
		expect(onCorrupt).not.toHaveBeenCalled();
	});

	it('treats a record of another version as absent and reports the version', () => {
		const onCorrupt = vi.fn();
		expect(parseStoredRecord(key, { ...makeWatch('1', '2'), version: 2 }, watchSchema, onCorrupt)).toBeUndefined();
		expect(onCorrupt).toHaveBeenCalledWith(key, expect.any(CorruptRecordError));
		expect(onCorrupt.mock.calls[0]?.[1].message).toMatch(/version 2, this code reads version 1/);
	});

	it('treats a record of the wrong shape as absent and names the bad field', () => {
		const onCorrupt = vi.fn();
		const { login: _login, ...withoutLogin } = makeWatch('1', '2');
		expect(parseStoredRecord(key, withoutLogin, watchSchema, onCorrupt)).toBeUndefined();
		expect(onCorrupt.mock.calls[0]?.[1].message).toMatch(/login/);
	});

	it('treats an unreadable stored value as absent and says it is not JSON', () => {
		const onCorrupt = vi.fn();
		const raw = new UnreadableStoredValue(new SyntaxError('Unexpected end of JSON input'));
		expect(parseStoredRecord(key, raw, watchSchema, onCorrupt)).toBeUndefined();
		expect(onCorrupt.mock.calls[0]?.[1].message).toMatch(/not JSON/);
	});
});

describe('parseStoredList', () => {
	it('keeps the valid items and reports each invalid one with its index', () => {
		const onCorrupt = vi.fn();
		const good = makeWatch('1', '2');
		const items = parseStoredList('watches:1', [good, { version: 1 }, makeWatch('1', '3')], watchSchema, onCorrupt);
		expect(items.map((watch) => watch.twitchUserId)).toEqual(['2', '3']);
		expect(onCorrupt).toHaveBeenCalledTimes(1);
		expect(onCorrupt.mock.calls[0]?.[0]).toBe('watches:1');
		expect(onCorrupt.mock.calls[0]?.[1].message).toMatch(/item 1/);
	});

	it('reports a value that is not a list and returns no items', () => {
		const onCorrupt = vi.fn();
		expect(parseStoredList('watches:1', { not: 'a list' }, watchSchema, onCorrupt)).toEqual([]);
		expect(onCorrupt).toHaveBeenCalledTimes(1);
	});
});
