/**
 * Recognising the service's in-band refusals (status 200, a ban text or an HTML page) from the
 * start of a body, holding back no more text than needed to decide.
 *
 * @module
 */
import type { BlockReason } from '../core/error.js';

/**
 * The ban text: "sorry, your IP was banned by abuse detection".
 */
export const banPrefix = 'sorry, 您的ip已由于触发防滥用检测而被封禁';
/**
 * The abnormal-traffic text: "abnormal traffic, change network".
 */
export const abnormalTrafficPrefix = '流量异常';

/**
 * The English ban text gpt4free's users reported (gpt4free issue 2066).
 */
export const englishBanPrefix = 'Sorry, your IP has been blocked due to triggering anti-abuse detection';

/**
 * One in-band refusal: the text a body starts with (after any leading whitespace, compared in
 * lower case) and what it means. A new wording is one more line of {@link refusalRules}.
 */
export interface RefusalRule {
  readonly start: string;
  readonly reason: BlockReason;
}

/**
 * Every refusal the provider recognises.
 */
export const refusalRules: ReadonlyArray<RefusalRule> = [
  { start: banPrefix, reason: 'ip-banned' },
  { start: 'sorry，您的ip已由于触发防滥用检测而被封禁', reason: 'ip-banned' },
  { start: englishBanPrefix, reason: 'ip-banned' },
  { start: abnormalTrafficPrefix, reason: 'abnormal-traffic' },
  { start: '<!doctype html', reason: 'html-page' },
  { start: '<html', reason: 'html-page' },
];

const loweredRules: ReadonlyArray<RefusalRule> = refusalRules.map((rule) => ({
  start: rule.start.toLowerCase(),
  reason: rule.reason,
}));

/**
 * The most leading whitespace held back while waiting to see whether an HTML page follows.
 */
export const maxLeadingWhitespace = 1024;

/**
 * What the start of a body says so far.
 */
export type Verdict =
  | { readonly _tag: 'Undecided' }
  | { readonly _tag: 'Text' }
  | { readonly _tag: 'Blocked'; readonly reason: BlockReason };

/** Whitespace, and the invisible characters a body may start with (zero-width spaces, joiners, BOM). */
const leadingBlank = /^[\s\u200b-\u200d\u2060\ufeff]+/u;

const undecided: Verdict = { _tag: 'Undecided' };
const textVerdict: Verdict = { _tag: 'Text' };

/**
 * Classifies the text a body starts with: `Blocked` once, after any leading whitespace, it
 * begins with a refusal of {@link refusalRules} (any case), `Text` as soon as it cannot,
 * `Undecided` while it still could (so only that much is held back).
 *
 * @example
 * ```ts
 * classifyStart('sorry, 您的');           // { _tag: 'Undecided' }
 * classifyStart('Sorry, I cannot');       // { _tag: 'Text' }
 * classifyStart('\n sorry, 您的ip已由于触发防滥用检测而被封禁'); // { _tag: 'Blocked', reason: 'ip-banned' }
 * classifyStart('  <!DOCTYPE html><p>');  // { _tag: 'Blocked', reason: 'html-page' }
 * ```
 */
export const classifyStart = (start: string): Verdict => {
  const trimmed = start.toLowerCase().replace(leadingBlank, '');
  if (trimmed === '') return start.length <= maxLeadingWhitespace ? undecided : textVerdict;
  let open = false;
  for (const rule of loweredRules) {
    if (trimmed.startsWith(rule.start)) return { _tag: 'Blocked', reason: rule.reason };
    if (rule.start.startsWith(trimmed)) open = true;
  }
  return open ? undecided : textVerdict;
};
