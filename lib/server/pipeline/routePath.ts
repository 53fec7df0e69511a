/**
 * Which route a request is for: its path without query or fragment, and the methods a route
 * answering "no such route" accepts.
 *
 * @module
 */

/**
 * The path of a request's URL (`/v1/models?x` or `http://host/v1/models#y` → `/v1/models`).
 *
 * @example
 * ```ts
 * pathOf('/v1/models?limit=2'); // '/v1/models'
 * pathOf('http://localhost:8787/api/chat'); // '/api/chat'
 * ```
 */
export const pathOf = (url: string): string => {
  const path = url.startsWith('/') ? url : URL.canParse(url) ? new URL(url).pathname : url;
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
};

/**
 * Every method a route for unknown paths accepts, so that any request gets its 404.
 *
 * @example
 * ```ts
 * anyMethod.includes('DELETE'); // true
 * ```
 */
export const anyMethod: ReadonlyArray<string> = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
