/**
 * A history budget: how much of a conversation goes into the prompt. The whole history is sent
 * as one `prompt` string, so a long conversation grows every request; trimming keeps the system
 * message and the newest turns, whole, as LangChain's `trimMessages` and the AI SDK's
 * `pruneMessages` do.
 *
 * @module
 */
import * as t from '#io-ts/index.js';
import type { Message } from './message.js';
import { formatPrompt } from './prompt.js';

/**
 * The most of a history a prompt holds; each limit is optional, both apply when both are set.
 * Neither counts the system message, which is always kept (it is sent apart, as `system`).
 *
 * @example
 * ```ts
 * const budget: HistoryBudget = { maxMessages: 20, maxChars: 12_000 };
 * ```
 */
export interface HistoryBudget {
  /** The most messages after the system message. */
  readonly maxMessages?: number | undefined;
  /** The longest prompt, in JavaScript characters (UTF-16 code units) of the formatted prompt. */
  readonly maxChars?: number | undefined;
}

const isCount = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0;

const Count = new t.Type<number, number, unknown>(
  'a non-negative integer',
  isCount,
  (u, c) => (isCount(u) ? t.success(u) : t.failure(u, c)),
  (n) => n,
);

const budgetKeys: ReadonlyArray<string> = ['maxMessages', 'maxChars'];
const BudgetFields = t.partial({ maxMessages: Count, maxChars: Count });

/**
 * The io-ts codec of {@link HistoryBudget}: an object with only `maxMessages` and `maxChars`,
 * each a non-negative integer or `undefined`.
 */
export const HistoryBudgetCodec = new t.Type<HistoryBudget, HistoryBudget, unknown>(
  'HistoryBudget',
  (u): u is HistoryBudget =>
    BudgetFields.is(u) && !Array.isArray(u) && Object.keys(u).every((key) => budgetKeys.includes(key)),
  (u, c) => {
    if (typeof u !== 'object' || u === null || Array.isArray(u))
      return t.failure(u, c, 'expected { maxMessages?, maxChars? }');
    const unknownKey = Object.keys(u).find((key) => !budgetKeys.includes(key));
    return unknownKey === undefined
      ? BudgetFields.validate(u, c)
      : t.failure(
          (u as Record<string, unknown>)[unknownKey],
          t.appendContext(c, unknownKey, t.never),
          'unknown key; expected maxMessages or maxChars',
        );
  },
  (budget) => budget,
);

/**
 * A history's turns, oldest first: each starts with a message that is not the assistant's (the
 * question) and holds the replies after it; replies before any question make a turn of their own.
 *
 * @example
 * ```ts
 * const user = (content: string): Message => ({ role: 'user', content });
 * const assistant = (content: string): Message => ({ role: 'assistant', content });
 * turnsOf([user('a'), assistant('b'), user('c')]); // [[user('a'), assistant('b')], [user('c')]]
 * ```
 */
export const turnsOf = (messages: ReadonlyArray<Message>): ReadonlyArray<ReadonlyArray<Message>> => {
  const turns: Array<Array<Message>> = [];
  for (const message of messages) {
    const last = turns.at(-1);
    if (message.role === 'assistant' && last !== undefined) last.push(message);
    else turns.push([message]);
  }
  return turns;
};

/** Whether messages fit the budget. */
const fits =
  (budget: HistoryBudget) =>
  (messages: ReadonlyArray<Message>): boolean =>
    (budget.maxMessages === undefined || messages.length <= budget.maxMessages) &&
    (budget.maxChars === undefined || formatPrompt(messages).length <= budget.maxChars);

/**
 * The history trimmed to a budget: the leading system message always kept, then as many of the
 * newest turns as fit, each whole (a reply never goes without its question). The newest turn is
 * kept even when it alone is over the budget, so the question asked is never dropped. A history
 * that fits is returned as it is.
 *
 * @example
 * ```ts
 * const system: Message = { role: 'system', content: 'Answer briefly.' };
 * const user = (content: string): Message => ({ role: 'user', content });
 * const assistant = (content: string): Message => ({ role: 'assistant', content });
 * trimHistory({ maxMessages: 3 })([system, user('a'), assistant('b'), user('c'), assistant('d'), user('e')]);
 * // [system, user('c'), assistant('d'), user('e')]: the oldest turn dropped whole
 * ```
 */
export const trimHistory =
  (budget: HistoryBudget) =>
  (history: ReadonlyArray<Message>): ReadonlyArray<Message> => {
    const [first] = history;
    const system = first?.role === 'system' ? [first] : [];
    const rest = history.slice(system.length);
    const within = fits(budget);
    if (within(rest)) return history;
    const turns = turnsOf(rest);
    let kept: ReadonlyArray<Message> = [];
    for (let i = turns.length - 1; i >= 0; i--) {
      const more = [...(turns[i] ?? []), ...kept];
      if (kept.length > 0 && !within(more)) break;
      kept = more;
    }
    return [...system, ...kept];
  };
