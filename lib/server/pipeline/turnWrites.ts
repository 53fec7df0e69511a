/**
 * Writes coalesced per turn of the event loop: the text a response is given during one turn goes
 * out as one `write` (one chunk, one system call) at the end of that turn, instead of one per
 * piece. One `setImmediate` serves every response with text waiting, so a turn that delivers
 * pieces to thousands of streams schedules one callback, not thousands.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';

/**
 * A response's text waiting for the end of the turn.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 *
 * createServer((_req, res) => {
 *   res.writeHead(200, { 'content-type': 'text/event-stream' });
 *   const writes: TurnWrites = turnWrites(res, () => undefined);
 *   writes.write('event: text\ndata: {"text":"Hel"}\n\n');
 *   writes.write('event: text\ndata: {"text":"lo"}\n\n'); // both go out in one write, after this turn
 *   writes.end();
 * });
 * ```
 */
export interface TurnWrites {
  /** Adds `text` to what this turn writes. */
  readonly write: (text: string) => void;
  /** UTF-16 units waiting (a lower bound of their bytes). */
  readonly waiting: () => number;
  /** Ends the response, with what is waiting as its last write. */
  readonly end: () => void;
  /** Forgets what is waiting (the response is being cut off or has closed). */
  readonly drop: () => void;
}

class Waiting implements TurnWrites {
  readonly #res: ServerResponse;
  readonly #written: () => void;
  #text = '';

  constructor(res: ServerResponse, written: () => void) {
    this.#res = res;
    this.#written = written;
  }

  write(text: string): void {
    if (text === '') return;
    if (this.#text === '') due(this);
    this.#text += text;
  }

  waiting(): number {
    return this.#text.length;
  }

  end(): void {
    const text = this.#text;
    this.drop();
    this.#res.end(text === '' ? undefined : text);
  }

  drop(): void {
    this.#text = '';
    pending.delete(this);
  }

  flush(): void {
    const text = this.#text;
    this.#text = '';
    if (text === '' || this.#res.destroyed || this.#res.writableEnded) return;
    this.#res.write(text);
    this.#written();
  }
}

/** The responses with text waiting, flushed together at the end of the turn. */
const pending = new Set<Waiting>();
let scheduled = false;

const flushAll = (): void => {
  scheduled = false;
  const due = [...pending];
  pending.clear();
  for (const waiting of due) waiting.flush();
};

const due = (waiting: Waiting): void => {
  pending.add(waiting);
  if (scheduled) return;
  scheduled = true;
  setImmediate(flushAll);
};

/**
 * The turn-coalesced writer of `res`; `written` runs after each write it makes (to check what
 * the response buffers, say).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 *
 * createServer((_req, res) => {
 *   const writes = turnWrites(res, () => undefined);
 *   writes.write(': hello\n\n');
 *   writes.end(); // ': hello\n\n' and the end of the response, in one write
 * });
 * ```
 */
export const turnWrites = (res: ServerResponse, written: () => void): TurnWrites => new Waiting(res, written);
