/**
 * A provider for users' tests: the real provider pipeline (in-band detection, decoding,
 * conversation, errors) on top of a body the test supplies as an observable, for example a
 * `cold()` marble inside `TestScheduler.run`.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import { isObservable } from '#rx';
import { YqcloudProvider, type Payload } from '../index.js';
import { answeringTransport, type ScriptStep } from './scriptedProvider.js';

/**
 * A request the test provider would have sent.
 *
 * @example
 * ```ts
 * const provider = createTestProvider({ body: of('Hi') });
 * const [first]: ReadonlyArray<RecordedRequest> = provider.requests;
 * console.log(first?.body.prompt);
 * ```
 */
export interface RecordedRequest {
  readonly url: string;
  /** Header names as sent. */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON body, parsed. */
  readonly body: Payload;
}

/**
 * The body of a reply: pieces as strings or bytes.
 *
 * @example
 * ```ts
 * const body: TestBody = of('Hel', new TextEncoder().encode('lo'));
 * ```
 */
export type TestBody = Observable<string | Uint8Array>;

/**
 * What the test provider answers.
 *
 * @example
 * ```ts
 * const options: TestProviderOptions = { body: of('Hel', 'lo'), status: 200 };
 * ```
 */
export interface TestProviderOptions {
  /** The response body; or a function giving the body of the n-th request (0-based). */
  readonly body: TestBody | ((request: RecordedRequest, index: number) => TestBody);
  /** The status (default `200`). */
  readonly status?: number;
  /** Response headers, such as `retry-after` (names in lower case). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The clock for new conversations' ids (default: always `0`, so ids are predictable). */
  readonly now?: () => number;
}

/**
 * A provider whose HTTP exchange is simulated, and the requests it would have sent.
 *
 * @example
 * ```ts
 * const provider: TestProvider = createTestProvider({ body: of('Hello') });
 * provider.requests; // [] until a reply is subscribed
 * ```
 */
export interface TestProvider extends YqcloudProvider {
  /** Every request, in order, recorded when its reply is subscribed. */
  readonly requests: ReadonlyArray<RecordedRequest>;
}

/**
 * A provider with the same `create` as `YqcloudProvider`, whose HTTP body is the given
 * observable: the real provider pipeline runs through the transport seam, so in-band refusals,
 * split characters, statuses and conversations behave exactly as they would over the network.
 *
 * @example
 * ```ts
 * testScheduler.run(({ cold, expectObservable }) => {
 *   const provider = createTestProvider({ body: cold('-a-b-|', { a: 'Hel', b: 'lo' }) });
 *   expectObservable(provider.create({ messages }).pipe(textOnly())).toBe('-a-b-|', { a: 'Hel', b: 'lo' });
 * });
 * ```
 */
export const createTestProvider = (options: TestProviderOptions): TestProvider => {
  const requests: Array<RecordedRequest> = [];
  const step = (recorded: RecordedRequest, index: number): ScriptStep => ({
    status: options.status ?? 200,
    headers: options.headers ?? {},
    body: isObservable(options.body) ? options.body : options.body(recorded, index),
  });
  const provider = new YqcloudProvider({
    apiEndpoint: 'https://api.binjie.fun/api/generateStream',
    transport: answeringTransport(requests, step),
    now: options.now ?? (() => 0),
  });
  return Object.assign(provider, { requests });
};
