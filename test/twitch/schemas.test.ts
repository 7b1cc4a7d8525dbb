import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FastItemSchema, helixListEnvelope, streamItemSchema, userSchema } from '../../src/twitch/schemas.ts';

// Items as Twitch documents them (see shared/PLATFORM-FACTS.md).
const stream = {
	id: '123456789',
	user_id: '98765',
	user_login: 'sandysanderman',
	user_name: 'SandySanderman',
	game_id: '494131',
	game_name: 'Little Nightmares',
	type: 'live',
	title: 'hablamos y le damos a Little Nightmares 1',
	tags: ['Español'],
	viewer_count: 78365,
	started_at: '2021-03-10T15:04:21Z',
	language: 'es',
	thumbnail_url: 'https://static-cdn.jtvnw.net/previews-ttv/live_user_auronplay-{width}x{height}.jpg',
	tag_ids: [],
	is_mature: false,
};
const user = {
	id: '141981764',
	login: 'twitchdev',
	display_name: 'TwitchDev',
	type: '',
	broadcaster_type: 'partner',
	description: 'Supporting third-party developers building Twitch integrations from chatbots to game integrations.',
	profile_image_url: 'https://static-cdn.jtvnw.net/jtv_user_pictures/8a6381c7-profile_image-300x300.png',
	offline_image_url: 'https://static-cdn.jtvnw.net/jtv_user_pictures/3f13ab61-channel_offline_image-1920x1080.png',
	view_count: 5980557,
	created_at: '2016-12-14T20:32:28Z',
};

/** Field changes, each applied alone to a documented item: `undefined` removes the field. */
const streamVariants: Array<[string, Record<string, unknown>]> = [
	['as documented', {}],
	['no category', { game_id: '', game_name: '' }],
	['an empty user_name', { user_name: '' }],
	['type ""', { type: '' }],
	['no type', { type: undefined }],
	['type null', { type: null }],
	['started_at null', { started_at: null }],
	['no started_at', { started_at: undefined }],
	['a negative viewer_count', { viewer_count: -1 }],
	['a fractional viewer_count', { viewer_count: 1.5 }],
	['a viewer_count in a string', { viewer_count: '5' }],
	['no viewer_count', { viewer_count: undefined }],
	['tags null', { tags: null }],
	['no tags', { tags: undefined }],
	['a tag that is not a string', { tags: ['a', 1] }],
	['no is_mature', { is_mature: undefined }],
	['title null', { title: null }],
	['a numeric id', { id: 42 }],
	['a field Twitch added', { content_classification_labels: ['Gambling'] }],
];
const userVariants: Array<[string, Record<string, unknown>]> = [
	['as documented', {}],
	['an empty display_name', { display_name: '' }],
	['description null', { description: null }],
	['no offline_image_url', { offline_image_url: undefined }],
	['a numeric id', { id: 42 }],
	['no login', { login: undefined }],
	['created_at null', { created_at: null }],
	['a field Twitch added', { extra: true }],
];

function variant(base: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
	const item: Record<string, unknown> = { ...base, ...changes };
	for (const [field, value] of Object.entries(changes)) if (value === undefined) delete item[field];
	return item;
}

function expectSameAsZod<T>(item: FastItemSchema<T>, raw: unknown): void {
	const fast = item.safeParse(raw);
	const zod = item.schema.safeParse(raw);
	expect(fast.success).toBe(zod.success);
	expect(fast.data).toEqual(zod.data);
}

afterEach(() => {
	vi.restoreAllMocks();
});

describe('list items read on the fast path', () => {
	for (const [name, changes] of streamVariants) {
		it(`reads a Get Streams item with ${name} as its zod schema does`, () => {
			expectSameAsZod(streamItemSchema, variant(stream, changes));
		});
	}
	for (const [name, changes] of userVariants) {
		it(`reads a Get Users item with ${name} as its zod schema does`, () => {
			expectSameAsZod(userSchema, variant(user, changes));
		});
	}

	it('reads list envelopes as their zod schema does', () => {
		const envelopes: unknown[] = [
			{ data: [stream], pagination: {} },
			{ data: [], pagination: { cursor: 'eyJiIjpudWxsfQ' } },
			{ data: [1, null], pagination: { cursor: '' } },
			{ data: [] },
			{ data: [], pagination: null },
			{ data: [], pagination: { cursor: 42 } },
			{ data: [], pagination: [] },
			{ data: [], pagination: 'next' },
			{ data: {} },
			{ data: null },
			{ pagination: {} },
			{ error: 'Bad Request', status: 400, message: 'nope' },
			null,
			[],
		];
		for (const raw of envelopes) expectSameAsZod(helixListEnvelope, raw);
	});

	it('rejects what is not an object, as zod does', () => {
		for (const raw of [null, undefined, 'item', 42, []]) {
			expectSameAsZod(streamItemSchema, raw);
			expectSameAsZod(userSchema, raw);
		}
	});

	it('leaves zod out for documented items and hands it anything else', () => {
		const zodStreams = vi.spyOn(streamItemSchema.schema, 'safeParse');
		const zodUsers = vi.spyOn(userSchema.schema, 'safeParse');

		expect(streamItemSchema.safeParse(stream)).toMatchObject({ success: true, data: { live: true } });
		expect(userSchema.safeParse(user)).toMatchObject({ success: true, data: { login: 'twitchdev' } });
		expect(zodStreams).not.toHaveBeenCalled();
		expect(zodUsers).not.toHaveBeenCalled();

		expect(streamItemSchema.safeParse({ ...stream, title: null }).success).toBe(true);
		expect(userSchema.safeParse({ ...user, id: 42 }).success).toBe(false);
		expect(zodStreams).toHaveBeenCalledTimes(1);
		expect(zodUsers).toHaveBeenCalledTimes(1);
	});
});
