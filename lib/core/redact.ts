/**
 * Keeping secrets out of what the library prints: the userinfo of URLs (parseable or not),
 * `Authorization` / `Proxy-Authorization` values and credential tokens a server or proxy echoes
 * back, and the exact credentials a request carried, in any encoding it sent them. Pure
 * functions over strings.
 *
 * @module
 */

/**
 * A URL meant to be printed, its userinfo replaced by `***`: everything from `://` to the *last*
 * `@`, so a password holding `@`, `#`, `?`, `/`, `\` or a space is hidden whole even when the URL
 * does not parse (a path or query with an `@` is hidden too: a printed URL errs on the safe side).
 */
export const redactUrl = (url: string): string => {
  const start = url.indexOf('://');
  const at = url.lastIndexOf('@');
  return start === -1 || at < start ? url : `${url.slice(0, start + 3)}***${url.slice(at)}`;
};

/**
 * Every URL in a free text with its userinfo replaced by `***` (up to the authority's last `@`,
 * as URL parsers read it, so a password holding `@` is hidden whole).
 */
export const redactUrlsIn = (text: string): string => text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#\\\s]*@/gi, '$1***@');

const decodeOr = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

const base64 = (s: string): string => {
  const bytes = new TextEncoder().encode(s);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
};

/** Secrets shorter than this are not searched for on their own (they would match ordinary text). */
const shortestSecret = 4;

/**
 * The secrets a URL carries in its userinfo, in every form a request may send or a server echo
 * them: the userinfo as written and decoded, the password alone, and the base64 of
 * `user:password` (Basic authentication) both as written and decoded. Empty without userinfo.
 */
export const secretsOfUrl = (url: string): ReadonlyArray<string> => {
  const start = url.indexOf('://');
  const at = url.lastIndexOf('@');
  if (start === -1 || at < start) return [];
  const userinfo = url.slice(start + 3, at);
  const colon = userinfo.indexOf(':');
  return credentialSecrets(
    colon === -1 ? userinfo : userinfo.slice(0, colon),
    colon === -1 ? '' : userinfo.slice(colon + 1),
  );
};

/**
 * The secrets of a user and password, as {@link secretsOfUrl} lists them.
 */
export const credentialSecrets = (user: string, password: string): ReadonlyArray<string> => {
  const forms = [
    `${user}:${password}`,
    `${decodeOr(user)}:${decodeOr(password)}`,
    password,
    decodeOr(password),
    encodeURIComponent(decodeOr(password)),
  ];
  const all = [...forms, base64(forms[0] ?? ''), base64(forms[1] ?? '')];
  return [...new Set(all.filter((secret) => secret.length >= shortestSecret))];
};

const authorizationValue = /((?:proxy-)?authorization\b["']?\s*[:=]\s*["']?)[^\r\n"'<>]*/gi;
const credentialToken = /\b(Basic|Bearer|Digest|Negotiate|NTLM)(\s+)[A-Za-z0-9+/=._~-]{4,}/g;

/**
 * A text with `Authorization` / `Proxy-Authorization` values and `Basic …`/`Bearer …` tokens
 * replaced by `***`, as a server or proxy page that echoes the request would show them.
 */
export const redactAuthorization = (text: string): string =>
  text.replace(authorizationValue, '$1***').replace(credentialToken, '$1$2***');

/**
 * A text with every one of `secrets` replaced by `***`, and a start of one left at its very end
 * (an excerpt cut inside it) removed.
 */
export const redactSecrets = (text: string, secrets: ReadonlyArray<string>): string => {
  const longestFirst = [...secrets].filter((s) => s.length >= shortestSecret).sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of longestFirst) out = out.split(secret).join('***');
  for (const secret of longestFirst)
    for (let n = secret.length - 1; n >= shortestSecret; n--)
      if (out.endsWith(secret.slice(0, n))) {
        out = `${out.slice(0, out.length - n)}***`;
        break;
      }
  return out;
};

/**
 * Everything above at once, for any text an error or a terminal line shows: URL userinfo,
 * authorization values and the request's own `secrets`.
 */
export const redactText = (text: string, secrets: ReadonlyArray<string> = []): string =>
  redactSecrets(redactAuthorization(redactUrlsIn(text)), secrets);
