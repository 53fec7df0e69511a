/**
 * Recognising the service's in-band refusals (status 200, a ban text or an HTML page) from the
 * start of a body, holding back no more text than needed to decide.
 *
 * @module
 */
import type { BlockReason } from '../core/error.js';

/**
 * The ban text: "sorry, your IP was banned by abuse detection".
 *
 * @example
 * ```ts
 * classifyStart(banPrefix); // { _tag: 'Blocked', reason: 'ip-banned' }
 * ```
 */
export const banPrefix = 'sorry, 您的ip已由于触发防滥用检测而被封禁';
/**
 * The abnormal-traffic text: "abnormal traffic, change network".
 *
 * @example
 * ```ts
 * classifyStart(`${abnormalTrafficPrefix}，请更换网络`); // { _tag: 'Blocked', reason: 'abnormal-traffic' }
 * ```
 */
export const abnormalTrafficPrefix = '流量异常';

const textPatterns: ReadonlyArray<readonly [string, BlockReason]> = [
  [banPrefix.toLowerCase(), 'ip-banned'],
  [abnormalTrafficPrefix, 'abnormal-traffic'],
];
const htmlPatterns: ReadonlyArray<string> = ['<!doctype html', '<html'];

/**
 * The most leading whitespace held back while waiting to see whether an HTML page follows.
 *
 * @example
 * ```ts
 * classifyStart(' '.repeat(maxLeadingWhitespace + 1)); // { _tag: 'Text' }
 * ```
 */
export const maxLeadingWhitespace = 1024;

/**
 * What the start of a body says so far.
 *
 * @example
 * ```ts
 * const verdict: Verdict = classifyStart('Hello'); // { _tag: 'Text' }
 * ```
 */
export type Verdict =
  | { readonly _tag: 'Undecided' }
  | { readonly _tag: 'Text' }
  | { readonly _tag: 'Blocked'; readonly reason: BlockReason };

const undecided: Verdict = { _tag: 'Undecided' };
const isText: Verdict = { _tag: 'Text' };

const against = (start: string, pattern: string): 'match' | 'maybe' | 'no' =>
  start.startsWith(pattern) ? 'match' : pattern.startsWith(start) ? 'maybe' : 'no';

/**
 * Classifies the text a body starts with: `Blocked` once it begins with a known refusal (any
 * case; an HTML document may follow whitespace), `Text` as soon as it cannot, `Undecided` while
 * it still could.
 *
 * @example
 * ```ts
 * classifyStart('sorry, 您的');           // { _tag: 'Undecided' }
 * classifyStart('Sorry, I cannot');       // { _tag: 'Text' }
 * classifyStart('  <!DOCTYPE html><p>');  // { _tag: 'Blocked', reason: 'html-page' }
 * ```
 */
export const classifyStart = (start: string): Verdict => {
  const lower = start.toLowerCase();
  let open = false;
  for (const [pattern, reason] of textPatterns) {
    const r = against(lower, pattern);
    if (r === 'match') return { _tag: 'Blocked', reason };
    if (r === 'maybe') open = true;
  }
  const trimmed = lower.trimStart();
  if (trimmed === '') return lower.length <= maxLeadingWhitespace ? undecided : isText;
  for (const pattern of htmlPatterns) {
    const r = against(trimmed, pattern);
    if (r === 'match') return { _tag: 'Blocked', reason: 'html-page' };
    if (r === 'maybe') open = true;
  }
  return open ? undecided : isText;
};
