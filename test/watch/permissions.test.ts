import { PermissionFlagsBits, PermissionsBitField } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { describeTargetProblem } from '../../src/views/watch.ts';
import { MENTION_EVERYONE, mayPingRole, postingShortfall } from '../../src/watch/permissions.ts';

const { ViewChannel, SendMessages, EmbedLinks, ReadMessageHistory, MentionEveryone, Administrator } =
	PermissionFlagsBits;
const everythingNeeded = new PermissionsBitField([ViewChannel, SendMessages, EmbedLinks, ReadMessageHistory]);
const without = (flag: bigint) => new PermissionsBitField(everythingNeeded.bitfield & ~flag);

describe('permission check at /watch add', () => {
	it('finds nothing missing when the bot can view, send, embed and read the history', () => {
		expect(postingShortfall(everythingNeeded, null)).toEqual({ missing: [], roleNotMentionable: false });
	});

	it('names a missing View Channel', () => {
		expect(postingShortfall(without(ViewChannel), null).missing).toEqual(['View Channel']);
	});

	it('names a missing Send Messages', () => {
		expect(postingShortfall(without(SendMessages), null).missing).toEqual(['Send Messages']);
	});

	it('names a missing Embed Links', () => {
		expect(postingShortfall(without(EmbedLinks), null).missing).toEqual(['Embed Links']);
	});

	it('names a missing Read Message History (the announcer looks for its own earlier post after a crash)', () => {
		expect(postingShortfall(without(ReadMessageHistory), null).missing).toEqual(['Read Message History']);
	});

	it('names every missing permission, in the order Discord checks them', () => {
		expect(postingShortfall(new PermissionsBitField(), null).missing).toEqual([
			'View Channel',
			'Send Messages',
			'Embed Links',
			'Read Message History',
		]);
	});

	it('counts Administrator as every permission, as Discord does', () => {
		expect(postingShortfall(new PermissionsBitField([Administrator]), { id: '5', mentionable: false })).toEqual({
			missing: [],
			roleNotMentionable: false,
		});
	});

	it('flags a role that is not mentionable when the bot lacks Mention Everyone', () => {
		expect(postingShortfall(everythingNeeded, { id: '5', mentionable: false }).roleNotMentionable).toBe(true);
	});

	it('accepts a mentionable role, or any role when the bot has Mention Everyone', () => {
		expect(postingShortfall(everythingNeeded, { id: '5', mentionable: true }).roleNotMentionable).toBe(false);
		const withMentionEveryone = new PermissionsBitField(everythingNeeded.bitfield | MentionEveryone);
		expect(postingShortfall(withMentionEveryone, { id: '5', mentionable: false }).roleNotMentionable).toBe(false);
	});

	it('says exactly what is missing, in the words an admin sees in Discord', () => {
		expect(
			describeTargetProblem({ kind: 'cannot-post', channelId: '42', missing: ['Embed Links'], roleId: null }),
		).toMatch(/^I can’t post in <#42>: missing Embed Links\. /);
		expect(
			describeTargetProblem({
				kind: 'cannot-post',
				channelId: '42',
				missing: ['View Channel', 'Send Messages', 'Embed Links'],
				roleId: null,
			}),
		).toContain('missing View Channel, Send Messages and Embed Links.');
		expect(describeTargetProblem({ kind: 'cannot-post', channelId: '42', missing: [], roleId: '7' })).toMatch(
			/^I can’t ping <@&7> in <#42>: the role is not mentionable/,
		);
	});

	it('lets a member make the bot ping a role only when they could ping it themselves', () => {
		const unmentionable = { id: '5', mentionable: false };
		expect(mayPingRole(everythingNeeded, unmentionable)).toBe(false);
		expect(mayPingRole(null, unmentionable)).toBe(false);
		expect(mayPingRole(new PermissionsBitField(everythingNeeded.bitfield | MentionEveryone), unmentionable)).toBe(true);
		expect(mayPingRole(new PermissionsBitField([Administrator]), unmentionable)).toBe(true);
		expect(mayPingRole(everythingNeeded, { id: '5', mentionable: true })).toBe(true);
	});

	it('tells a member who may not ping a role why, naming the permission as Discord’s settings do', () => {
		expect(describeTargetProblem({ kind: 'requester-cannot-ping', channelId: '42', roleId: '7' })).toMatch(
			new RegExp(
				`^You can’t ping <@&7> in <#42>: the role is not mentionable and you don’t have “${MENTION_EVERYONE}” there`,
			),
		);
	});
});
