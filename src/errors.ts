/**
 * A problem the person who typed a command can act on (unknown channel, bad option, missing permission).
 * The interaction error boundary shows its message as it is; every other error is hidden behind an incident id.
 */
export class UserError extends Error {
	override readonly name: string = 'UserError';
}
