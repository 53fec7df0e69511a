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
 * // A label for every kind: the compiler points here when a kind is added.
 * const labels: Readonly<Record<ErrorKind, string>> = {
 *   InvalidRequest: 'bad request',
 *   Http: 'the service said no',
 *   Network: 'no connection',
 *   Blocked: 'blocked by the service',
 *   Timeout: 'too slow',
 *   EmptyResponse: 'no reply',
 *   ResponseTooLarge: 'reply too long',
 * };
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
 * Every field a kind can carry besides `kind`, `message`, `partialText` and `cause`, with its
 * type; {@link ErrorFields} says which kind has which.
 *
 * @example
 * ```ts
 * const wait: ErrorFieldTypes['retryAfterMs'] = 2000;
 * ```
 */
export interface ErrorFieldTypes {
  /** HTTP status (`Http`, `EmptyResponse`). */
  readonly status: number;
  /** An excerpt of the response body (`Http`, `Blocked`), at most 1 KiB of text. */
  readonly body: string;
  /** How long the server asked to wait before retrying (`Http` with `Retry-After`). */
  readonly retryAfterMs: number;
  /** Which deadline was missed (`Timeout`). */
  readonly phase: TimeoutPhase;
  /** The deadline that was missed, in milliseconds (`Timeout`). */
  readonly timeoutMs: number;
  /** The system error code, such as `ECONNREFUSED` (`Network`). */
  readonly code: string;
  /** Where in the request the problem is, such as `messages.0.role` (`InvalidRequest`). */
  readonly path: string;
  /** Which in-band refusal was recognised (`Blocked`). */
  readonly reason: BlockReason;
  /** The byte limit that was passed (`ResponseTooLarge`). */
  readonly limitBytes: number;
}

type FieldName = keyof ErrorFieldTypes;

/**
 * The one list of the kinds' field names, in the order `toJSON` writes them: the constructor
 * copies these, `toJSON` and `withPartialText` read these (the mapped type makes the compiler
 * refuse a field missing here).
 */
const fieldList: { readonly [F in FieldName]: null } = {
  status: null,
  body: null,
  retryAfterMs: null,
  phase: null,
  timeoutMs: null,
  code: null,
  path: null,
  reason: null,
  limitBytes: null,
};
const fieldNames = Object.keys(fieldList) as ReadonlyArray<FieldName>;

/** The kind fields `source` has (those not `undefined`), in list order. */
const presentFields = (source: Partial<ErrorFieldTypes>): Partial<ErrorFieldTypes> =>
  Object.fromEntries(
    fieldNames.flatMap((name) => {
      const value = source[name];
      return value === undefined ? [] : [[name, value]];
    }),
  );

/**
 * The fields each kind carries besides `kind`, `message` and `partialText`.
 *
 * @example
 * ```ts
 * type HttpFields = ErrorFields['Http']; // { status: number; body: string; retryAfterMs?: number }
 * const fields: HttpFields = { status: 503, body: 'busy' };
 * ```
 */
export interface ErrorFields {
  readonly InvalidRequest: Pick<ErrorFieldTypes, 'path'>;
  readonly Http: Pick<ErrorFieldTypes, 'status' | 'body'> & Partial<Pick<ErrorFieldTypes, 'retryAfterMs'>>;
  readonly Network: Pick<ErrorFieldTypes, 'code'> & { readonly cause?: unknown };
  readonly Blocked: Pick<ErrorFieldTypes, 'body' | 'reason'>;
  readonly Timeout: Pick<ErrorFieldTypes, 'phase' | 'timeoutMs'>;
  readonly EmptyResponse: Pick<ErrorFieldTypes, 'status'>;
  readonly ResponseTooLarge: Pick<ErrorFieldTypes, 'limitBytes'>;
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
 * What a {@link YqcloudError} of kind `K` is built with: that kind's fields (see
 * {@link ErrorFields}), and optionally the text already delivered and the cause.
 *
 * @example
 * ```ts
 * const init: YqcloudErrorInit<'Http'> = { status: 503, body: 'busy', partialText: '' };
 * new YqcloudError('Http', 'HTTP 503', init);
 * ```
 */
export type YqcloudErrorInit<K extends ErrorKind = ErrorKind> = ErrorFields[K] & {
  readonly partialText?: string;
  readonly cause?: unknown;
  readonly attempts?: ReadonlyArray<YqcloudError>;
};

/**
 * The constructor's arguments: a kind, a message and that kind's init, for each kind.
 *
 * @example
 * ```ts
 * const args: YqcloudErrorArgs = ['Timeout', 'too slow', { phase: 'idle', timeoutMs: 5000 }];
 * new YqcloudError(...args);
 * ```
 */
export type YqcloudErrorArgs = {
  readonly [K in ErrorKind]: readonly [kind: K, message: string, init: YqcloudErrorInit<K>];
}[ErrorKind];

/**
 * The kind fields of a {@link YqcloudError} (declared here, from {@link ErrorFieldTypes}, and
 * copied by its constructor from the one field list): each is present on its own kind only.
 *
 * @example
 * ```ts
 * const status: number | undefined = new YqcloudError('EmptyResponse', 'nothing', { status: 200 }).status; // 200
 * ```
 */
export interface YqcloudError extends Partial<ErrorFieldTypes> {}

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
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares the kind fields
export class YqcloudError extends Error {
  override readonly name = 'YqcloudError';
  /** What went wrong. */
  readonly kind: ErrorKind;
  /** The text delivered to the subscriber before this failure. */
  readonly partialText: string;
  /** Each failed attempt, first to last, when `retryTransient` retried or gave up on `Retry-After`. */
  declare readonly attempts?: ReadonlyArray<YqcloudError>;

  /**
   * Prefer the constructors of this module (`invalidRequest`, `httpError`, …),
   * which fill the fields each kind needs.
   */
  constructor(...args: YqcloudErrorArgs) {
    const [kind, message, init] = args;
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = kind;
    this.partialText = init.partialText ?? '';
    Object.assign(this, presentFields(init));
    if (init.attempts !== undefined) this.attempts = init.attempts;
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
      ...presentFields(this),
      ...(this.attempts === undefined ? {} : { attempts: this.attempts.map((a) => a.toJSON()) }),
      ...(cause instanceof Error ? { cause: { name: cause.name, message: cause.message } } : {}),
    };
  }
}

/**
 * A copy of `e` with `partialText` set; `e` itself is left as it is.
 */
export const withPartialText =
  (partialText: string) =>
  (e: YqcloudError): YqcloudError =>
    e.partialText === partialText ? e : copyError(e, { partialText });

/**
 * What {@link copyError} may change: the message, the partial text, the body excerpt, the cause
 * and the attempts; the kind and its other fields stay.
 */
export interface ErrorChanges {
  readonly message?: string;
  readonly partialText?: string;
  readonly body?: string;
  readonly cause?: unknown;
  readonly attempts?: ReadonlyArray<YqcloudError>;
}

/**
 * A copy of `e` with `changes` applied, its kind and fields kept; `e` itself is left as it is.
 */
export const copyError = (e: YqcloudError, changes: ErrorChanges): YqcloudError => {
  const { message = e.message, partialText = e.partialText, cause = e.cause, attempts = e.attempts } = changes;
  return new YqcloudError(
    ...([
      e.kind,
      message,
      {
        ...presentFields(e),
        ...(changes.body === undefined ? {} : { body: changes.body }),
        ...(cause === undefined ? {} : { cause }),
        ...(attempts === undefined ? {} : { attempts }),
        partialText,
      },
    ] as YqcloudErrorArgs),
  );
};

/**
 * A bad request or option; nothing was sent.
 */
export const invalidRequest = (path: string, message: string): YqcloudError =>
  new YqcloudError('InvalidRequest', path === '' ? message : `${path}: ${message}`, { path });

/**
 * A non-2xx answer (redirects included).
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
 */
export const blocked = (reason: BlockReason, body: string): YqcloudError =>
  new YqcloudError('Blocked', `blocked: ${blockedMessages[reason]}`, { reason, body });

/**
 * A deadline of `withTimeouts` was missed.
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
 */
export const emptyResponse = (status: number): YqcloudError =>
  new YqcloudError('EmptyResponse', `the service answered ${status} with no text`, { status });

/**
 * The body passed `maxResponseBytes`.
 */
export const responseTooLarge = (limitBytes: number): YqcloudError =>
  new YqcloudError('ResponseTooLarge', `the response passed maxResponseBytes (${limitBytes} bytes)`, {
    limitBytes,
  });
