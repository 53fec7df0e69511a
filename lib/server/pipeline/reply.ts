/**
 * What a route answers, as data, and the one writer of it for `node:http` and for Web
 * `Response`s. A reply is an observable of parts: one `head` (status, headers, and the whole
 * body when the answer is not a stream), then the body's `data` as it comes; completing ends
 * the answer. Backpressure is a byte budget: an observable cannot be paused, so a client that
 * reads slower than the source sends makes the unsent bytes grow, and past `maxBufferedBytes`
 * the source is unsubscribed (which aborts the request to the service) and the answer cut off.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { Observable, Subscription } from 'rxjs';
import { stoppableSubscriber } from '../../operators/operatorSubscriber.js';
import { turnWrites, type TurnWrites } from './turnWrites.js';

/**
 * One part of a reply.
 *
 * @example
 * ```ts
 * const parts: ReadonlyArray<ReplyPart> = [
 *   { type: 'head', status: 200, headers: eventStreamHeaders },
 *   { type: 'data', text: 'event: finish\ndata: {"reason":"stop"}\n\n' },
 * ];
 * ```
 */
export type ReplyPart =
  | {
      readonly type: 'head';
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      /** The whole body of an answer that is not a stream (`''`: none); nothing follows. */
      readonly body?: string | undefined;
    }
  | { readonly type: 'data'; readonly text: string };

/**
 * `content-type: text/event-stream`, and what proxies need to pass a stream through unbuffered
 * and untransformed (`cache-control: no-cache, no-transform`, nginx's `x-accel-buffering: no`).
 */
export const eventStreamHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
});

/**
 * The headers of a JSON answer.
 */
export const jsonHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
});

/**
 * How many bytes of one answer may wait for a client that does not read: 1 MiB.
 */
export const defaultMaxBufferedBytes = 1024 * 1024;

/**
 * Whether a head starts an event stream (keep-alive comments may follow it).
 */
export const startsEventStream = (part: ReplyPart): boolean =>
  part.type === 'head' &&
  part.body === undefined &&
  part.headers['content-type']?.startsWith('text/event-stream') === true;

/**
 * Writes a reply to a `node:http` response: the head, the data parts as they come (those of one
 * turn of the event loop in one write, at the turn's end), the end when the reply completes. The response closing (the client left) unsubscribes. A reply that fails
 * (it should not: routes turn failures into answers) is a 500 before the head, a cut connection
 * after.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 *
 * createServer((req, res) => {
 *   writeNodeReply(res, of<ReplyPart>({ type: 'head', status: 204, headers: {}, body: '' }), defaultMaxBufferedBytes);
 * });
 * ```
 */
export const writeNodeReply = (
  res: ServerResponse,
  parts: Observable<ReplyPart>,
  maxBufferedBytes: number,
): Subscription | undefined => {
  if (res.destroyed || res.writableEnded) return undefined;
  let subscription: Subscription | undefined;
  let over = false;
  let writes: TurnWrites | undefined;
  const cut = (): void => {
    over = true;
    writes?.drop();
    subscription?.unsubscribe();
    res.destroy();
  };
  const overBudget = (): void => {
    if (res.writableLength > maxBufferedBytes) cut();
  };
  const onClose = (): void => {
    writes?.drop();
    subscription?.unsubscribe();
  };
  const subscriber = stoppableSubscriber<ReplyPart>({
    next: (part) => {
      if (over || res.destroyed || res.writableEnded) return;
      if (part.type === 'head') {
        if (res.headersSent) return;
        res.writeHead(part.status, part.headers);
        if (part.body !== undefined) return void res.end(part.body === '' ? undefined : part.body);
        res.flushHeaders();
        res.socket?.setNoDelay(true);
        return;
      }
      if (!res.headersSent) return cut();
      // What the reply gives in one turn goes out in one write, at the turn's end.
      writes ??= turnWrites(res, overBudget);
      writes.write(part.text);
      if (res.writableLength + writes.waiting() > maxBufferedBytes) cut();
    },
    error: () => {
      writes?.drop();
      if (res.headersSent || res.destroyed) res.destroy();
      else res.writeHead(500, { connection: 'close' }).end();
    },
    complete: () => {
      res.off('close', onClose);
      if (res.destroyed || res.writableEnded) return void writes?.drop();
      if (!res.headersSent) res.writeHead(500, { connection: 'close' });
      if (writes === undefined) res.end();
      else writes.end();
    },
  });
  subscription = subscriber;
  parts.subscribe(subscriber);
  if (!subscription.closed) res.once('close', onClose);
  return subscription;
};

/** The status of a Web answer whose client left before it started (nginx's "client closed request"). */
const clientClosedRequest = 499;

/**
 * A reply as a Web `Response`, once its head is known: a whole answer, or a `ReadableStream`
 * body holding at most `maxBufferedBytes` the server has not taken. Cancelling the body or
 * aborting `signal` (the client left) unsubscribes. The promise always settles: a client that
 * left before the head gets a bodiless 499, a reply that fails before its head a 500.
 */
export const webReply = (
  parts: Observable<ReplyPart>,
  maxBufferedBytes: number,
  signal?: AbortSignal,
): Promise<Response> =>
  new Promise<Response>((resolve) => {
    const encoder = new TextEncoder();
    let subscription: Subscription | undefined;
    let finished = false;
    let answered = false;
    // The stream's start runs inside its constructor: an answer made then waits for the body.
    let made: ReadableStream<Uint8Array> | undefined;
    let waiting: ((body: ReadableStream<Uint8Array>) => Response) | undefined;
    const answer = (response: (body: ReadableStream<Uint8Array>) => Response): void => {
      if (answered) return;
      answered = true;
      if (made === undefined) waiting = response;
      else resolve(response(made));
    };
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          const end = (error?: Error, unansweredStatus = 500): void => {
            if (finished) return;
            finished = true;
            subscription?.unsubscribe();
            answer(() => new Response(null, { status: unansweredStatus }));
            try {
              if (error === undefined) controller.close();
              else controller.error(error);
            } catch {}
          };
          const subscriber = stoppableSubscriber<ReplyPart>({
            next: (part) => {
              if (finished) return;
              if (part.type === 'head') {
                if (part.body !== undefined) {
                  finished = true;
                  answer(() => new Response(part.body === '' ? null : part.body, part));
                  return;
                }
                return answer((stream) => new Response(stream, part));
              }
              if (!answered) return end(new Error('a reply sent data before its head'));
              controller.enqueue(encoder.encode(part.text));
              if ((controller.desiredSize ?? 0) < 0)
                end(new Error(`the client read too slowly: over ${maxBufferedBytes} bytes waited unsent`));
            },
            error: (e: unknown) => end(e instanceof Error ? e : new Error('the reply failed')),
            complete: () => end(),
          });
          subscription = subscriber;
          parts.subscribe(subscriber);
          if (finished) subscription.unsubscribe();
          else if (signal !== undefined) {
            const onAbort = (): void => end(new Error('the client left'), clientClosedRequest);
            if (signal.aborted) onAbort();
            else {
              signal.addEventListener('abort', onAbort, { once: true });
              subscription.add(() => signal.removeEventListener('abort', onAbort));
            }
          }
        },
        cancel() {
          finished = true;
          subscription?.unsubscribe();
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: maxBufferedBytes }),
    );
    made = body;
    if (waiting !== undefined) resolve(waiting(body));
  });
