/**
 * A {@link ReplyEntry} as the two fields of a Redis Stream entry (`t`: its type, `d`: its data)
 * and back. Text is stored as it is; the conversation and errors as their JSON; a `finish`'s
 * usage as `[inputTokens, outputTokens]` (empty without one).
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { Conversation } from '../../core/conversation.js';
import { networkError } from '../../core/error.js';
import { errorFromJson } from '../../core/errorJson.js';
import type { ReplyEntry } from './replyLog.js';

/**
 * The `t` and `d` fields of an entry.
 */
export const entryFields = (entry: ReplyEntry): readonly [type: string, data: string] => {
  switch (entry.type) {
    case 'text':
      return ['text', entry.text];
    case 'conversation':
      return ['conversation', JSON.stringify(Conversation.toJson(entry.conversation))];
    case 'error':
      return ['error', JSON.stringify(entry.error.toJSON())];
    case 'finish':
      return [
        'finish',
        entry.usage === undefined ? '' : JSON.stringify([entry.usage.inputTokens, entry.usage.outputTokens]),
      ];
    case 'stopped':
      return ['stopped', ''];
  }
};

const unreadable = (): ReplyEntry => ({
  type: 'error',
  error: networkError('ESTORECORRUPT', 'the reply store holds an entry this server cannot read'),
});

const parse = (data: string): E.Either<unknown, unknown> =>
  E.tryCatch(
    () => JSON.parse(data) as unknown,
    (e) => e,
  );

const isCount = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0;

/** A `finish`, with its usage when `data` holds one (an unreadable usage is left out). */
const finishOf = (data: string): ReplyEntry =>
  data === ''
    ? { type: 'finish' }
    : E.match(
        (): ReplyEntry => ({ type: 'finish' }),
        (u: unknown): ReplyEntry =>
          Array.isArray(u) && u.length === 2 && isCount(u[0]) && isCount(u[1])
            ? { type: 'finish', usage: { inputTokens: u[0], outputTokens: u[1] } }
            : { type: 'finish' },
      )(parse(data));

/**
 * The entry of a stream entry's fields (a flat `[name, value, …]` list, as XRANGE answers);
 * an entry it cannot read becomes an `error` ending (code `ESTORECORRUPT`).
 */
export const entryOfFields = (fields: ReadonlyArray<string>): ReplyEntry => {
  let type: string | undefined;
  let data: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 't') type = fields[i + 1];
    else if (fields[i] === 'd') data = fields[i + 1];
  }
  if (data === undefined) return unreadable();
  switch (type) {
    case 'text':
      return { type: 'text', text: data };
    case 'finish':
      return finishOf(data);
    case 'stopped':
      return { type: 'stopped' };
    case 'conversation':
      return E.match(
        unreadable,
        (conversation: Conversation): ReplyEntry => ({ type: 'conversation', conversation }),
      )(E.flatMap((u: unknown) => E.mapLeft(() => undefined)(Conversation.fromJson(u)))(parse(data)));
    case 'error':
      return E.match(
        unreadable,
        (error: ReturnType<typeof networkError>): ReplyEntry => ({ type: 'error', error }),
      )(E.flatMap((u: unknown) => E.mapLeft(() => undefined)(errorFromJson(u)))(parse(data)));
    default:
      return unreadable();
  }
};
