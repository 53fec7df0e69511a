/**
 * A serialised {@link YqcloudError} (the `toJSON()` shape a relay sends) back into an error of
 * the same kind with the same fields, validated with io-ts.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import * as t from '#io-ts/index.js';
import { describeErrors } from './decodeErrors.js';
import { YqcloudError, type ErrorKind } from './error.js';

/**
 * Why {@link errorFromJson} could not revive its input.
 */
export interface ErrorJsonDecodeError {
  readonly _tag: 'ErrorJsonDecodeError';
  /** A readable account of what was wrong, without the input's text. */
  readonly message: string;
}

const number = (name: string, ok: (n: number) => boolean): t.Type<number, number, unknown> => {
  const is = (u: unknown): u is number => typeof u === 'number' && Number.isFinite(u) && ok(u);
  return new t.Type<number, number, unknown>(
    name,
    is,
    (u, c) => (is(u) ? t.success(u) : t.failure(u, c)),
    (n) => n,
  );
};

const statusCodec = number(
  'an HTTP status (an integer from 0 to 999)',
  (n) => Number.isInteger(n) && n >= 0 && n < 1000,
);
const millisecondsCodec = number('a number of milliseconds (0 or more)', (n) => n >= 0);
const bytesCodec = number('a number of bytes (an integer, 0 or more)', (n) => Number.isInteger(n) && n >= 0);

const CauseJsonCodec = t.type({ name: t.string, message: t.string });

const CommonCodec = t.intersection([
  t.type({ message: t.string }),
  t.partial({ partialText: t.string, cause: CauseJsonCodec }),
]);

type CommonJson = t.TypeOf<typeof CommonCodec>;

/** `partialText` and `cause` as the constructor takes them. */
const extras = (common: CommonJson): { readonly partialText: string; readonly cause?: Error } => ({
  partialText: common.partialText ?? '',
  ...(common.cause === undefined
    ? {}
    : { cause: Object.assign(new Error(common.cause.message), { name: common.cause.name }) }),
});

const HttpJson = t.intersection([
  t.type({ status: statusCodec, body: t.string }),
  t.partial({ retryAfterMs: millisecondsCodec }),
]);
const BlockReasonCodec = t.keyof({ 'ip-banned': null, 'abnormal-traffic': null, 'html-page': null });
const TimeoutPhaseCodec = t.keyof({ 'first-chunk': null, idle: null, total: null });

/**
 * One reviver per kind: that kind's fields (see `ErrorFields`) decoded, and only those copied
 * onto the error; fields of other kinds and unknown keys are left behind.
 */
const revivers: { readonly [K in ErrorKind]: (u: unknown, common: CommonJson) => t.Validation<YqcloudError> } = {
  InvalidRequest: (u, c) =>
    pipe(
      t.type({ path: t.string }).decode(u),
      E.map(({ path }) => new YqcloudError('InvalidRequest', c.message, { path, ...extras(c) })),
    ),
  Http: (u, c) =>
    pipe(
      HttpJson.decode(u),
      E.map(
        ({ status, body, retryAfterMs }) =>
          new YqcloudError('Http', c.message, {
            status,
            body,
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
            ...extras(c),
          }),
      ),
    ),
  Network: (u, c) =>
    pipe(
      t.type({ code: t.string }).decode(u),
      E.map(({ code }) => new YqcloudError('Network', c.message, { code, ...extras(c) })),
    ),
  Blocked: (u, c) =>
    pipe(
      t.type({ body: t.string, reason: BlockReasonCodec }).decode(u),
      E.map(({ body, reason }) => new YqcloudError('Blocked', c.message, { body, reason, ...extras(c) })),
    ),
  Timeout: (u, c) =>
    pipe(
      t.type({ phase: TimeoutPhaseCodec, timeoutMs: millisecondsCodec }).decode(u),
      E.map(({ phase, timeoutMs }) => new YqcloudError('Timeout', c.message, { phase, timeoutMs, ...extras(c) })),
    ),
  EmptyResponse: (u, c) =>
    pipe(
      t.type({ status: statusCodec }).decode(u),
      E.map(({ status }) => new YqcloudError('EmptyResponse', c.message, { status, ...extras(c) })),
    ),
  ResponseTooLarge: (u, c) =>
    pipe(
      t.type({ limitBytes: bytesCodec }).decode(u),
      E.map(({ limitBytes }) => new YqcloudError('ResponseTooLarge', c.message, { limitBytes, ...extras(c) })),
    ),
};

const isKind = (u: unknown): u is ErrorKind => typeof u === 'string' && Object.hasOwn(revivers, u);

const failure = (message: string): ErrorJsonDecodeError => ({ _tag: 'ErrorJsonDecodeError', message });

const revive = (u: unknown): E.Either<ErrorJsonDecodeError, YqcloudError> => {
  if (typeof u !== 'object' || u === null || Array.isArray(u))
    return E.left(failure('not an error: expected an object'));
  const kind: unknown = (u as { readonly kind?: unknown }).kind;
  if (!isKind(kind))
    return E.left(
      failure(
        typeof kind === 'string'
          ? `not an error: unknown kind ${JSON.stringify(kind.slice(0, 40))}`
          : 'not an error: `kind` is missing or not a string',
      ),
    );
  return pipe(
    CommonCodec.decode(u),
    E.flatMap((common) => revivers[kind](u, common)),
    E.mapLeft((errors) => failure(`not a ${kind} error: ${describeErrors(errors)}`)),
  );
};

/**
 * Revives a serialised `YqcloudError` (what `toJSON()` gives, as a relay sends it): the same kind,
 * `message`, `partialText` and the kind's own fields (`status`, `body`, `retryAfterMs`, `code`,
 * `reason`, `phase`, `timeoutMs`, `path`, `limitBytes`), and a `cause` of the serialised name and
 * message. Fields of other kinds and unknown keys are ignored.
 *
 * Fallback: anything else (not an object, an unknown or missing `kind`, a kind's field missing
 * or of the wrong type, such as an `Http` error without a numeric `status`) is a `Left` that says
 * what was wrong; the caller picks the error to report instead (the relay client reports a
 * refusal it cannot read as `Http` with the response's status, and an `error` event it cannot
 * read as `Network` with code `EPROTO`).
 *
 * @example
 * ```ts
 * const json = JSON.parse(JSON.stringify(httpError(429, 'slow down', 2000)));
 * errorFromJson(json);               // right(YqcloudError { kind: 'Http', status: 429, retryAfterMs: 2000, … })
 * errorFromJson({ kind: 'Oops' });   // left({ _tag: 'ErrorJsonDecodeError', message: 'not an error: unknown kind "Oops"' })
 * ```
 */
export const errorFromJson = (u: unknown): E.Either<ErrorJsonDecodeError, YqcloudError> =>
  pipe(
    // A hostile value (a throwing getter, a Proxy) is refused like any other non-error.
    E.tryCatch(
      () => revive(u),
      () => failure('not an error: reading it threw'),
    ),
    E.flatten,
  );
