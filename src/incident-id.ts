/**
 * Incident ids: what a user or admin is shown instead of an error's own text, so that the operator can find the log
 * line that holds it. Free of dependencies: the interaction boundary and the notifier (which runs without
 * discord.js's main package) both mint them.
 */
import { randomBytes } from 'node:crypto';

/** A short id (8 hex characters) that ties what someone saw to one log line. */
export function newIncidentId(): string {
	return randomBytes(4).toString('hex');
}

/** The sentence that hands an incident id on to the operator. */
export function incidentHint(incidentId: string): string {
	return `If it keeps happening, give the bot’s operator this incident id: \`${incidentId}\`.`;
}
