/**
 * The renderer's own origin: `app://portolan/`, a privileged custom scheme served from
 * dist/renderer. Loading from a custom scheme instead of file:// gives the page a real origin
 * (so 'self' in the CSP, fetch and the IPC sender check mean "this app" and not "any file on the
 * disk"), and lets the GrantFileProtocolExtraPrivileges fuse be turned off.
 */
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { contentTypeOf } from '../transports/content-types.js';

/** The scheme of the app's pages. */
export const APP_SCHEME = 'app';
/** The one host the scheme answers for. */
export const APP_HOST = 'portolan';
/** The origin of every page the app shows. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The URL the main window loads. */
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** True when `url` is a page of the app's own origin (app://portolan/...). */
export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    // Node and Chromium differ on the origin of non-special schemes: compare the parts.
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host.toLowerCase() === APP_HOST && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/**
 * Maps a request URL to a file inside `rendererDir`, or undefined when it is not one: another
 * scheme or host, an encoded slash or backslash, or a path that resolves outside the folder
 * ("../", "%2e%2e/"). "/" means index.html.
 */
export function rendererFileFor(rendererDir: string, url: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  const { pathname } = new URL(url);
  // %2f and %5c would turn into separators after decoding: a path never needs them.
  if (/%(2f|5c)/i.test(pathname) || pathname.includes('\\') || pathname.includes('\0')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${decoded === '/' ? '/index.html' : decoded}`);
  return file.startsWith(root + path.sep) ? file : undefined;
}

/** Answers one request of the scheme: the file, 404 when there is none, 403 when the URL is refused. */
export async function serveRendererRequest(rendererDir: string, url: string): Promise<Response> {
  const file = rendererFileFor(rendererDir, url);
  if (!file) return new Response('Forbidden', { status: 403, headers: { 'content-type': 'text/plain' } });
  try {
    const body = await readFile(file);
    return new Response(body, { status: 200, headers: { 'content-type': contentTypeOf(file), 'x-content-type-options': 'nosniff' } });
  } catch {
    return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
  }
}

/**
 * Declares the scheme privileged: standard (relative URLs and origins work), secure (a secure
 * context, like https), with fetch. Must run before the app is ready.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** Serves dist/renderer on the scheme. Call once the app is ready. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => serveRendererRequest(rendererDir, request.url));
}
