import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { canReadHistory, permissionsIn } from '../../src/notify/channel-permissions.ts';

const GUILD = '300000000000000001';
const BOT = '400000000000000001';
const ROLE = '500000000000000001';
const base = P.ViewChannel | P.SendMessages | P.ReadMessageHistory;

function world(options: {
	everyone?: bigint;
	role?: bigint;
	overwrites?: Array<{ id: string; type: 0 | 1; allow?: bigint; deny?: bigint }>;
	owner?: string;
}) {
	return {
		channel: {
			permission_overwrites: (options.overwrites ?? []).map((overwrite) => ({
				id: overwrite.id,
				type: overwrite.type,
				allow: String(overwrite.allow ?? 0n),
				deny: String(overwrite.deny ?? 0n),
			})),
		},
		guild: {
			id: GUILD,
			owner_id: options.owner ?? '1',
			roles: [
				{ id: GUILD, permissions: String(options.everyone ?? base) },
				{ id: ROLE, permissions: String(options.role ?? 0n) },
			],
		},
		member: { roles: [ROLE] },
		userId: BOT,
	};
}

describe('permissions in a channel (Discord’s algorithm)', () => {
	it.each([
		['@everyone’s permissions apply', world({}), true],
		[
			'an @everyone overwrite denying Read Message History removes it',
			world({ overwrites: [{ id: GUILD, type: 0, deny: P.ReadMessageHistory }] }),
			false,
		],
		[
			'a role overwrite allowing it wins over the @everyone deny',
			world({
				overwrites: [
					{ id: GUILD, type: 0, deny: P.ReadMessageHistory },
					{ id: ROLE, type: 0, allow: P.ReadMessageHistory },
				],
			}),
			true,
		],
		[
			'a member overwrite denying it wins over a role allow',
			world({
				overwrites: [
					{ id: ROLE, type: 0, allow: P.ReadMessageHistory },
					{ id: BOT, type: 1, deny: P.ReadMessageHistory },
				],
			}),
			false,
		],
		[
			'Administrator overrides every overwrite',
			world({ role: P.Administrator, overwrites: [{ id: BOT, type: 1, deny: base }] }),
			true,
		],
		['the guild owner may do everything', world({ everyone: 0n, owner: BOT }), true],
		['without View Channel the history is out of reach', world({ everyone: P.ReadMessageHistory }), false],
	])('%s', (_name, given, expected) => {
		expect(canReadHistory(given)).toBe(expected);
	});

	it('adds the member’s role permissions to @everyone’s', () => {
		expect(permissionsIn(world({ everyone: P.ViewChannel, role: P.SendMessages })) & P.SendMessages).toBe(
			P.SendMessages,
		);
	});
});
