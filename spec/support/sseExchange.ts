import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One SSE exchange read as it arrives. */
export interface Events {
  readonly status: number;
  readonly headers: Headers;
  readonly events: ReadonlyArray<EventSourceMessage>;
  /** Resolves once `n` events (comments excluded) have arrived, or the stream has ended. */
  readonly count: (n: number) => Promise<void>;
  /** Resolves when the stream ends (or fails). */
  readonly ended: Promise<void>;
  readonly abort: () => void;
}

export const exchange = async (url: string, init: RequestInit): Promise<Events> => {
  const controller = new AbortController();
  const response = await fetch(url, { ...init, signal: controller.signal });
  const events: EventSourceMessage[] = [];
  let waiters: Array<() => void> = [];
  const wake = (): void => {
    const now = waiters;
    waiters = [];
    for (const w of now) w();
  };
  const parser = createParser({
    onEvent: (event) => {
      events.push(event);
      wake();
    },
  });
  let done = false;
  const ended = (async () => {
    try {
      if (response.body === null) return;
      const decoder = new TextDecoder();
      for await (const piece of response.body) parser.feed(decoder.decode(piece as Uint8Array, { stream: true }));
    } catch {
      // aborted or dropped
    } finally {
      done = true;
      wake();
    }
  })();
  const count = async (n: number): Promise<void> => {
    while (events.length < n && !done) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { status: response.status, headers: response.headers, events, count, ended, abort: () => controller.abort() };
};
