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
import { asyncScheduler, Observable, type SchedulerLike, Subscriber, type Subscription } from 'rxjs';
import type { Chunk } from '../core/chunk.js';
import { httpError, networkError, responseTooLarge, withPartialText, YqcloudError } from '../core/error.js';
import { errorFromJson } from '../core/errorJson.js';
import { toNetworkError } from '../http/toNetworkError.js';
import type { HttpRequest, Transport, ResponseEvent } from '../http/transport.js';
import { createUtf8Decoder } from '../http/utf8.js';
import { parseRetryAfter } from './retryAfter.js';
import { relayStep } from '../core/relayProtocol.js';

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
 * The reply a relay streams for one request, as chunks: `text` events as text chunks, the
 * `conversation` event, then `finish` (and the stream completes). Errors: a refusal (non-2xx) is
 * revived from its JSON body, or is `Http` with the status; a 2xx that is not an event stream is
 * `Http`; an `error` event is revived; an event the client cannot read is `Network` (`EPROTO`);
 * the stream ending before `finish` is `Network` (`ERR_STREAM_PREMATURE_CLOSE`); a broken
 * connection is `Network`. Every error's `partialText` is the text emitted here. Unsubscribing
 * unsubscribes the transport (which aborts the fetch).
 */
export const relayReply = (
  transport: Transport,
  request: HttpRequest,
  now: () => number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<Chunk> =>
  new Observable<Chunk>((subscriber) => {
    let delivered = '';
    let head: { readonly status: number; readonly headers: Readonly<Record<string, string>> } | undefined;
    let refusal = '';
    let refusalWait: Subscription | undefined;
    const decoder = createUtf8Decoder();
    const fail = (e: YqcloudError): void => subscriber.error(withPartialText(delivered)(e));
    const refuse = (): void => {
      if (head !== undefined) fail(refusalError(head.status, head.headers, refusal.slice(0, maxRefusalChars), now()));
    };

    const parser = createParser({
      maxBufferSize: maxEventChars,
      onEvent: (event) => {
        if (subscriber.closed) return;
        const step = relayStep(event);
        if (step.type === 'error') return fail(step.error);
        if (step.type === 'skip') return;
        const { chunk } = step;
        if (chunk.type === 'text') {
          if (delivered.length + chunk.text.length > maxReplyChars) return fail(responseTooLarge(maxReplyChars));
          delivered += chunk.text;
        }
        subscriber.next(chunk);
        if (chunk.type === 'finish') subscriber.complete();
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
          if (event.status >= 200 && event.status < 300) {
            if (!isEventStream(event.headers))
              fail(httpError(event.status, '', undefined, 'the relay did not answer with an event stream'));
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
