/**
 * The Yqcloud provider: a request in, an `Observable<Chunk>` out.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import * as O from '#fp-ts/Option.js';
import { pipe } from '#fp-ts/function.js';
import type { Observable } from 'rxjs';
import { defer, EMPTY, fromEvent, takeUntil, throwError, eachValueFrom } from '#rx';
import type { Chunk } from '../core/chunk.js';
import { mergeHeaders, type HeaderRecord } from '../core/headers.js';
import { invalidRequest, type YqcloudError } from '../core/error.js';
import { ownSnapshot } from '../core/snapshot.js';
import { validateRequest, yqcloudModels, type ChatRequest, type ModelSet } from '../core/request.js';
import { createDefaultTransport, type OwnedTransport } from '#defaultTransport';
import {
  endpointFromEnvironment,
  validateProviderOptions,
  yqcloudApiEndpoint,
  yqcloudUrl,
  type ProviderConfig,
  type YqcloudProviderOptions,
} from './options.js';
import { buildPayload, requestHeaders, turnConversation } from './payload.js';
import { createBlockPool, maxIdleBytesCap, type BlockPool } from './blockPool.js';
import { replyStream } from './replyStream.js';
import { withLogging, type Logger } from '../http/loggingTransport.js';
import type { Transport } from '../http/transport.js';
import { requestSecrets } from './requestSecrets.js';
import { replyTelemetry, type ReplyTelemetry } from '../operators/replyTelemetry.js';
import { observeReply } from './observeReply.js';

const logged = (transport: Transport, logger: Logger | undefined): Transport =>
  logger === undefined ? transport : withLogging(transport, logger);

/** The endpoint as given, when it is a string that can be read without throwing. */
const givenEndpoint = (options: unknown): string => {
  try {
    const endpoint = (options as { readonly apiEndpoint?: unknown } | undefined)?.apiEndpoint;
    return typeof endpoint === 'string' ? endpoint : '';
  } catch {
    return '';
  }
};

/**
 * A Yqcloud provider: sends chat requests to an endpoint and streams the replies.
 *
 * `create` is lazy and cold: nothing is sent until subscription, each subscription is one
 * request, and unsubscribing aborts it and closes its socket.
 *
 * @example
 * ```ts
 * const provider = new YqcloudProvider({ apiEndpoint: 'http://127.0.0.1:8080/api/generateStream' });
 * provider.create({ messages: [{ role: 'user', content: 'Hello' }] }).subscribe((chunk) => {
 *   if (chunk.type === 'text') process.stdout.write(chunk.text);
 * });
 * ```
 */
export class YqcloudProvider {
  /** The service's web site. */
  readonly url: string = yqcloudUrl;
  /**
   * Where requests are sent: the `apiEndpoint` option, else `YQCLOUD_API_ENDPOINT` as it is set
   * now, else the real service (`''` when the option or the variable is not a URL).
   */
  get apiEndpoint(): string {
    const config = this.#config;
    if (E.isLeft(config)) return this.#givenEndpoint;
    return (
      config.right.apiEndpoint ??
      pipe(
        endpointFromEnvironment(),
        E.getOrElse(() => ''),
      )
    );
  }
  /** The service is believed to be up. */
  readonly working = true;
  /** Replies stream. */
  readonly supportsStream = true;
  /** A leading system message is sent as `system`. */
  readonly supportsSystemMessage = true;
  /** Conversations keep their history. */
  readonly supportsMessageHistory = true;
  /** The model used when none is asked for. */
  readonly defaultModel: string = yqcloudModels.defaultModel;
  /** The models the service serves. */
  readonly models: ReadonlyArray<string> = [...yqcloudModels.models];

  readonly #models: ModelSet = { defaultModel: this.defaultModel, models: this.models };
  readonly #config: E.Either<YqcloudError, ProviderConfig>;
  readonly #givenEndpoint: string;
  #owned: OwnedTransport | undefined;
  #pool: BlockPool | undefined;
  /** The request headers, built on the first request (they depend on the options only). */
  #headers: HeaderRecord | undefined;
  /** The credentials in the endpoint last sent to, and that endpoint. */
  #endpointSecrets: { readonly endpoint: string; readonly secrets: ReadonlyArray<string> } | undefined;
  #telemetry: ReplyTelemetry | undefined;

  /**
   * A provider with the given options. Invalid options do not throw: every request made with
   * this provider then fails with the `InvalidRequest` error that names them (and `apiEndpoint`
   * is `''` when the endpoint itself is not a string).
   */
  constructor(options?: YqcloudProviderOptions) {
    this.#config = validateProviderOptions(options);
    this.#givenEndpoint = E.isRight(this.#config) ? '' : givenEndpoint(options);
  }

  /**
   * A provider, or the error its options would cause.
   *
   * @example
   * ```ts
   * const provider = YqcloudProvider.fromOptions(options); // Either<YqcloudError, YqcloudProvider>
   * ```
   */
  static fromOptions(options: unknown): E.Either<YqcloudError, YqcloudProvider> {
    // One read of the caller's object: the copy is validated and then built from.
    return pipe(
      ownSnapshot(options === undefined ? {} : options),
      E.mapLeft((e) => invalidRequest('', `provider options ${e.message}`)),
      E.chainFirst(validateProviderOptions),
      E.map((snapshot) => new YqcloudProvider(snapshot as YqcloudProviderOptions)),
    );
  }

  /**
   * The reply to a request, as chunks: text as it arrives (one chunk per arrival of bytes, however
   * many pieces the service wrote them in), the conversation when
   * `returnConversation` is set, then `finish`. Every failure is a `YqcloudError`.
   *
   * @example
   * ```ts
   * const subscription = provider.create({ messages: [{ role: 'user', content: 'Hi' }] }).subscribe({
   *   next: (chunk) => chunk.type === 'text' && process.stdout.write(chunk.text),
   *   error: (e: YqcloudError) => console.error(e.kind, e.message),
   * });
   * subscription.unsubscribe(); // aborts the request
   * ```
   */
  create(request: ChatRequest): Observable<Chunk> {
    return defer(() => {
      const configured = this.#config;
      if (E.isLeft(configured)) return throwError(() => configured.left);
      const config = configured.right;
      const endpoint = config.apiEndpoint === undefined ? endpointFromEnvironment() : E.right(config.apiEndpoint);
      if (E.isLeft(endpoint)) return throwError(() => endpoint.left);
      const apiEndpoint = endpoint.right;
      const validated = validateRequest(request, this.#models);
      if (E.isLeft(validated)) return throwError(() => validated.left);
      const valid = validated.right;
      const signal = O.toUndefined(valid.signal);
      if (signal?.aborted === true) return EMPTY;
      const owned = this.#transport(config);
      const conversation = turnConversation(valid, config.idClock);
      this.#headers ??= Object.freeze(requestHeaders(this.url, config.headers, owned.inBrowser));
      if (this.#endpointSecrets?.endpoint !== apiEndpoint)
        this.#endpointSecrets = { endpoint: apiEndpoint, secrets: requestSecrets(apiEndpoint, O.none) };
      this.#pool ??= createBlockPool(Math.min(config.maxResponseBytes, maxIdleBytesCap));
      const reply$ = replyStream(owned.transport, {
        request: {
          url: apiEndpoint,
          method: 'POST',
          headers:
            Object.keys(valid.headers).length === 0
              ? this.#headers
              : requestHeaders(this.url, mergeHeaders(config.headers, valid.headers), owned.inBrowser),
          body: JSON.stringify(buildPayload(conversation, valid.stream, valid.historyBudget)),
          proxy: O.toUndefined(valid.proxy),
        },
        conversation,
        returnConversation: valid.returnConversation,
        keepText: valid.keepText,
        maxResponseBytes: config.maxResponseBytes,
        headersTimeoutMs: config.headersTimeoutMs,
        firstChunkTimeoutMs: config.firstChunkTimeoutMs,
        offlineHint: apiEndpoint === yqcloudApiEndpoint,
        now: config.now,
        pool: this.#pool,
        // The endpoint's secrets are the same for every request; only a proxy adds its own.
        secrets: O.isNone(valid.proxy) ? this.#endpointSecrets.secrets : requestSecrets(apiEndpoint, valid.proxy),
      });
      if (config.telemetry !== undefined) this.#telemetry ??= replyTelemetry(config.telemetry);
      const facts = { model: valid.model, messages: conversation.messageHistory, conversationId: conversation.userId };
      return (signal === undefined ? reply$ : reply$.pipe(takeUntil(fromEvent(signal, 'abort')))).pipe(
        observeReply(this.#telemetry, { ...facts, endpoint: apiEndpoint }),
      );
    });
  }

  /**
   * The same chunks for `for await`; leaving the loop early aborts the request.
   *
   * @example
   * ```ts
   * for await (const chunk of provider.createAsyncGenerator({ messages })) {
   *   if (chunk.type === 'text') process.stdout.write(chunk.text);
   * }
   * ```
   */
  async *createAsyncGenerator(request: ChatRequest): AsyncGenerator<Chunk, void, undefined> {
    yield* eachValueFrom(this.create(request));
  }

  /**
   * Closes the provider's connections, idle and in flight (a reply still streaming fails with a
   * `Network` error), and drops the byte blocks kept for reuse (a reply keeps its body in blocks
   * that later replies reuse, up to `maxResponseBytes` and at most 32 MiB of them idle); a later
   * request opens new ones. Call it when the provider is no longer
   * needed, so no kept-alive socket holds the process open.
   *
   * @example
   * ```ts
   * provider.destroy();
   * ```
   */
  destroy(): void {
    this.#owned?.destroy();
    this.#owned = undefined;
    this.#pool?.clear();
  }

  #transport(config: ProviderConfig): OwnedTransport {
    if (this.#owned === undefined) {
      const base: OwnedTransport =
        config.transport === undefined
          ? createDefaultTransport({ axios: config.axios, ca: config.ca, keepAlive: config.keepAlive })
          : { transport: config.transport, destroy: () => {}, inBrowser: false };
      this.#owned = config.logger === undefined ? base : { ...base, transport: logged(base.transport, config.logger) };
    }
    return this.#owned;
  }
}

/**
 * The Yqcloud provider with its defaults: the real service at `https://api.binjie.fun`, or the
 * `YQCLOUD_API_ENDPOINT` environment variable as it is set when a request is made.
 *
 * @example
 * ```ts
 * Yqcloud.url;          // 'https://chat9.yqcloud.top'
 * Yqcloud.defaultModel; // 'gpt-4'
 * Yqcloud.create({ messages: [{ role: 'user', content: 'Hello' }] }).subscribe(console.log);
 * ```
 */
export const Yqcloud: YqcloudProvider = new YqcloudProvider();
