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
import { defer, EMPTY, finalize, fromEvent, map, takeUntil, tap, throwError, eachValueFrom } from '#rx';
import { conversation, type Chunk } from '../core/chunk.js';
import { invalidRequest, type YqcloudError } from '../core/error.js';
import { mergeHeaders } from '../core/headers.js';
import { validateRequest, yqcloudModels, type ChatRequest, type ModelSet } from '../core/request.js';
import { webFetchTransport } from '../http/webFetchTransport.js';
import type { Transport } from '../http/transport.js';
import { maxReplyChars, relayFrames } from './relayReply.js';
import { type RelayFrame, resumeOnDrop } from './resumeOnDrop.js';
import { validateRelayOptions, type RelayConfig, type RelayProviderOptions } from './relayOptions.js';
import { relayTurn } from './relayWire.js';
import { replyTelemetry, type ReplyTelemetry } from '../operators/replyTelemetry.js';
import { observeReply } from './observeReply.js';

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

  readonly #config: E.Either<YqcloudError, RelayConfig>;
  #telemetry: ReplyTelemetry | undefined;

  /**
   * A relay client with the given options. Invalid options do not throw: every request then fails
   * with the `InvalidRequest` error that names them.
   */
  constructor(options: RelayProviderOptions) {
    this.#config = validateRelayOptions(options);
    this.url = E.isRight(this.#config) ? this.#config.right.url : '';
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
      const transport = webFetchTransport(config.fetch);
      let replyId: string | undefined;
      let ended = false;
      const open = (lastEventId: string | undefined): Observable<RelayFrame> =>
        relayFrames(
          transport,
          lastEventId === undefined
            ? {
                url: config.url,
                method: 'POST',
                headers: mergeHeaders(config.headers, protocolHeaders),
                body: JSON.stringify(turn.body),
              }
            : {
                url: config.url,
                method: 'GET',
                headers: mergeHeaders(config.headers, { accept: 'text/event-stream', 'last-event-id': lastEventId }),
                body: '',
              },
          Date.now,
        ).pipe(
          tap((frame) => {
            if (frame.type === 'reply') replyId = frame.replyId;
          }),
        );
      const reply$ = resumeOnDrop(open, { ...config.resume, maxTextChars: maxReplyChars }).pipe(
        map((chunk) => (chunk.type === 'conversation' ? conversation(turn.restore(chunk.conversation)) : chunk)),
        tap({ complete: () => (ended = true), error: () => (ended = true) }),
        finalize(() => {
          // Let go before the end: the relay is asked to stop the reply (a dropped connection is
          // resumed instead, and a page that goes away sends nothing: its reply can be resumed).
          if (!ended && replyId !== undefined) stopReply(transport, config, replyId);
        }),
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
