/**
 * The one error type of yqcloud-rx: every failure reaches a subscriber's
 * `error` callback as a {@link YqcloudError} whose `kind` says what went wrong.
 *
 * @module
 */

/**
 * Every way a reply can fail.
 *
 * @example
 * ```ts
 * const retryable = (kind: ErrorKind): boolean => kind === 'Network' || kind === 'Timeout';
 * ```
 */
export type ErrorKind =
  | 'InvalidRequest'
  | 'Http'
  | 'Network'
  | 'Blocked'
  | 'Timeout'
  | 'EmptyResponse'
  | 'ResponseTooLarge';

/**
 * Which deadline of `withTimeouts` was missed.
 *
 * @example
 * ```ts
 * if (YqcloudError.is(e, 'Timeout') && e.phase === 'first-chunk') console.log('no answer yet');
 * ```
 */
export type TimeoutPhase = 'first-chunk' | 'idle' | 'total';

/**
 * The fields each kind carries besides `kind`, `message` and `partialText`.
 *
 * @example
 * ```ts
 * type HttpFields = ErrorFields['Http']; // { status: number; body: string; retryAfterMs?: number }
 * ```
 */
export interface ErrorFields {
  readonly InvalidRequest: { readonly path: string };
  readonly Http: { readonly status: number; readonly body: string; readonly retryAfterMs?: number };
  readonly Network: { readonly code: string; readonly cause?: unknown };
  readonly Blocked: { readonly body: string; readonly reason: BlockReason };
  readonly Timeout: { readonly phase: TimeoutPhase; readonly timeoutMs: number };
  readonly EmptyResponse: { readonly status: number };
  readonly ResponseTooLarge: { readonly limitBytes: number };
}

/**
 * Why the service refused to answer, as recognised from its in-band reply.
 *
 * @example
 * ```ts
 * if (YqcloudError.is(e, 'Blocked') && e.reason === 'ip-banned') console.log('use a proxy');
 * ```
 */
export type BlockReason = 'ip-banned' | 'abnormal-traffic' | 'html-page';

/**
 * A `YqcloudError` narrowed to one kind, with that kind's fields present.
 *
 * @example
 * ```ts
 * const onHttp = (e: YqcloudErrorOf<'Http'>): number => e.status;
 * ```
 */
export type YqcloudErrorOf<K extends ErrorKind> = YqcloudError & { readonly kind: K } & ErrorFields[K];

/**
 * The fields a {@link YqcloudError} is built with; each kind uses its own (see {@link ErrorFields}).
 *
 * @example
 * ```ts
 * const init: YqcloudErrorInit = { status: 503, body: 'busy', partialText: '' };
 * new YqcloudError('Http', 'HTTP 503', init);
 * ```
 */
export interface YqcloudErrorInit {
  readonly partialText?: string;
  readonly status?: number;
  readonly body?: string;
  readonly retryAfterMs?: number;
  readonly phase?: TimeoutPhase;
  readonly timeoutMs?: number;
  readonly code?: string;
  readonly path?: string;
  readonly reason?: BlockReason;
  readonly limitBytes?: number;
  readonly cause?: unknown;
}

/**
 * A failure of a Yqcloud request, discriminated by `kind`.
 *
 * `partialText` is the reply text already delivered before the failure (empty
 * if none), so a subscriber never loses what it received. Kind-specific fields
 * (`status`, `body`, `retryAfterMs`, `phase`, …) are present on their kind;
 * narrow with {@link YqcloudError.is}.
 *
 * @example
 * ```ts
 * provider.create({ messages }).subscribe({
 *   error: (e: YqcloudError) => {
 *     if (YqcloudError.is(e, 'Http') && e.status === 429) console.log('retry in', e.retryAfterMs);
 *     console.log('kept so far:', e.partialText);
 *   },
 * });
 * ```
 */
export class YqcloudError extends Error {
  override readonly name = 'YqcloudError';
  /** What went wrong. */
  readonly kind: ErrorKind;
  /** The text delivered to the subscriber before this failure. */
  readonly partialText: string;
  /** HTTP status (`Http`, `EmptyResponse`). */
  declare readonly status?: number;
  /** An excerpt of the response body (`Http`, `Blocked`), at most 1 KiB of text. */
  declare readonly body?: string;
  /** How long the server asked to wait before retrying (`Http` with `Retry-After`). */
  declare readonly retryAfterMs?: number;
  /** Which deadline was missed (`Timeout`). */
  declare readonly phase?: TimeoutPhase;
  /** The deadline that was missed, in milliseconds (`Timeout`). */
  declare readonly timeoutMs?: number;
  /** The system error code, such as `ECONNREFUSED` (`Network`). */
  declare readonly code?: string;
  /** Where in the request the problem is, such as `messages.0.role` (`InvalidRequest`). */
  declare readonly path?: string;
  /** Which in-band refusal was recognised (`Blocked`). */
  declare readonly reason?: BlockReason;
  /** The byte limit that was passed (`ResponseTooLarge`). */
  declare readonly limitBytes?: number;

  /**
   * Prefer the constructors of this module (`invalidRequest`, `httpError`, …),
   * which fill the fields each kind needs.
   */
  constructor(kind: ErrorKind, message: string, init: YqcloudErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = kind;
    this.partialText = init.partialText ?? '';
    if (init.status !== undefined) this.status = init.status;
    if (init.body !== undefined) this.body = init.body;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.phase !== undefined) this.phase = init.phase;
    if (init.timeoutMs !== undefined) this.timeoutMs = init.timeoutMs;
    if (init.code !== undefined) this.code = init.code;
    if (init.path !== undefined) this.path = init.path;
    if (init.reason !== undefined) this.reason = init.reason;
    if (init.limitBytes !== undefined) this.limitBytes = init.limitBytes;
  }

  /**
   * Whether `u` is a `YqcloudError`, optionally of the given kind; narrows the type.
   *
   * @example
   * ```ts
   * if (YqcloudError.is(err, 'Timeout')) console.log(err.phase);
   * ```
   */
  static is<K extends ErrorKind>(u: unknown, kind?: K): u is YqcloudErrorOf<K> {
    return u instanceof YqcloudError && (kind === undefined || u.kind === kind);
  }

  /** A plain, credential-free object for logs and `JSON.stringify`. */
  toJSON(): Record<string, unknown> {
    const { cause } = this;
    return {
      name: this.name,
      kind: this.kind,
      message: this.message,
      partialText: this.partialText,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.body === undefined ? {} : { body: this.body }),
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(this.phase === undefined ? {} : { phase: this.phase }),
      ...(this.timeoutMs === undefined ? {} : { timeoutMs: this.timeoutMs }),
      ...(this.code === undefined ? {} : { code: this.code }),
      ...(this.path === undefined ? {} : { path: this.path }),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      ...(this.limitBytes === undefined ? {} : { limitBytes: this.limitBytes }),
      ...(cause instanceof Error ? { cause: { name: cause.name, message: cause.message } } : {}),
    };
  }
}

const fieldsOf = (e: YqcloudError): YqcloudErrorInit => ({
  partialText: e.partialText,
  ...(e.status === undefined ? {} : { status: e.status }),
  ...(e.body === undefined ? {} : { body: e.body }),
  ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
  ...(e.phase === undefined ? {} : { phase: e.phase }),
  ...(e.timeoutMs === undefined ? {} : { timeoutMs: e.timeoutMs }),
  ...(e.code === undefined ? {} : { code: e.code }),
  ...(e.path === undefined ? {} : { path: e.path }),
  ...(e.reason === undefined ? {} : { reason: e.reason }),
  ...(e.limitBytes === undefined ? {} : { limitBytes: e.limitBytes }),
  ...(e.cause === undefined ? {} : { cause: e.cause }),
});

/**
 * A copy of `e` with `partialText` set; `e` itself is left as it is.
 *
 * @example
 * ```ts
 * withPartialText('Hel')(networkError('ECONNRESET', 'socket hang up')).partialText; // 'Hel'
 * ```
 */
export const withPartialText =
  (partialText: string) =>
  (e: YqcloudError): YqcloudError =>
    e.partialText === partialText ? e : new YqcloudError(e.kind, e.message, { ...fieldsOf(e), partialText });

/**
 * A bad request or option; nothing was sent.
 *
 * @example
 * ```ts
 * invalidRequest('messages', 'messages must not be empty').kind; // 'InvalidRequest'
 * ```
 */
export const invalidRequest = (path: string, message: string): YqcloudError =>
  new YqcloudError('InvalidRequest', path === '' ? message : `${path}: ${message}`, { path });

/**
 * A non-2xx answer (redirects included).
 *
 * @example
 * ```ts
 * httpError(429, 'slow down', 2000).retryAfterMs; // 2000
 * ```
 */
export const httpError = (status: number, body: string, retryAfterMs?: number, detail?: string): YqcloudError =>
  new YqcloudError(
    'Http',
    `HTTP ${status}${detail === undefined ? '' : ` (${detail})`}${body === '' ? '' : `: ${body.slice(0, 200)}`}`,
    {
      status,
      body,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  );

/**
 * The connection failed (DNS, refused, reset, TLS, proxy).
 *
 * @example
 * ```ts
 * networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9').code; // 'ECONNREFUSED'
 * ```
 */
export const networkError = (code: string, message: string, cause?: unknown): YqcloudError =>
  new YqcloudError('Network', `network error (${code}): ${message}`, {
    code,
    ...(cause === undefined ? {} : { cause }),
  });

const blockedMessages: Readonly<Record<BlockReason, string>> = {
  'ip-banned': 'the service banned this IP address (abuse detection); try another network or a proxy',
  'abnormal-traffic': 'the service reported abnormal traffic from this network; try another network or a proxy',
  'html-page': 'the service answered with an HTML page (a gateway or challenge page) instead of a reply',
};

/**
 * The service refused in band (status 200 with a ban text or an HTML page).
 *
 * @example
 * ```ts
 * blocked('ip-banned', 'sorry, 您的ip已由于触发防滥用检测而被封禁').reason; // 'ip-banned'
 * ```
 */
export const blocked = (reason: BlockReason, body: string): YqcloudError =>
  new YqcloudError('Blocked', `blocked: ${blockedMessages[reason]}`, { reason, body });

/**
 * A deadline of `withTimeouts` was missed.
 *
 * @example
 * ```ts
 * timeoutError('idle', 5000).message; // 'timeout: no text for 5000 ms (idle)'
 * ```
 */
export const timeoutError = (phase: TimeoutPhase, timeoutMs: number): YqcloudError =>
  new YqcloudError('Timeout', `timeout: ${timeoutDescriptions[phase](timeoutMs)}`, { phase, timeoutMs });

const timeoutDescriptions: Readonly<Record<TimeoutPhase, (ms: number) => string>> = {
  'first-chunk': (ms) => `no first chunk within ${ms} ms (first-chunk)`,
  idle: (ms) => `no text for ${ms} ms (idle)`,
  total: (ms) => `reply not finished within ${ms} ms (total)`,
};

/**
 * A successful answer that held no text.
 *
 * @example
 * ```ts
 * emptyResponse(200).kind; // 'EmptyResponse'
 * ```
 */
export const emptyResponse = (status: number): YqcloudError =>
  new YqcloudError('EmptyResponse', `the service answered ${status} with no text`, { status });

/**
 * The body passed `maxResponseBytes`.
 *
 * @example
 * ```ts
 * responseTooLarge(1024).limitBytes; // 1024
 * ```
 */
export const responseTooLarge = (limitBytes: number): YqcloudError =>
  new YqcloudError('ResponseTooLarge', `the response passed maxResponseBytes (${limitBytes} bytes)`, {
    limitBytes,
  });

/**
 * A copy of `e` with another message, its kind and fields kept; `e` itself is left as it is.
 *
 * @example
 * ```ts
 * withMessage('HTTP 503 [routes tried: primary (Blocked ip-banned), backup (Http 503)]')(httpError(503, '')).status; // 503
 * ```
 */
export const withMessage =
  (message: string) =>
  (e: YqcloudError): YqcloudError =>
    new YqcloudError(e.kind, message, fieldsOf(e));
