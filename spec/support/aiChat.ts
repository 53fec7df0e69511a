/**
 * The AI SDK's `Chat` as a framework binding makes it (`@ai-sdk/react`'s `Chat`, Vue's, Svelte's):
 * `AbstractChat` over a plain state, so that specs drive the same state machine `useChat` runs
 * (send, stop, regenerate, resume, onFinish's isAbort / isError) without a framework.
 *
 * @example
 * ```ts
 * const chat = new SpecChat({ transport: new DefaultChatTransport({ api: `${origin}/api/chat` }) });
 * await chat.sendMessage({ text: 'Hello' });
 * chat.messages.at(-1)?.parts; // [{ type: 'text', text: '…', state: 'done' }]
 * ```
 */
import { AbstractChat, type ChatInit, type ChatState, type ChatStatus, type UIMessage } from 'ai';

class PlainChatState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: UIMessage[];

  constructor(messages: UIMessage[] = []) {
    this.messages = messages;
  }

  pushMessage = (message: UIMessage): void => {
    this.messages = [...this.messages, message];
  };

  popMessage = (): void => {
    this.messages = this.messages.slice(0, -1);
  };

  replaceMessage = (index: number, message: UIMessage): void => {
    this.messages = [...this.messages.slice(0, index), message, ...this.messages.slice(index + 1)];
  };

  snapshot = <T>(thing: T): T => structuredClone(thing);
}

/** A `Chat` for specs: `AbstractChat` with a plain state, as the framework bindings build it. */
export class SpecChat extends AbstractChat<UIMessage> {
  constructor(init: ChatInit<UIMessage>) {
    super({ ...init, state: new PlainChatState(init.messages) });
  }
}
