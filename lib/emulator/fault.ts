/**
 * The ways the emulator can be told to misbehave, as the real service (or the network in
 * front of it) does.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';

/**
 * Where a `hang` fault stops answering.
 *
 * @example
 * ```ts
 * emulator.injectFault({ kind: 'hang', phase: 'before-body' satisfies HangPhase });
 * ```
 */
export type HangPhase = 'before-headers' | 'before-body' | 'mid-body';

/**
 * One misbehaviour, applied to one request.
 *
 * @example
 * ```ts
 * const faults: ReadonlyArray<Fault> = [
 *   { kind: 'ban' },
 *   { kind: 'status', status: 429, retryAfterS: 2 },
 *   { kind: 'reset', afterChars: 10 },
 *   { kind: 'hang', phase: 'mid-body' },
 * ];
 * ```
 */
export type Fault =
  | { readonly kind: 'ban' }
  | { readonly kind: 'abnormal-traffic' }
  | { readonly kind: 'html' }
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterS?: number }
  | { readonly kind: 'reset'; readonly afterChars: number }
  | { readonly kind: 'hang'; readonly phase: HangPhase }
  | { readonly kind: 'split-utf8' }
  | { readonly kind: 'slow'; readonly delayMs: number };

/**
 * The name of each fault kind.
 *
 * @example
 * ```ts
 * const kind: FaultKind = 'split-utf8';
 * ```
 */
export type FaultKind = Fault['kind'];

const hangPhases: ReadonlyArray<string> = ['before-headers', 'before-body', 'mid-body'];

const isInteger = (u: unknown, min: number, max: number): u is number =>
  typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max;

/**
 * Reads a fault from a value (a parsed `x-emulator-fault` header or an `injectFault` argument):
 * the fault, or a sentence saying what is wrong with it.
 *
 * @example
 * ```ts
 * parseFault({ kind: 'slow', delayMs: 200 }); // right({ kind: 'slow', delayMs: 200 })
 * parseFault({ kind: 'nope' });               // left('unknown fault kind "nope"')
 * ```
 */
export const parseFault = (u: unknown): E.Either<string, Fault> => {
  const verdict = faultOrReason(u);
  return typeof verdict === 'string' ? E.left(verdict) : E.right(verdict);
};

const faultOrReason = (u: unknown): Fault | string => {
  if (typeof u !== 'object' || u === null) return 'a fault is an object with a `kind`';
  const f = u as Record<string, unknown>;
  switch (f.kind) {
    case 'ban':
    case 'abnormal-traffic':
    case 'html':
    case 'split-utf8':
      return { kind: f.kind };
    case 'status':
      if (!isInteger(f.status, 200, 599))
        return 'a status fault needs `status`, an integer from 200 to 599 (a 1xx is not a final answer)';
      if (f.retryAfterS !== undefined && !isInteger(f.retryAfterS, 0, 86_400))
        return '`retryAfterS` must be a whole number of seconds';
      return f.retryAfterS === undefined
        ? { kind: 'status', status: f.status }
        : { kind: 'status', status: f.status, retryAfterS: f.retryAfterS };
    case 'reset':
      return isInteger(f.afterChars, 0, Number.MAX_SAFE_INTEGER)
        ? { kind: 'reset', afterChars: f.afterChars }
        : 'a reset fault needs `afterChars`, a whole number';
    case 'hang':
      return typeof f.phase === 'string' && hangPhases.includes(f.phase)
        ? { kind: 'hang', phase: f.phase as HangPhase }
        : `a hang fault needs \`phase\`: ${hangPhases.join(', ')}`;
    case 'slow':
      return isInteger(f.delayMs, 0, 60_000)
        ? { kind: 'slow', delayMs: f.delayMs }
        : 'a slow fault needs `delayMs`, a whole number of milliseconds';
    default:
      return `unknown fault kind ${JSON.stringify(f.kind)}`;
  }
};

/**
 * Reads the `x-emulator-fault` header: a fault kind's name (`ban`, `html`, …; `status` means
 * 503, `reset` after 10 characters, `hang` mid-body, `slow` 200 ms) or a fault as JSON.
 *
 * @example
 * ```ts
 * faultFromHeader('ban');                           // right({ kind: 'ban' })
 * faultFromHeader('{"kind":"status","status":429}'); // right({ kind: 'status', status: 429 })
 * ```
 */
export const faultFromHeader = (header: string): E.Either<string, Fault> => {
  const trimmed = header.trim();
  if (trimmed.startsWith('{'))
    return pipe(
      E.parseJSON(trimmed, () => 'the x-emulator-fault header is not valid JSON'),
      E.chain(parseFault),
    );
  const shorthand: Readonly<Record<string, Fault>> = {
    status: { kind: 'status', status: 503 },
    reset: { kind: 'reset', afterChars: 10 },
    hang: { kind: 'hang', phase: 'mid-body' },
    slow: { kind: 'slow', delayMs: 200 },
  };
  const known = Object.hasOwn(shorthand, trimmed) ? shorthand[trimmed] : undefined;
  return known === undefined ? parseFault({ kind: trimmed }) : E.right(known);
};
