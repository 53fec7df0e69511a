/**
 * The heart of the provider: one transport exchange turned into the reply's chunks, with the
 * status mapped to errors, the body decoded as it arrives, in-band refusals caught before any of
 * their text leaks, the size bounded, and `partialText` on every error.
 *
 * @module
 */
import { isObservable, Observable } from 'rxjs';
import { appendHistory, type Conversation } from '../core/conversation.js';
import {
  blocked,
  emptyResponse,
  httpError,
  invalidRequest,
  responseTooLarge,
  withPartialText,
  YqcloudError,
} from '../core/error.js';
import { withRedactedText } from '../core/errorCopy.js';
import { redactText, redactUrl, redactUrlsIn } from '../core/redact.js';
import { pipe } from '#fp-ts/function.js';
import { conversation as conversationChunk, finish, text, type Chunk } from '../core/chunk.js';
import { directOpen } from '../http/directTransport.js';
import { toNetworkError } from '../http/toNetworkError.js';
import type { HttpRequest, ResponseEvent, Transport } from '../http/transport.js';
import { classifyStart } from './inBand.js';
import { parseRetryAfter } from './retryAfter.js';
import { createReplyText, createUnkeptReplyText } from './replyText.js';
import type { BlockPool } from './blockPool.js';

/**
 * Everything one reply needs besides the transport.
 *
 * @example
 * ```ts
 * replyStream(transport, { request: httpRequest, conversation, returnConversation: true, maxResponseBytes: 1 << 20, now: Date.now });
 * ```
 */
export interface ReplyPlan {
  readonly request: HttpRequest;
  /** The conversation of this turn, before the reply. */
  readonly conversation: Conversation;
  readonly returnConversation: boolean;
  /** Keep the delivered text for `partialText` (`false`: an error's `partialText` is `''`). */
  readonly keepText?: boolean | undefined;
  readonly maxResponseBytes: number;
  readonly now: () => number;
  /** Where the reply keeps its long pieces (by default blocks of its own, not reused). */
  readonly pool?: BlockPool | undefined;
  /** The credentials this request carries (endpoint userinfo, proxy), kept out of every error. */
  readonly secrets?: ReadonlyArray<string> | undefined;
}

/**
 * The longest body excerpt an error keeps, in characters.
 *
 * @example
 * ```ts
 * YqcloudError.is(error, 'Http') && error.body.length <= excerptChars; // true
 * ```
 */
export const excerptChars = 1024;

const utf8Length = (piece: Uint8Array | string): number => {
  if (typeof piece !== 'string') return piece.byteLength;
  let bytes = 0;
  for (let i = 0; i < piece.length; i++) {
    const unit = piece.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < piece.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
};

/**
 * Where the reply's start stands: `Holding` its text back while it could still turn out to be an
 * in-band refusal (`text` is `''` before any arrived), or `Passed`, every later piece emitted as
 * it comes.
 */
type StartState = { readonly _tag: 'Holding'; readonly text: string } | { readonly _tag: 'Passed' };
const holding = (text: string): StartState => ({ _tag: 'Holding', text });
const passed: StartState = { _tag: 'Passed' };

/** The transport's events for `request`, or the error a transport that breaks its contract causes. */
const exchange = (transport: Transport, request: HttpRequest): Observable<ResponseEvent> | YqcloudError => {
  try {
    const events: unknown = transport(request);
    return isObservable(events)
      ? (events as Observable<ResponseEvent>)
      : invalidRequest('transport', 'a transport returns an Observable of response events');
  } catch (e) {
    return invalidRequest(
      'transport',
      `the transport threw: ${e instanceof Error ? redactUrlsIn(e.message) : 'a non-error'}`,
    );
  }
};

/**
 * The reply's chunks for one exchange over `transport`; subscribing sends the request,
 * unsubscribing aborts it.
 *
 * @example
 * ```ts
 * replyStream(transport, plan).subscribe((chunk) => console.log(chunk));
 * ```
 */
export const replyStream = (transport: Transport, plan: ReplyPlan): Observable<Chunk> =>
  new Observable<Chunk>((subscriber) => {
    const reply = plan.keepText === false ? createUnkeptReplyText() : createReplyText(plan.pool);
    const secrets = plan.secrets ?? [];
    const redact = (text: string): string => redactText(text, secrets);
    let status = 0;
    let ok = false;
    let head: Readonly<Record<string, string>> = {};
    let bytes = 0;
    let start: StartState = holding('');
    let errorBody = '';

    const fail = (e: unknown): void => {
      const error = e instanceof YqcloudError ? e : toNetworkError(e);
      subscriber.error(pipe(error, withPartialText(reply.deliveredText()), withRedactedText(redact)));
    };

    const emit = (piece: string): void => {
      if (piece === '') return;
      reply.delivered(piece);
      subscriber.next(text(piece));
    };

    const onText = (piece: string): void => {
      if (start._tag === 'Passed') {
        emit(piece);
        return;
      }
      const held = start.text + piece;
      const verdict = classifyStart(held);
      if (verdict._tag === 'Undecided') start = holding(held);
      else if (verdict._tag === 'Blocked') fail(blocked(verdict.reason, held.slice(0, excerptChars)));
      else {
        start = passed;
        emit(held);
      }
    };

    const httpFailure = (): YqcloudError =>
      httpError(
        status,
        errorBody.slice(0, excerptChars),
        parseRetryAfter(head['retry-after'], plan.now()),
        status >= 300 && status < 400
          ? `redirect${head.location === undefined ? '' : ` to ${redactUrl(head.location)}`} not followed`
          : undefined,
      );

    const onEvent = (event: ResponseEvent): void => {
      if (event.type === 'head') {
        status = event.status;
        head = event.headers;
        ok = status >= 200 && status < 300;
        // A redirect is not followed, and a 1xx as the final answer (a 101) is no reply.
        if (status < 200 || (status >= 300 && status < 400)) fail(httpFailure());
        return;
      }
      bytes += utf8Length(event.data);
      if (bytes > plan.maxResponseBytes) {
        fail(responseTooLarge(plan.maxResponseBytes));
        return;
      }
      const piece = reply.decode(event.data);
      if (ok) onText(piece);
      else {
        errorBody += piece;
        if (errorBody.length >= excerptChars) fail(httpFailure());
      }
    };

    const onComplete = (): void => {
      const rest = reply.end();
      if (!ok) {
        errorBody += rest;
        fail(status === 0 ? toNetworkError(new Error('the transport completed without a response')) : httpFailure());
        return;
      }
      onText(rest);
      if (subscriber.closed) return;
      if (start._tag === 'Holding') {
        const held = start.text;
        start = passed;
        emit(held);
      }
      if (reply.nothingDelivered()) {
        fail(emptyResponse(status));
        return;
      }
      if (plan.returnConversation)
        subscriber.next(
          conversationChunk(appendHistory({ role: 'assistant', content: reply.deliveredText() })(plan.conversation)),
        );
      subscriber.next(finish);
      subscriber.complete();
    };

    const open = directOpen(transport);
    if (open !== undefined) {
      // The built-in transport calls these straight from the socket's events: nothing reaches
      // the reply once it has ended or its subscriber has left.
      const abort = open(plan.request, {
        next: (event) => {
          if (!subscriber.closed) onEvent(event);
        },
        error: (e) => {
          if (!subscriber.closed) fail(e);
        },
        complete: () => {
          if (!subscriber.closed) onComplete();
        },
        get closed() {
          return subscriber.closed;
        },
      });
      return () => {
        abort?.();
        reply.release();
      };
    }
    const events = exchange(transport, plan.request);
    if (events instanceof YqcloudError) {
      fail(events);
      return reply.release;
    }
    const subscription = events.subscribe({ next: onEvent, error: fail, complete: onComplete });
    return () => {
      subscription.unsubscribe();
      reply.release();
    };
  });
