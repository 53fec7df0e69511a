/**
 * A provider for users' tests whose successive requests answer differently: a 503 then a
 * reply, a ban then a reply. Retries (`retryTransient`) and `fallback` can then be tested with
 * marbles, each request's body a `cold()` of its own.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import { concat, map, of, throwError } from '#rx';
import { abnormalTrafficPrefix, banPrefix } from '../internal.js';
import { YqcloudProvider, type HttpRequest, type Payload, type ResponseEvent, type Transport } from '../index.js';
import type { RecordedRequest, TestBody, TestProvider } from './testProvider.js';

/**
 * How one request is answered: a status and headers, then a body; or a connection that fails
 * before any response (`failure`, a Node-style error such as `{ code: 'ECONNREFUSED' }`).
 *
 * @example
 * ```ts
 * const step: ScriptStep = { status: 503, headers: { 'retry-after': '1' }, body: of('busy') };
 * ```
 */
export interface ScriptStep {
  /** The status (default `200`). */
  readonly status?: number;
  /** Response headers (names in lower case). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body (default: empty). */
  readonly body?: TestBody;
  /** Fail the connection with this error instead of answering (the provider makes it `Network`). */
  readonly failure?: unknown;
}

/**
 * Steps for the usual answers, to write a script as a list of what happens.
 *
 * @example
 * ```ts
 * createScriptedProvider([answers.status(503, 1), answers.ban(), answers.reply(of('Hel', 'lo'))]);
 * ```
 */
export const answers = {
  /** A 200 with this body. */
  reply: (body: TestBody): ScriptStep => ({ body }),
  /** An error status, with `Retry-After` in seconds when given. */
  status: (status: number, retryAfterS?: number): ScriptStep => ({
    status,
    body: of(`status ${status}`),
    ...(retryAfterS === undefined ? {} : { headers: { 'retry-after': String(retryAfterS) } }),
  }),
  /** The service's in-band IP ban (status 200). */
  ban: (): ScriptStep => ({ body: of(`${banPrefix}, ip: 203.0.113.7`) }),
  /** The service's in-band abnormal-traffic refusal (status 200). */
  abnormalTraffic: (): ScriptStep => ({ body: of(`${abnormalTrafficPrefix}，请尝试更换网络环境`) }),
  /** A gateway's HTML page instead of text (status 200). */
  html: (): ScriptStep => ({ body: of('<!DOCTYPE html><html><body>Checking your browser</body></html>') }),
  /** A connection that fails before any response, with this system error code. */
  network: (code = 'ECONNREFUSED'): ScriptStep => ({
    failure: Object.assign(new Error(`connect ${code} 203.0.113.7:443`), { code }),
  }),
} as const;

/**
 * The transport behind the test providers: records each request, then answers it with the step
 * `answer` gives for it (`undefined`: the test did not script it, an `InvalidRequest` naming it).
 *
 * @example
 * ```ts
 * const requests: Array<RecordedRequest> = [];
 * const steps: ReadonlyArray<ScriptStep> = [answers.network(), answers.reply(of('Hi'))];
 * const transport = answeringTransport(requests, (_request, index) => steps[index]);
 * const provider = new YqcloudProvider({ transport }); // requests: what it sent, in order
 * ```
 */
export const answeringTransport =
  (
    requests: Array<RecordedRequest>,
    answer: (request: RecordedRequest, index: number) => ScriptStep | undefined,
  ): Transport =>
  (request: HttpRequest): Observable<ResponseEvent> => {
    const recorded: RecordedRequest = {
      url: request.url,
      headers: request.headers,
      body: JSON.parse(request.body) as Payload,
    };
    const index = requests.length;
    requests.push(recorded);
    const step = answer(recorded, index);
    if (step === undefined) throw new Error(`the script has no answer for request ${index + 1}`);
    return step.failure !== undefined
      ? throwError(() => step.failure)
      : concat(
          of<ResponseEvent>({ type: 'head', status: step.status ?? 200, headers: step.headers ?? {} }),
          (step.body ?? of<string>()).pipe(map((data): ResponseEvent => ({ type: 'body', data }))),
        );
  };

/**
 * A provider whose n-th request is answered by the n-th step of `script` (a request past its end
 * fails with `InvalidRequest`, path `transport`), and the requests it would have sent. The real
 * provider pipeline runs on each answer, so statuses, `Retry-After`, in-band refusals and split
 * characters become the same chunks and errors as over the network.
 *
 * @example
 * ```ts
 * testScheduler.run(({ cold, expectObservable }) => {
 *   const provider = createScriptedProvider([answers.status(503), answers.reply(cold('-a|', { a: 'Hi' }))]);
 *   const reply$ = provider.create({ messages }).pipe(retryTransient({ baseDelayMs: 4, random: () => 0.5, scheduler: testScheduler }));
 *   expectObservable(reply$.pipe(textOnly())).toBe('---a|', { a: 'Hi' });
 * });
 * ```
 */
export const createScriptedProvider = (
  script: ReadonlyArray<ScriptStep>,
  options: { readonly now?: () => number } = {},
): TestProvider => {
  const requests: Array<RecordedRequest> = [];
  const provider = new YqcloudProvider({
    apiEndpoint: 'https://api.binjie.fun/api/generateStream',
    transport: answeringTransport(requests, (_request, index) => script[index]),
    now: options.now ?? (() => 0),
  });
  return Object.assign(provider, { requests });
};
