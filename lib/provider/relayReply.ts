/**
 * One exchange with a relay turned into the reply's chunks: the status mapped to the same
 * `YqcloudError` kinds the relay refused with, the event stream parsed by `eventsource-parser`
 * as it arrives, and `partialText` on every error being the text this client delivered.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import { createParser } from 'eventsource-parser';
import type { SchedulerLike, Subscription } from 'rxjs';
import { asyncScheduler, Observable, Subscriber } from '#rx';
import type { Chunk } from '../core/chunk.js';
import { httpError, networkError, responseTooLarge, YqcloudError } from '../core/error.js';
import { errorFromJson } from '../core/errorJson.js';
import { toNetworkError } from '../http/toNetworkError.js';
import type { HttpRequest, Transport, ResponseEvent } from '../http/transport.js';
import { createUtf8Decoder } from '../http/utf8.js';
import { parseRetryAfter } from './retryAfter.js';
import { relayStep } from '../core/relayProtocol.js';
import { type RelayFrame, resumeOnDrop } from './resumeOnDrop.js';

/**
 * The most characters one event may take (a `conversation` event carries the whole history):
 * 16 Mi. Past it the reply fails with `ResponseTooLarge`.
 */
export const maxEventChars = 16 * 1024 * 1024;

/**
 * The most text one reply may deliver: 64 Mi characters. Past it the reply fails with
 * `ResponseTooLarge` (the text delivered is kept for `partialText`, and must stay well below
 * V8's string limit).
 */
export const maxReplyChars = 64 * 1024 * 1024;

/**
 * How much of a refusal's body is read (the relay's are small JSON objects): 16 Ki characters,
 * within 2 s of its head. A refusal body longer or slower than that is not waited for: the
 * reply fails with what was read.
 */
export const maxRefusalChars = 16 * 1024;
const refusalWaitMs = 2_000;
const excerptChars = 1024;

/**
 * The error of a refusal: the relay's `{ "error": … }` revived with its kind and fields, or, for a
 * body that is not that (a proxy's page, an empty body), `Http` with the status and an excerpt.
 * `Retry-After` fills `retryAfterMs` when the revived error lacks it.
 */
export const refusalError = (
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
  nowMs: number,
): YqcloudError => {
  const retryAfterMs = parseRetryAfter(headers['retry-after'], nowMs);
  return pipe(
    E.tryCatch(
      (): unknown => (JSON.parse(body) as { readonly error?: unknown } | null)?.error,
      () => undefined,
    ),
    E.flatMap((u) =>
      pipe(
        errorFromJson(u),
        E.mapLeft(() => undefined),
      ),
    ),
    E.match(
      () =>
        httpError(
          status,
          body.slice(0, excerptChars),
          retryAfterMs,
          status === 0 || (status >= 300 && status < 400) ? 'redirect not followed' : undefined,
        ),
      (e) =>
        e.kind === 'Http' && e.retryAfterMs === undefined && retryAfterMs !== undefined
          ? new YqcloudError('Http', e.message, {
              status: e.status ?? status,
              body: e.body ?? '',
              retryAfterMs,
              partialText: e.partialText,
            })
          : e,
    ),
  );
};

const isEventStream = (headers: Readonly<Record<string, string>>): boolean =>
  /^\s*text\/event-stream\b/i.test(headers['content-type'] ?? '');

/**
 * One exchange with a relay as frames ({@link RelayFrame}): the reply's id (`x-reply-id`), each
 * event's chunk with its event id, the reply's own `error` ending, or `gone` (`204`: the relay no
 * longer has a reply asked for by `Last-Event-ID`); it completes after `finish`, the `error`
 * ending or `gone`. It fails with the connection: a refusal (non-2xx) revived from its JSON body,
 * or `Http` with the status; a 2xx that is not an event stream (`Http`); an event the client
 * cannot read (`Network` `EPROTO`); the stream ending before its ending (`Network`
 * `ERR_STREAM_PREMATURE_CLOSE`); a broken connection (`Network`). Unsubscribing unsubscribes the
 * transport (which aborts the fetch).
 */
export const relayFrames = (
  transport: Transport,
  request: HttpRequest,
  now: () => number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<RelayFrame> =>
  new Observable<RelayFrame>((subscriber) => {
    let head: { readonly status: number; readonly headers: Readonly<Record<string, string>> } | undefined;
    let refusal = '';
    let refusalWait: Subscription | undefined;
    const decoder = createUtf8Decoder();
    const fail = (e: YqcloudError): void => subscriber.error(e);
    const refuse = (): void => {
      if (head !== undefined) fail(refusalError(head.status, head.headers, refusal.slice(0, maxRefusalChars), now()));
    };

    const parser = createParser({
      maxBufferSize: maxEventChars,
      onEvent: (event) => {
        if (subscriber.closed) return;
        const step = relayStep(event);
        const id = event.id === undefined || event.id === '' ? undefined : event.id;
        if (step.type === 'skip') return;
        if (step.type === 'error') {
          // A protocol error is the connection's; an `error` event is the reply's ending.
          if (event.event !== 'error' || step.error.code === 'EPROTO') return fail(step.error);
          subscriber.next({ type: 'error', id, error: step.error });
          return subscriber.complete();
        }
        subscriber.next({ type: 'chunk', id, chunk: step.chunk });
        if (step.chunk.type === 'finish') subscriber.complete();
      },
      onError: (e) => {
        if (e.type === 'max-buffer-size-exceeded' && !subscriber.closed) fail(responseTooLarge(maxEventChars));
      },
    });

    // Linked to the subscriber before the transport starts, so that unsubscribing stops even a
    // synchronous transport at once.
    const upstream = new Subscriber<ResponseEvent>({
      next: (event) => {
        if (subscriber.closed) return;
        if (event.type === 'head') {
          head = { status: event.status, headers: event.headers };
          if (event.status === 204) {
            subscriber.next({ type: 'gone' });
            return subscriber.complete();
          }
          if (event.status >= 200 && event.status < 300) {
            if (!isEventStream(event.headers))
              return fail(httpError(event.status, '', undefined, 'the relay did not answer with an event stream'));
            const replyId = event.headers['x-reply-id'];
            if (replyId !== undefined && isReplyIdForm(replyId)) subscriber.next({ type: 'reply', replyId });
          } else refusalWait = scheduler.schedule(refuse, refusalWaitMs);
          return;
        }
        const piece = decoder.push(event.data);
        if (head !== undefined && head.status >= 200 && head.status < 300) {
          try {
            parser.feed(piece);
          } catch {
            fail(networkError('EPROTO', 'the relay’s event stream could not be read'));
          }
        } else {
          refusal += piece;
          if (refusal.length >= maxRefusalChars) refuse();
        }
      },
      error: (e: unknown) => fail(toNetworkError(e)),
      complete: () => {
        if (head !== undefined && (head.status < 200 || head.status >= 300)) {
          refusal += decoder.end();
          return refuse();
        }
        // An event without its closing blank line is dropped, as EventSource does.
        fail(networkError('ERR_STREAM_PREMATURE_CLOSE', 'the relay closed the stream before the reply finished'));
      },
    });
    subscriber.add(upstream);
    subscriber.add(() => refusalWait?.unsubscribe());
    transport(request).subscribe(upstream);
  });

/** A reply id as the relay mints them (base64url), checked before it is sent back in a URL. */
const isReplyIdForm = (value: string): boolean => /^[A-Za-z0-9_-]{16,64}$/.test(value);

/**
 * The reply a relay streams for one request, as chunks: `text` events as text chunks, the
 * `conversation` event, then `finish` (and the stream completes). Errors: those of
 * {@link relayFrames}, and the relay's `error` event revived; past {@link maxReplyChars} of text,
 * `ResponseTooLarge`. Every error's `partialText` is the text emitted here. Nothing is resumed
 * (`RelayProvider` resumes). Unsubscribing unsubscribes the transport (which aborts the fetch).
 */
export const relayReply = (
  transport: Transport,
  request: HttpRequest,
  now: () => number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<Chunk> =>
  resumeOnDrop(() => relayFrames(transport, request, now, scheduler), { maxAttempts: 0, maxTextChars: maxReplyChars });
