/** Twitch image URLs are templates: streams and games use `{width}x{height}`, videos use `%{width}x%{height}`. */
export function sizedImageUrl(template: string, width: number, height: number): string {
	return template
		.replaceAll('%{width}', String(width))
		.replaceAll('%{height}', String(height))
		.replaceAll('{width}', String(width))
		.replaceAll('{height}', String(height));
}

/**
 * A live preview URL that Discord will fetch again: Discord's media proxy caches an image by its URL, so the same
 * preview URL shows a stale frame for hours. A query parameter that changes every minute (taken from the injected
 * clock, so rendering stays a pure function) makes each new embed show a current frame.
 *
 * One period for `/live`, announcements and `/watch test`, a minute: an announcement is edited (title or category
 * change) at most once a minute, so each edit gets a fresh frame, while renders within the same minute (a retried
 * post or edit, several watches of one stream) keep one URL, and Discord fetches the image once, not per render.
 */
export function livePreviewUrl(template: string, now: number, width = 1280, height = 720): string {
	if (!template) return '';
	const url = sizedImageUrl(template, width, height);
	const minute = Math.floor(now / 60_000);
	return `${url}${url.includes('?') ? '&' : '?'}t=${minute}`;
}

/** Twitch's box art is 3:4; 285×380 is the size Twitch's own directory uses. */
export function boxArtUrl(template: string, width = 285, height = 380): string {
	return template ? sizedImageUrl(template, width, height) : '';
}

/**
 * The channel page every link to a channel points to: Watch buttons, embed URLs, `{url}` in announcement templates,
 * command replies. One form, `https://www.twitch.tv/<login>`, the canonical one: bare `twitch.tv` redirects there,
 * and the video URLs Helix returns (a VOD button next to a Channel button) and our category links use www.twitch.tv
 * too, so every Twitch link in a message has the same host.
 */
export function channelUrl(login: string): string {
	return `https://www.twitch.tv/${encodeURIComponent(login.toLowerCase())}`;
}
