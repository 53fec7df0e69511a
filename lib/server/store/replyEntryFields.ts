/**
 * A {@link ReplyEntry} as the two fields of a Redis Stream entry (`t`: its type, `d`: its data)
 * and back. Text is stored as it is; the conversation and errors as their JSON.
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
    case 'stopped':
      return [entry.type, ''];
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
      return { type: 'finish' };
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
