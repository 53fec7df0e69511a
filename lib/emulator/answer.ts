/**
 * How the emulator answers one valid request: a fault when one applies, else the reply streamed
 * in pieces; and the turn remembered as far as the client received it (the whole reply, or the
 * start of it when the client went away).
 *
 * @module
 */
import type * as http from 'node:http';
import { abnormalTrafficPrefix, banPrefix } from '../internal.js';
import type { Fault } from './fault.js';
import type { Timers } from './timers.js';

/**
 * The CORS headers of every answer, so a page on another origin can call the emulator.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 *
 * createServer((req, res) => {
 *   res.writeHead(204, corsHeaders); // a CORS preflight, allowed from any origin
 *   res.end();
 * });
 * ```
 */
export const corsHeaders: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type, accept, accept-language, x-emulator-fault',
  // A page on another origin sees only safelisted response headers unless told otherwise.
  'access-control-expose-headers': 'retry-after',
  'access-control-max-age': '600',
};

/**
 * Answers with a whole plain-text body.
 */
export const plain = (
  res: http.ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void => {
  res.writeHead(status, { ...corsHeaders, 'content-type': 'text/plain; charset=utf-8', ...extra });
  res.end(text);
};

/** The pieces of a text, `pieceChars` code points each (never splitting a character). */
const piecesOf = (text: string, pieceChars: number): ReadonlyArray<string> => {
  const chars = [...text];
  const out: Array<string> = [];
  for (let i = 0; i < chars.length; i += pieceChars) out.push(chars.slice(i, i + pieceChars).join(''));
  return out;
};

/** Writes pieces one by one, `gapMs` apart; stops when the client goes away or `before` says so. */
const writePieces = (
  res: http.ServerResponse,
  timers: Timers,
  pieces: ReadonlyArray<string | Uint8Array>,
  gapMs: number,
  before: (index: number) => 'go' | 'stop',
): void => {
  let index = 0;
  const next = (): void => {
    if (res.destroyed || res.writableEnded) return;
    if (index >= pieces.length) {
      res.end();
      return;
    }
    if (before(index) === 'stop') return;
    res.write(pieces[index]);
    index++;
    timers.later(gapMs, next);
  };
  next();
};

/**
 * Everything an answer needs besides the request.
 *
 * @example
 * ```ts
 * const plan: AnswerPlan = {
 *   timers: createTimers(),
 *   pieceChars: 4,
 *   delayMs: 15, // 'Hell', 'o, w', 'orld', 15 ms apart
 *   reply: 'Hello, world',
 *   remember: (received) => console.log(received), // 'Hello, world', or less if the client left
 * };
 * ```
 */
export interface AnswerPlan {
  readonly timers: Timers;
  readonly pieceChars: number;
  readonly delayMs: number;
  /** The reply to this request. */
  readonly reply: string;
  /** Keeps the turn with the reply text the client received (once, when the answer is over). */
  readonly remember: (received: string) => void;
}

/** A fault answered without the reply: a refusal, a status, or a hang. `false` when `fault` streams the reply. */
const answerWithoutReply = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  plan: AnswerPlan,
  fault: Fault | undefined,
): boolean => {
  switch (fault?.kind) {
    case 'ban':
      plain(res, 200, `${banPrefix}, ip: ${req.socket.remoteAddress ?? 'unknown'}`);
      return true;
    case 'abnormal-traffic':
      plain(res, 200, `${abnormalTrafficPrefix}，请尝试更换网络环境`);
      return true;
    case 'html':
      res.writeHead(200, { ...corsHeaders, 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>',
      );
      return true;
    case 'status':
      plain(
        res,
        fault.status,
        `emulated status ${fault.status}`,
        fault.retryAfterS === undefined ? {} : { 'retry-after': String(fault.retryAfterS) },
      );
      return true;
    case 'hang':
      if (fault.phase === 'before-headers') return true;
      res.writeHead(200, { ...corsHeaders, 'content-type': 'text/plain; charset=utf-8' });
      res.flushHeaders();
      if (fault.phase === 'before-body') return true;
      res.write(piecesOf(plan.reply, plan.pieceChars)[0] ?? '');
      return true;
    default:
      return false;
  }
};

/**
 * Answers a valid request: the fault's misbehaviour, or the reply in pieces (`split-utf8`: one
 * byte at a time; `slow`: the fault's pace; `reset`: the socket reset after `afterChars`). The
 * turn is remembered when the answer ends, with what the client was sent of the reply.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 *
 * const timers = createTimers();
 * createServer((req, res) =>
 *   // Sends 'Hell', 'o, w', then resets the socket; remembers 'Hello, w'.
 *   answer(req, res, { timers, pieceChars: 4, delayMs: 15, reply: 'Hello, world', remember: console.log }, {
 *     kind: 'reset',
 *     afterChars: 8,
 *   }),
 * );
 * ```
 */
export const answer = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  plan: AnswerPlan,
  fault: Fault | undefined,
): void => {
  if (answerWithoutReply(req, res, plan, fault)) return;
  res.writeHead(200, { ...corsHeaders, 'content-type': 'text/plain; charset=utf-8' });
  res.flushHeaders();
  req.socket.setNoDelay(true);
  const split = fault?.kind === 'split-utf8';
  const bytes = Buffer.from(plan.reply, 'utf8');
  const pieces: ReadonlyArray<string | Uint8Array> = split
    ? Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1))
    : piecesOf(plan.reply, plan.pieceChars);
  let sentPieces = 0;
  let sentChars = 0;
  // 'close' follows 'finish' too, so the turn is kept once, whole or cut short.
  res.once('close', () => {
    const received = split
      ? bytes
          .subarray(0, sentPieces)
          .toString('utf8')
          .replace(/\uFFFD+$/, '')
      : pieces.slice(0, sentPieces).join('');
    if (received !== '' || res.writableFinished) plan.remember(res.writableFinished ? plan.reply : received);
  });
  writePieces(res, plan.timers, pieces, split ? 1 : fault?.kind === 'slow' ? fault.delayMs : plan.delayMs, (index) => {
    if (fault?.kind === 'reset' && sentChars >= fault.afterChars) {
      res.socket?.resetAndDestroy();
      return 'stop';
    }
    sentChars += [...(pieces[index] ?? '')].length;
    sentPieces = index + 1;
    return 'go';
  });
};
