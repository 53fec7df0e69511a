/**
 * The relay's wire protocol in one place, shared by the server (`yqcloud-rx/server`) and the
 * client (`RelayProvider`): the event names, how a chunk or an error becomes a Server-Sent
 * Event, and what an event read back means. Pure functions.
 *
 * An event is `id: <id>\n` (optional), `event: <name>\n`, then one `data:` line of JSON, then a
 * blank line. Names: `text` `{ text }`, `conversation` (`Conversation.toJson`), `finish`
 * `{ reason }`, `error` (a `YqcloudError`'s `toJSON()`).
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import * as t from '#io-ts/index.js';
import { conversation, finish, text, type Chunk } from './chunk.js';
import { Conversation, toJson } from './conversation.js';
import { networkError, type YqcloudError } from './error.js';
import { errorFromJson } from './errorJson.js';

/**
 * The names of the relay's events.
 */
export const relayEventNames = Object.freeze({
  text: 'text',
  conversation: 'conversation',
  finish: 'finish',
  error: 'error',
} as const);

/** An event id on one line: line breaks and NUL (which SSE parsers refuse) removed. */
const oneLine = (id: string): string => id.replace(/[\r\n\0]/g, '');

/**
 * One SSE event: `id:` when given, `event: <name>`, `data: <one line of JSON>`, a blank line.
 */
export const sseEvent = (name: string, data: unknown, id?: string): string =>
  `${id === undefined ? '' : `id: ${oneLine(id)}\n`}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * A chunk as its relay event, with an optional event id.
 */
export const encodeChunk = (chunk: Chunk, id?: string): string => {
  switch (chunk.type) {
    case 'text':
      return sseEvent(relayEventNames.text, { text: chunk.text }, id);
    case 'conversation':
      return sseEvent(relayEventNames.conversation, toJson(chunk.conversation), id);
    case 'finish':
      return sseEvent(relayEventNames.finish, { reason: chunk.reason }, id);
  }
};

/**
 * An error as the relay's `error` event: the error's `toJSON()` (the server passes an error
 * already made safe for clients), with an optional event id.
 */
export const encodeErrorEvent = (error: YqcloudError, id?: string): string =>
  sseEvent(relayEventNames.error, error.toJSON(), id);

/**
 * What one event of the stream asks the client to do: emit a chunk (`finish` ends the reply),
 * fail with an error, or nothing (events of other names, kept for later versions).
 */
export type RelayStep =
  | { readonly type: 'chunk'; readonly chunk: Chunk }
  | { readonly type: 'error'; readonly error: YqcloudError }
  | { readonly type: 'skip' };

/**
 * One parsed Server-Sent Event (`eventsource-parser`'s `EventSourceMessage`).
 */
export interface RelayEvent {
  readonly event?: string | undefined;
  readonly data: string;
  readonly id?: string | undefined;
}

/**
 * The error for an event the client cannot read: the relay broke the protocol, reported as
 * `Network` with code `EPROTO` (the code of a protocol error), naming the event but not its data.
 */
export const protocolError = (event: string, problem: string): YqcloudError =>
  networkError('EPROTO', `the relay sent a \`${event}\` event the client cannot read (${problem})`);

const TextData = t.type({ text: t.string });

const parseJson = (data: string): E.Either<string, unknown> =>
  E.tryCatch(
    (): unknown => JSON.parse(data),
    () => 'its data is not JSON',
  );

const step =
  (event: string, decode: (u: unknown) => E.Either<string, RelayStep>) =>
  (data: string): RelayStep =>
    pipe(
      parseJson(data),
      E.flatMap(decode),
      E.getOrElse((problem): RelayStep => ({ type: 'error', error: protocolError(event, problem) })),
    );

const decoders: Readonly<Record<string, (data: string) => RelayStep>> = {
  text: step('text', (u) =>
    pipe(
      TextData.decode(u),
      E.mapLeft(() => 'expected {"text": string}'),
      E.map(({ text: value }): RelayStep => (value === '' ? { type: 'skip' } : { type: 'chunk', chunk: text(value) })),
    ),
  ),
  conversation: step('conversation', (u) =>
    pipe(
      Conversation.fromJson(u),
      E.bimap(
        (e) => e.message,
        (c): RelayStep => ({ type: 'chunk', chunk: conversation(c) }),
      ),
    ),
  ),
  finish: () => ({ type: 'chunk', chunk: finish }),
  // An error the client cannot revive is still an error: reported as a protocol error.
  error: step('error', (u) =>
    pipe(
      errorFromJson(u),
      E.bimap(
        (e) => e.message,
        (error): RelayStep => ({ type: 'error', error }),
      ),
    ),
  ),
};

/**
 * What an event means: `text` → a text chunk (empty text is skipped), `conversation` → the
 * conversation chunk (validated by `Conversation.fromJson`), `finish` → `finish`, `error` → the
 * revived `YqcloudError` (its `partialText` is the relay's; the client replaces it with its own);
 * data it cannot read → a {@link protocolError}; any other event name → skip.
 */
export const relayStep = (event: RelayEvent): RelayStep => {
  const name = event.event ?? 'message';
  return Object.hasOwn(decoders, name) ? (decoders[name]?.(event.data) ?? { type: 'skip' }) : { type: 'skip' };
};
