import { InvalidLoginError } from './errors.ts';

// Twitch logins: 1–25 characters of ASCII letters, digits and underscore (4–25 for new accounts; old ones are shorter).
const LOGIN_PATTERN = /^[a-zA-Z0-9_]{1,25}$/;

/**
 * Turns what a person typed (a login, `@login`, or a twitch.tv URL) into a lowercase login, or throws
 * InvalidLoginError without any request being made.
 */
export function normalizeLogin(input: string): string {
	// Most calls pass a plain login (the notifier's, the bench's thousands): one test, and no URL or @ parsing.
	if (LOGIN_PATTERN.test(input)) return input.toLowerCase();
	let login = input.trim();
	const fromUrl = /^(?:https?:\/\/)?(?:www\.|m\.)?twitch\.tv\/([^/?#\s]+)/i.exec(login);
	if (fromUrl?.[1]) login = fromUrl[1];
	if (login.startsWith('@')) login = login.slice(1);
	if (!LOGIN_PATTERN.test(login)) throw new InvalidLoginError(input.trim());
	return login.toLowerCase();
}

/** Whether a string is a valid Twitch login as typed (no URL or @ forms). */
export function isValidLogin(login: string): boolean {
	return LOGIN_PATTERN.test(login);
}
