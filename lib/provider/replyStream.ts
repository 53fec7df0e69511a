/**
 * The heart of the provider: one transport exchange turned into the reply's chunks, with the
 * status mapped to errors, the body decoded as it arrives, in-band refusals caught before any of
 * their text leaks, the size bounded, and `partialText` on every error.
 *
 * @module
 */
import type { Subscription } from 'rxjs';
import { asyncScheduler, isObservable, Observable, Subscriber } from '#rx';
import { appendHistory, type Conversation } from '../core/conversation.js';
import {
  blocked,
  emptyResponse,
  httpError,
  invalidRequest,
  responseTooLarge,
  timeoutError,
  withPartialText,
  YqcloudError,
} from '../core/error.js';
import { withMessage, withOfflineHint, withRedactedText } from '../core/errorCopy.js';
import { redactText, redactUrl, redactUrlsIn } from '../core/redact.js';
import { pipe } from '#fp-ts/function.js';
import { conversation as conversationChunk, finish, text, type Chunk } from '../core/chunk.js';
import { directOpen, type EventSink, type ExchangeAbort } from '../http/directTransport.js';
import { toNetworkError } from '../http/toNetworkError.js';
import type { HttpRequest, ResponseEvent, Transport } from '../http/transport.js';
import { classifyStart } from './inBand.js';
import { parseRetryAfter } from './retryAfter.js';
import { createReplyText, createUnkeptReplyText, type ReplyText } from './replyText.js';
import type { BlockPool } from './blockPool.js';

/**
 * Everything one reply needs besides the transport.
 */
export interface ReplyPlan {
  readonly request: HttpRequest;
  /** The conversation of this turn, before the reply. */
  readonly conversation: Conversation;
  readonly returnConversation: boolean;
  /** Keep the delivered text for `partialText` (`false`: an error's `partialText` is `''`). */
  readonly keepText?: boolean | undefined;
  readonly maxResponseBytes: number;
  /** The deadline for the response's head, from subscription (absent or `0`: none); at most `firstChunkTimeoutMs`. */
  readonly headersTimeoutMs?: number | undefined;
  /** The deadline for the body's first bytes, from subscription (absent or `0`: none). */
  readonly firstChunkTimeoutMs?: number | undefined;
  /** Add what to try instead to a failure to reach the service (set for the real service's endpoint). */
  readonly offlineHint?: boolean | undefined;
  readonly now: () => number;
  /** Where the reply keeps its long pieces (by default blocks of its own, not reused). */
  readonly pool?: BlockPool | undefined;
  /** The credentials this request carries (endpoint userinfo, proxy), kept out of every error. */
  readonly secrets?: ReadonlyArray<string> | undefined;
}

/**
 * The most bytes of a reply the provider keeps whole (for `partialText` and the returned
 * conversation): 256 MiB, well below V8's string limit. Past it a reply kept whole fails with
 * `ResponseTooLarge` even when `maxResponseBytes` is larger; with `keepText: false` only
 * `maxResponseBytes` applies.
 */
export const maxKeptBytes = 256 * 1024 * 1024;

/**
 * The longest body excerpt an error keeps, in characters.
 */
export const excerptChars = 1024;

/** The UTF-8 length of a string piece (a test transport's). */
const utf8Length = (piece: string): number => {
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

/** The first `count` of `pieces` (`bytes` in all) as one. */
const joinPieces = (pieces: ReadonlyArray<Uint8Array>, count: number, bytes: number): Uint8Array => {
  const joined = new Uint8Array(bytes);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const piece = pieces[i] as Uint8Array;
    joined.set(piece, at);
    at += piece.byteLength;
  }
  return joined;
};

/** The head of a reply that has none yet, or whose head is not kept (a success's). */
const noHead: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

/**
 * One reply being read: the sink the transport delivers the response's events to, turning them
 * into the subscriber's chunks. A class, not closures: with thousands of replies open at once,
 * each piece then runs the same methods' code over one object of state, rather than a dozen
 * functions and contexts of its own per reply, which the CPU's caches no longer hold between two
 * pieces of the same reply.
 */
class ReplyReader implements EventSink {
  readonly #subscriber: Subscriber<Chunk>;
  readonly #headersTimeoutMs: number;
  readonly #firstChunkTimeoutMs: number;
  /** The conversation of this turn when the reply returns it (else nothing is kept of it). */
  readonly #conversation: Conversation | undefined;
  readonly #offlineHint: boolean;
  readonly #now: () => number;
  readonly #reply: ReplyText;
  readonly #secrets: ReadonlyArray<string>;
  readonly #maxBytes: number;
  #status = 0;
  #ok = false;
  #head: Readonly<Record<string, string>> = noHead;
  #bytes = 0;
  /**
   * The text held back while the reply's start could still turn out to be an in-band refusal
   * (`''` before any arrived); `undefined` once the start passed and every piece is emitted as
   * it comes.
   */
  #held: string | undefined = '';
  #errorBody = '';
  /**
   * The deadline for the head, then for the first bytes of the body: one timer, which the head
   * does not move (the head's deadline, when it passes after the head came, arms the rest of the
   * first chunk's), so a reply that answers in time sets one timer and clears it.
   */
  #deadline: Subscription | undefined;
  #deadlineOf: 'headersTimeoutMs' | 'firstChunkTimeoutMs' | undefined;
  #headSeen = false;
  #abort: ExchangeAbort;
  #startedAt = 0;

  constructor(subscriber: Subscriber<Chunk>, plan: ReplyPlan) {
    this.#subscriber = subscriber;
    // What the reply needs later, read out of the plan: an open reply keeps neither the plan nor
    // the request (its body, the validated messages), only these.
    this.#headersTimeoutMs = plan.headersTimeoutMs ?? 0;
    this.#firstChunkTimeoutMs = plan.firstChunkTimeoutMs ?? 0;
    this.#conversation = plan.returnConversation ? plan.conversation : undefined;
    this.#offlineHint = plan.offlineHint === true;
    this.#now = plan.now;
    this.#reply = plan.keepText === false ? createUnkeptReplyText() : createReplyText(plan.pool);
    this.#secrets = plan.secrets ?? [];
    // What is kept must fit in one string (V8's limit is about 512 Mi characters): the limit of
    // a reply kept whole is capped, however large maxResponseBytes is.
    this.#maxBytes = plan.keepText === false ? plan.maxResponseBytes : Math.min(plan.maxResponseBytes, maxKeptBytes);
  }

  get closed(): boolean {
    return this.#subscriber.closed;
  }

  /**
   * Arms the deadline of a reply that has not answered yet: the head's when it is the shorter,
   * else the first chunk's.
   */
  startDeadlines(): void {
    this.#startedAt = asyncScheduler.now();
    const headers = this.#headersTimeoutMs;
    const first = this.#firstChunkTimeoutMs;
    if (headers > 0 && (first === 0 || headers < first)) this.#arm('headersTimeoutMs', headers);
    else if (first > 0) this.#arm('firstChunkTimeoutMs', first);
  }

  #arm(option: 'headersTimeoutMs' | 'firstChunkTimeoutMs', ms: number): void {
    this.#deadlineOf = option;
    const elapsed = asyncScheduler.now() - this.#startedAt;
    this.#deadline = asyncScheduler.schedule(
      () => {
        this.#deadline = undefined;
        if (option === 'headersTimeoutMs' && this.#headSeen) {
          this.#arm('firstChunkTimeoutMs', this.#firstChunkTimeoutMs);
          return;
        }
        const what = option === 'headersTimeoutMs' ? 'the service did not answer' : 'no first chunk';
        this.#fail(
          withMessage(`timeout: ${what} within ${ms} ms (first-chunk; provider option ${option})`)(
            timeoutError('first-chunk', ms),
          ),
        );
      },
      Math.max(0, ms - elapsed),
    );
  }

  #stopDeadline(): void {
    this.#deadline?.unsubscribe();
    this.#deadline = undefined;
  }

  next(event: ResponseEvent): void {
    if (this.#subscriber.closed) return;
    if (event.type === 'head') {
      this.#headSeen = true;
      if (this.#deadlineOf === 'headersTimeoutMs' && this.#firstChunkTimeoutMs === 0) this.#stopDeadline();
      this.#status = event.status;
      this.#ok = event.status >= 200 && event.status < 300;
      // Only a failure reads the head (its location, its retry-after): a reply does not keep it.
      if (!this.#ok) this.#head = event.headers;
      // A redirect is not followed, and a 1xx as the final answer (a 101) is no reply.
      if (event.status < 200 || (event.status >= 300 && event.status < 400)) this.#fail(this.#httpFailure());
      return;
    }
    this.#onBody(event.data);
  }

  body(data: Uint8Array): void {
    if (!this.#subscriber.closed) this.#onBody(data);
  }

  /**
   * The pieces of one arrival, decoded and emitted as one. In an arrival that passes the byte
   * limit, the pieces within it go as one and the one that passes it fails the reply, as when
   * the pieces come one at a time.
   */
  bodyRead(pieces: ReadonlyArray<Uint8Array>, bytes: number): void {
    if (this.#subscriber.closed) return;
    let fit = pieces.length;
    let fitBytes = bytes;
    const room = this.#maxBytes - this.#bytes;
    if (bytes > room) {
      fit = 0;
      fitBytes = 0;
      for (let next = (pieces[0] as Uint8Array).byteLength; fitBytes + next <= room; ) {
        fitBytes += next;
        next = (pieces[++fit] as Uint8Array).byteLength;
      }
    }
    if (fit > 0) this.#onBody(fit === 1 ? (pieces[0] as Uint8Array) : joinPieces(pieces, fit, fitBytes));
    if (fit < pieces.length && !this.#subscriber.closed) this.#onBody(pieces[fit] as Uint8Array);
  }

  #onBody(data: Uint8Array | string): void {
    if (this.#deadline !== undefined) this.#stopDeadline();
    this.#bytes += typeof data === 'string' ? utf8Length(data) : data.byteLength;
    if (this.#bytes > this.#maxBytes) {
      this.#fail(responseTooLarge(this.#maxBytes));
      return;
    }
    const piece = this.#reply.decode(data);
    if (this.#ok) this.#onText(piece);
    else {
      this.#errorBody += piece;
      if (this.#errorBody.length >= excerptChars) this.#fail(this.#httpFailure());
    }
  }

  error(e: unknown): void {
    if (!this.#subscriber.closed) this.#fail(e);
  }

  complete(): void {
    if (this.#subscriber.closed) return;
    const rest = this.#reply.end();
    if (!this.#ok) {
      this.#errorBody += rest;
      this.#fail(
        this.#status === 0
          ? toNetworkError(new Error('the transport completed without a response'))
          : this.#httpFailure(),
      );
      return;
    }
    this.#onText(rest);
    if (this.#subscriber.closed) return;
    if (this.#held !== undefined) {
      const held = this.#held;
      this.#held = undefined;
      this.#emit(held);
    }
    if (this.#reply.nothingDelivered()) {
      this.#fail(emptyResponse(this.#status));
      return;
    }
    if (this.#conversation !== undefined)
      this.#subscriber.next(
        conversationChunk(
          appendHistory({ role: 'assistant', content: this.#reply.deliveredText() })(this.#conversation),
        ),
      );
    this.#subscriber.next(finish);
    this.#subscriber.complete();
  }

  /** What aborts the exchange, once it is open (the reply's teardown calls it). */
  exchangeOpened(abort: ExchangeAbort): void {
    this.#abort = abort;
  }

  /**
   * The reply's teardown (the reader is its own: no closure per reply): aborts what is left of
   * the exchange, and its kept text goes back to the pool.
   */
  unsubscribe(): void {
    const abort = this.#abort;
    this.#abort = undefined;
    if (typeof abort === 'function') abort();
    else abort?.unsubscribe();
    this.#stopDeadline();
    this.#reply.release();
  }

  #onText(piece: string): void {
    if (this.#held === undefined) {
      this.#emit(piece);
      return;
    }
    const held = this.#held + piece;
    const verdict = classifyStart(held);
    if (verdict._tag === 'Undecided') this.#held = held;
    else if (verdict._tag === 'Blocked') this.#fail(blocked(verdict.reason, held.slice(0, excerptChars)));
    else {
      this.#held = undefined;
      this.#emit(held);
    }
  }

  #emit(piece: string): void {
    if (piece === '') return;
    this.#reply.delivered(piece);
    this.#subscriber.next(text(piece));
  }

  #fail(e: unknown): void {
    const failure = e instanceof YqcloudError ? e : toNetworkError(e);
    const error = this.#offlineHint ? withOfflineHint(failure) : failure;
    const secrets = this.#secrets;
    this.#subscriber.error(
      pipe(
        error,
        withPartialText(this.#reply.deliveredText()),
        withRedactedText((text) => redactText(text, secrets)),
      ),
    );
  }

  #httpFailure(): YqcloudError {
    const status = this.#status;
    const location = this.#head.location;
    return httpError(
      status,
      this.#errorBody.slice(0, excerptChars),
      parseRetryAfter(this.#head['retry-after'], this.#now()),
      status >= 300 && status < 400
        ? `redirect${location === undefined ? '' : ` to ${redactUrl(location)}`} not followed`
        : undefined,
    );
  }
}

/**
 * The reply's chunks for one exchange over `transport`; subscribing sends the request,
 * unsubscribing aborts it.
 */
export const replyStream = (transport: Transport, plan: ReplyPlan): Observable<Chunk> =>
  new Observable<Chunk>((subscriber) => {
    const reader = new ReplyReader(subscriber, plan);
    reader.startDeadlines();
    const open = directOpen(transport);
    if (open !== undefined) {
      // The built-in transport calls the reader straight from the socket's events: nothing
      // reaches the reply once it has ended or its subscriber has left.
      reader.exchangeOpened(open(plan.request, reader));
      return reader;
    }
    const events = exchange(transport, plan.request);
    if (events instanceof YqcloudError) {
      reader.error(events);
      return reader;
    }
    // Linked to the reply's subscriber before subscribing, as RxJS's operators do: a consumer
    // that leaves during a synchronous body stops it at once.
    const events$ = new Subscriber<ResponseEvent>(reader);
    subscriber.add(events$);
    events.subscribe(events$);
    return reader;
  });
