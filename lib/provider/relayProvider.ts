/**
 * The relay client: the same `create(request)` as `YqcloudProvider`, answered by a relay on your
 * own server (`createRelayHandler` of `yqcloud-rx/server`) instead of the service. For browsers,
 * which cannot call the service themselves, and for Node programs that share one relay.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import * as O from '#fp-ts/Option.js';
import { pipe } from '#fp-ts/function.js';
import type { Observable } from 'rxjs';
import { defer, EMPTY, finalize, fromEvent, map, Subject, takeUntil, tap, throwError, eachValueFrom } from '#rx';
import { conversation, type Chunk } from '../core/chunk.js';
import { invalidRequest, type YqcloudError } from '../core/error.js';
import { mergeHeaders } from '../core/headers.js';
import { validateRequest, yqcloudModels, type ChatRequest, type ModelSet } from '../core/request.js';
import { webFetchTransport } from '../http/webFetchTransport.js';
import type { HttpRequest, Transport } from '../http/transport.js';
import { maxReplyChars, relayFrames } from './relayReply.js';
import { type RelayFrame, resumeOnDrop } from './resumeOnDrop.js';
import { validateRelayOptions, type RelayConfig, type RelayProviderOptions } from './relayOptions.js';
import { relayTurn, restoreResumed } from './relayWire.js';
import { replyTelemetry, type ReplyTelemetry } from '../operators/replyTelemetry.js';
import { observeReply } from './observeReply.js';
import { eventIdReplyId, validateResumePoint, type ReplyCheckpoint, type ResumePoint } from './replyCheckpoint.js';

const protocolHeaders = { 'content-type': 'application/json', accept: 'text/event-stream' } as const;

/** `DELETE ?reply=<id>`, sent and forgotten: the relay stops the reply wherever it is produced. */
const stopReply = (transport: Transport, config: RelayConfig, replyId: string): void => {
  const url = `${config.url}${config.url.includes('?') ? '&' : '?'}reply=${encodeURIComponent(replyId)}`;
  transport({ url, method: 'DELETE', headers: config.headers, body: '' }).subscribe({ error: () => {} });
};

/**
 * A provider whose replies come from a relay: lazy and cold like `YqcloudProvider` (nothing is
 * sent until subscription, each subscription is one POST, unsubscribing aborts the fetch), with
 * the same chunks and the same `YqcloudError` kinds, whatever side of the relay they happened on.
 * A request is validated here first, with the same rules, so a bad one is never sent. `proxy` is
 * refused (`InvalidRequest`): the relay chooses how it reaches the service. `stream` is not sent:
 * a relay always streams. `historyBudget` is applied here: the history sent is trimmed to it, and
 * the returned conversation still holds it all.
 *
 * @example
 * ```ts
 * const relay = new RelayProvider({ url: 'https://example.com/api/chat', headers: { authorization: 'Bearer demo-token' } });
 * relay.create({ messages: [{ role: 'user', content: 'Hello' }] }).subscribe((chunk) => {
 *   if (chunk.type === 'text') console.log(chunk.text);
 * });
 * ```
 */
export class RelayProvider {
  /** The relay's address, as given (`''` when the options were not valid). */
  readonly url: string;
  /** Replies stream. */
  readonly supportsStream = true;
  /** A leading system message is passed on. */
  readonly supportsSystemMessage = true;
  /** Conversations keep their history (it travels with each request). */
  readonly supportsMessageHistory = true;
  /** The model used when none is asked for. */
  readonly defaultModel: string = yqcloudModels.defaultModel;
  /** The models a request may name. */
  readonly models: ReadonlyArray<string> = yqcloudModels.models;

  /**
   * Where each reply of this provider has got to, as its events arrive (from `create()` and
   * `resume()` alike): the reply's id, its last event id and its text so far. Hot: it emits only
   * while replies stream, to whoever subscribes, and never completes. Saved while a reply
   * streams, the latest checkpoint is what `resume()` continues from after a reload; a reply's
   * checkpoints end with it (its `finish` event has none: nothing is left to resume), so forget
   * the saved one when the reply ends (a session's `finished$`); a save delayed past that (a
   * throttled one) would bring an ended reply back. Only a relay that keeps replies gives them.
   *
   * @example
   * ```ts
   * const relay = new RelayProvider({ url: '/api/chat', headers: { authorization: 'Bearer demo-token' } });
   * relay.checkpoints$.subscribe((checkpoint) => localStorage.setItem('reply', JSON.stringify(checkpoint)));
   * ```
   */
  readonly checkpoints$: Observable<ReplyCheckpoint>;

  readonly #checkpoints = new Subject<ReplyCheckpoint>();
  readonly #config: E.Either<YqcloudError, RelayConfig>;
  #telemetry: ReplyTelemetry | undefined;

  /**
   * A relay client with the given options. Invalid options do not throw: every request then fails
   * with the `InvalidRequest` error that names them.
   */
  constructor(options: RelayProviderOptions) {
    this.#config = validateRelayOptions(options);
    this.url = E.isRight(this.#config) ? this.#config.right.url : '';
    this.checkpoints$ = this.#checkpoints.asObservable();
  }

  /**
   * The reply to a request, as chunks: text as the relay streams it, the conversation when
   * `returnConversation` is set, then `finish`. Every failure is a `YqcloudError` whose
   * `partialText` is the text this subscription received.
   *
   * @example
   * ```ts
   * const relay = new RelayProvider({ url: '/api/chat', headers: { authorization: 'Bearer demo-token' } });
   * const subscription = relay.create({ messages }).subscribe({
   *   next: (chunk) => chunk.type === 'text' && console.log(chunk.text),
   *   error: (e: YqcloudError) => console.error(e.kind, e.message),
   * });
   * subscription.unsubscribe(); // aborts the fetch; the relay closes its request to the service
   * ```
   */
  create(request: ChatRequest): Observable<Chunk> {
    return defer(() => {
      const planned = pipe(
        this.#config,
        E.bindTo('config'),
        E.bind('valid', () => validateRequest(request, this.#modelSet)),
        E.filterOrElse(
          ({ valid }) => O.isNone(valid.proxy),
          () => invalidRequest('proxy', 'a relay client cannot choose a proxy: the relay reaches the service'),
        ),
      );
      if (E.isLeft(planned)) return throwError(() => planned.left);
      const { config, valid } = planned.right;
      const signal = O.toUndefined(valid.signal);
      if (signal?.aborted === true) return EMPTY;
      const turn = relayTurn(valid);
      const post: HttpRequest = {
        url: config.url,
        method: 'POST',
        headers: mergeHeaders(config.headers, protocolHeaders),
        body: JSON.stringify(turn.body),
      };
      const reply$ = this.#follow(config, post, undefined).pipe(
        map((chunk) => (chunk.type === 'conversation' ? conversation(turn.restore(chunk.conversation)) : chunk)),
      );
      if (config.telemetry !== undefined) this.#telemetry ??= replyTelemetry(config.telemetry);
      const facts = {
        model: valid.model,
        messages: O.isSome(valid.conversation)
          ? [...valid.conversation.value.messageHistory, ...valid.messages.slice(-1)]
          : valid.messages,
        conversationId: O.isSome(valid.conversation) ? valid.conversation.value.userId : undefined,
        endpoint: config.url,
      };
      return (signal === undefined ? reply$ : reply$.pipe(takeUntil(fromEvent(signal, 'abort')))).pipe(
        observeReply(this.#telemetry, facts),
      );
    });
  }

  /**
   * Continues a reply that is already under way, from outside the `create()` that started it (a
   * page reloaded in the middle of a reply): `GET` with `Last-Event-ID: point.lastEventId`, the
   * chunks after that event, each exactly once, to the reply's end; dropped connections are
   * resumed as in `create()`, and unsubscribing before the end stops the reply (`DELETE
   * ?reply=`). Lazy and cold; its checkpoints go to {@link RelayProvider.checkpoints$} too.
   * With `point.conversation` (the conversation the reply continues), the returned conversation
   * gets back the history a `historyBudget` kept from the relay, as with `create()`.
   * Errors: `InvalidRequest` for a `point` that is not a relay event id (nothing is sent);
   * `Network` code `EGONE` when the relay no longer has the reply (`204`: unknown, expired, or a
   * relay that does not keep replies); the relay's refusals revived (`Http` 403 for another
   * client's reply); every `partialText` is `point.text` with the text received since.
   *
   * @example
   * ```ts
   * const relay = new RelayProvider({ url: '/api/chat', headers: { authorization: 'Bearer demo-token' } });
   * const saved: ReplyCheckpoint = JSON.parse(sessionStorage.getItem('reply') ?? 'null');
   * relay.resume(saved).subscribe({
   *   next: (chunk) => chunk.type === 'text' && console.log(chunk.text), // only what came after `saved`
   *   error: (e: YqcloudError) => console.error(e.kind, e.partialText), // `saved.text` and what came since
   * });
   * ```
   */
  resume(point: ResumePoint): Observable<Chunk> {
    return defer(() => {
      const planned = pipe(
        this.#config,
        E.bindTo('config'),
        E.bind('point', () => validateResumePoint(point)),
      );
      if (E.isLeft(planned)) return throwError(() => planned.left);
      const { config, point: valid } = planned.right;
      const reply$ = this.#follow(config, undefined, valid);
      const whole = valid.conversation;
      return whole === undefined
        ? reply$
        : reply$.pipe(
            map((chunk) =>
              chunk.type === 'conversation' ? conversation(restoreResumed(whole)(chunk.conversation)) : chunk,
            ),
          );
    });
  }

  /**
   * The chunks of one reply: started with `post`, or picked up after `from`, resumed when a
   * connection drops, stopped on the relay when unsubscribed before its end.
   */
  #follow(
    config: RelayConfig,
    post: HttpRequest | undefined,
    from: { readonly lastEventId: string; readonly text: string } | undefined,
  ): Observable<Chunk> {
    const transport = webFetchTransport(config.fetch);
    let replyId = from === undefined ? undefined : eventIdReplyId(from.lastEventId);
    let ended = false;
    const open = (lastEventId: string | undefined): Observable<RelayFrame> =>
      relayFrames(
        transport,
        lastEventId === undefined && post !== undefined
          ? post
          : {
              url: config.url,
              method: 'GET',
              headers: mergeHeaders(config.headers, {
                accept: 'text/event-stream',
                'last-event-id': lastEventId ?? from?.lastEventId ?? '',
              }),
              body: '',
            },
        Date.now,
      ).pipe(
        tap((frame) => {
          if (frame.type === 'reply') replyId = frame.replyId;
        }),
      );
    return resumeOnDrop(
      open,
      { ...config.resume, maxTextChars: maxReplyChars },
      { from, checkpoint: (checkpoint) => this.#checkpoints.next(checkpoint) },
    ).pipe(
      tap({ complete: () => (ended = true), error: () => (ended = true) }),
      finalize(() => {
        // Let go before the end: the relay is asked to stop the reply (a dropped connection is
        // resumed instead, and a page that goes away sends nothing: its reply can be resumed).
        if (!ended && replyId !== undefined) stopReply(transport, config, replyId);
      }),
    );
  }

  /**
   * The same chunks for `for await`; leaving the loop early aborts the fetch.
   *
   * @example
   * ```ts
   * const relay = new RelayProvider({ url: 'http://127.0.0.1:8787/api/chat' });
   * for await (const chunk of relay.createAsyncGenerator({ messages })) {
   *   if (chunk.type === 'text') console.log(chunk.text);
   * }
   * ```
   */
  async *createAsyncGenerator(request: ChatRequest): AsyncGenerator<Chunk, void, undefined> {
    yield* eachValueFrom(this.create(request));
  }

  get #modelSet(): ModelSet {
    return { defaultModel: this.defaultModel, models: this.models };
  }
}
