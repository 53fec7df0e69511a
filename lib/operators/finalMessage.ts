import type { OperatorFunction } from 'rxjs';
import { Observable } from '#rx';
import type { Chunk } from '../core/chunk.js';
import type { Message } from '../core/message.js';
import { createOperatorSubscriber } from './operatorSubscriber.js';

/**
 * The assistant's whole reply, as a message.
 *
 * @example
 * ```ts
 * const message: AssistantMessage = { role: 'assistant', content: 'Hello' };
 * ```
 */
export interface AssistantMessage extends Message {
  readonly role: 'assistant';
  readonly content: string;
}

/**
 * One `{ role: 'assistant', content }` when the reply finishes; nothing if the source errors
 * (the error carries `partialText`) or completes without `finish` (it was cancelled).
 *
 * ```
 * source: --a--b--F--|     a = text('Hel'), b = text('lo'), F = finish
 * result: -----------(m|)  m = { role: 'assistant', content: 'Hello' }
 * ```
 *
 * @example
 * ```ts
 * const reply = await lastValueFrom(provider.create({ messages }).pipe(finalMessage()));
 * ```
 */
export const finalMessage = (): OperatorFunction<Chunk, AssistantMessage> => (source) =>
  new Observable<AssistantMessage>((subscriber) => {
    const pieces: Array<string> = [];
    let finished = false;
    source.subscribe(
      createOperatorSubscriber<Chunk>(subscriber, {
        next: (chunk) => {
          if (chunk.type === 'text') pieces.push(chunk.text);
          else if (chunk.type === 'finish') finished = true;
        },
        complete: () => {
          if (finished) subscriber.next({ role: 'assistant', content: pieces.join('') });
          subscriber.complete();
        },
      }),
    );
  });
