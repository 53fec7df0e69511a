/**
 * The relay's two other methods, for replies kept in the store's reply log: `GET` with
 * `Last-Event-ID` resumes a reply (the events after that one, then the live ones, to the
 * ending), `DELETE ?reply=<id>` stops one, each on any instance sharing the store, each only for
 * the client the reply belongs to.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import type { Observable } from 'rxjs';
import { of } from '#rx';
import { invalidRequest } from '../../../core/error.js';
import type { Route, RouteContext } from '../../pipeline/pipeline.js';
import { badRequest, replyNotYours, storeUnavailable, type Refusal } from '../../pipeline/refusal.js';
import type { ReplyPart } from '../../pipeline/reply.js';
import { repliesOf } from '../../store/replyStore.js';
import { durableAnswer } from './replyEvents.js';
import { relayMethods, relayRefusal } from './relayRoute.js';
import { resumeReply, type ResumeOutcome, stopReply, type StopOutcome } from '../../pipeline/resumeReply.js';

const retryAfterS = 2;

const refused = (outcome: 'not-yours' | 'unavailable' | 'bad-id', what: string): Refusal =>
  outcome === 'not-yours'
    ? replyNotYours()
    : outcome === 'unavailable'
      ? storeUnavailable(retryAfterS)
      : badRequest(invalidRequest(what, `${what} does not name a reply of this relay`));

const noContent = (headers: Readonly<Record<string, string>>): Observable<ReplyPart> =>
  of({ type: 'head', status: 204, headers, body: '' });

/**
 * `GET` with `Last-Event-ID`: 200 and the events after it (each with its `id:`), 204 when the
 * reply is unknown or expired, 403 another client's, 503 while the store cannot be reached.
 * A resumed reply is a stream: it holds a lease of its own (readers count apart from replies
 * being produced, so a client at its limit can still come back for its replies).
 */
export const resumeRoute: Route<ResumeOutcome> = {
  span: { name: 'relay.resume' },
  methods: relayMethods,
  opensStream: false,
  holdsLease: true,
  leaseKey: (identity) => `${identity}#readers`,
  render: relayRefusal,
  decode: async (_body, context: RouteContext) => {
    const lastEventId = context.request.headers.get('last-event-id');
    if (lastEventId === null)
      return E.left(badRequest(invalidRequest('last-event-id', 'a GET resumes a reply: send Last-Event-ID')));
    const log = repliesOf(context.store);
    return E.right(log === undefined ? { type: 'gone' } : await resumeReply(log, context.identity, lastEventId));
  },
  reply: (outcome, _context, headers) => {
    if (outcome.type === 'gone') return noContent(headers);
    if (outcome.type !== 'follow') return of(relayRefusal(refused(outcome.type, 'last-event-id'), headers));
    return durableAnswer(outcome.replyId, outcome.events, headers);
  },
};

const replyParameter = (url: string): string => {
  try {
    return new URL(url, 'http://relay.invalid').searchParams.get('reply') ?? '';
  } catch {
    return '';
  }
};

/**
 * `DELETE ?reply=<id>`: 202 when the producer was told (wherever it runs), 204 when the reply is
 * unknown or already ended, 403 another client's, 503 while the store cannot be reached.
 */
export const stopRoute: Route<StopOutcome> = {
  span: { name: 'relay.stop' },
  methods: relayMethods,
  opensStream: false,
  render: relayRefusal,
  decode: async (_body, context: RouteContext) => {
    const log = repliesOf(context.store);
    return E.right(
      log === undefined ? 'gone' : await stopReply(log, context.identity, replyParameter(context.request.url)),
    );
  },
  reply: (outcome, _context, headers) => {
    if (outcome === 'stopping') return of({ type: 'head', status: 202, headers, body: '' });
    if (outcome === 'gone') return noContent(headers);
    return of(relayRefusal(refused(outcome, 'reply'), headers));
  },
};
