/**
 * The relay as a route of the pipeline: its decoder (the JSON body, and the conversation it
 * names checked against the client's own), its encoder (chunks as the relay's events) and its
 * refusals (`{ "error": <YqcloudError> }`).
 *
 * Conversations: the service keeps context per `userId`, so the relay never forwards an id it
 * did not give this client. A request without a conversation gets a new one whose id the relay
 * mints from a CSPRNG and binds to the verified identity in the store; a conversation the store
 * says is this identity's is continued under its id; one that belongs to another identity is
 * refused (403); one the store does not know (made by the client, saved before a restart, or
 * expired) is continued with the history it carries under a new minted id, which the
 * `conversation` event returns.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import type { Observable } from 'rxjs';
import type { YqcloudError } from '../../../core/error.js';
import { catchError, concat, concatMap, defer, finalize, from, map, of } from '#rx';
import type { Chunk } from '../../../core/chunk.js';
import type { ChatRequest } from '../../../core/request.js';
import { mintUserId } from '../../../core/conversation.js';
import { encodeChunk, encodeErrorEvent } from '../../../core/relayProtocol.js';
import type { Route, RouteContext } from '../../pipeline/pipeline.js';
import { badRequest, conversationNotYours, type Refusal } from '../../pipeline/refusal.js';
import { eventStreamHeaders, jsonHeaders, type ReplyPart } from '../../pipeline/reply.js';
import { decodeRelayBody } from './relayBody.js';
import { repliesOf } from '../../store/replyStore.js';
import type { ReplyLog } from '../../store/replyLog.js';
import { produceReply } from '../../pipeline/produceReply.js';
import { durableAnswer } from './replyEvents.js';
import { startReply } from '../../pipeline/startReply.js';

/**
 * The methods the relay answers: `POST` a request, `GET` to resume a reply, `DELETE` to stop one
 * (its preflight lists them all).
 */
export const relayMethods: ReadonlyArray<string> = ['POST', 'GET', 'DELETE'];

/**
 * A refusal as the relay answers it: the status, its headers, `{ "error": <YqcloudError> }`.
 */
export const relayRefusal = (refusal: Refusal, headers: Readonly<Record<string, string>>): ReplyPart => ({
  type: 'head',
  status: refusal.status,
  headers: { ...headers, ...refusal.headers, ...jsonHeaders },
  body: JSON.stringify({ error: refusal.error.toJSON() }),
});

/** A new id, minted here and bound to `identity`. */
const claimNewUserId = async (context: RouteContext): Promise<string> => {
  let userId = mintUserId();
  // 64 random bits: a collision is not expected; a claim refused is one anyway, so mint again.
  while (!(await context.store.claim(userId, context.identity, context.conversationTtlMs))) userId = mintUserId();
  return userId;
};

/** A new service conversation for `request`, holding the history it carries. */
const startConversation = async (request: ChatRequest, context: RouteContext): Promise<ChatRequest> => {
  const userId = await claimNewUserId(context);
  if (request.conversation !== undefined) return { ...request, conversation: { ...request.conversation, userId } };
  const model =
    request.model === undefined || request.model === '' ? (context.provider.defaultModel ?? 'gpt-4') : request.model;
  // The provider appends the last message to the conversation: the history is the rest.
  return { ...request, conversation: { model, userId, messageHistory: request.messages.slice(0, -1) } };
};

const decode = async (body: unknown, context: RouteContext): Promise<E.Either<Refusal, ChatRequest>> => {
  const decoded = decodeRelayBody(body);
  if (E.isLeft(decoded)) return E.left(badRequest(context.clientError(decoded.left)));
  const request = decoded.right;
  if (request.conversation === undefined) return E.right(await startConversation(request, context));
  const { userId } = request.conversation;
  const owner = await context.store.ownerOf(userId);
  if (owner === undefined) return E.right(await startConversation(request, context));
  if (owner !== context.identity) return E.left(conversationNotYours());
  await context.store.claim(userId, context.identity, context.conversationTtlMs);
  return E.right(request);
};

/** The provider's outright refusal of a request (`InvalidRequest`), as a 400. */
const refusedAnswer =
  (headers: Readonly<Record<string, string>>) =>
  (error: YqcloudError): Observable<ReplyPart> =>
    of(relayRefusal(badRequest(error), headers));

/**
 * The reply produced into the store's reply log: `x-reply-id`, and each event with its id. The
 * log's reply is opened first, then the provider is subscribed by the production.
 */
const durableReply = (
  log: ReplyLog,
  chunks: Observable<Chunk>,
  context: RouteContext,
  headers: Readonly<Record<string, string>>,
): Observable<ReplyPart> =>
  defer(() => {
    // A client that leaves while the reply is being opened starts no production (nor service request).
    let wanted = true;
    return from(
      produceReply(log, context.identity, chunks, {
        safeError: context.clientError,
        stillWanted: () => wanted,
      }),
    ).pipe(
      catchError((e: unknown) => {
        // The store cannot open a reply: this one is served as it comes, not resumable.
        context.clientError(e);
        return of(undefined);
      }),
      concatMap((production) => {
        if (production === undefined) return streamedReply(chunks, context, headers);
        context.keepLeaseUntil(production.done);
        return production.refused !== undefined
          ? refusedAnswer(headers)(production.refused)
          : durableAnswer(production.replyId, production.events, headers);
      }),
      finalize(() => {
        wanted = false;
      }),
    );
  });

/** The reply as it comes, each chunk an event without id (or the provider's refusal, a 400). */
const streamedReply = (
  chunks: Observable<Chunk>,
  context: RouteContext,
  headers: Readonly<Record<string, string>>,
): Observable<ReplyPart> =>
  startReply(
    chunks,
    (error) => refusedAnswer(headers)(context.clientError(error)),
    (started) =>
      concat(
        of<ReplyPart>({ type: 'head', status: 200, headers: { ...headers, ...eventStreamHeaders } }),
        started.pipe(
          map((chunk) => encodeChunk(chunk)),
          catchError((e: unknown) => of(encodeErrorEvent(context.clientError(e)))),
          map((text): ReplyPart => ({ type: 'data', text })),
        ),
      ),
  );

const reply = (
  request: ChatRequest,
  context: RouteContext,
  headers: Readonly<Record<string, string>>,
): Observable<ReplyPart> => {
  const chunks = context.chunks(request);
  const log = repliesOf(context.store);
  return log === undefined ? streamedReply(chunks, context, headers) : durableReply(log, chunks, context, headers);
};

/**
 * The relay route: `POST` of `{ messages, model?, conversation?, returnConversation? }`,
 * answered with the relay's events.
 */
export const relayRoute: Route<ChatRequest> = {
  span: { name: 'relay' },
  methods: relayMethods,
  opensStream: true,
  render: relayRefusal,
  decode,
  reply,
};
