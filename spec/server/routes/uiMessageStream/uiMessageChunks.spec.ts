import {
  DefaultChatTransport,
  parseJsonEventStream,
  readUIMessageStream,
  uiMessageChunkSchema,
  type UIMessage,
} from 'ai';
import { expect } from 'chai';
import { networkError } from '../../../../lib/core/error.js';
import type { ReplyEntry } from '../../../../lib/server/store/replyLog.js';
import {
  uiAbortChunks,
  uiChunksOf,
  uiErrorChunks,
  uiMessageEvent,
  uiMessageStart,
  uiMessageStreamDone,
  uiMessageStreamHeaders,
  uiStartChunk,
  type UIMessageChunk,
  type UIMessageState,
} from '../../../../lib/server/routes/uiMessageStream/uiMessageChunks.js';
import { startLoopbackServer, type LoopbackServer } from '../../../support/loopbackServer.js';

/** The whole answer for a reply: `start`, its chunks, `error` if it failed, then `[DONE]`. */
const answerOf = (chunks: ReadonlyArray<ReplyEntry>, failure?: string): ReadonlyArray<string> => {
  let state: UIMessageState = uiMessageStart;
  const out: Array<UIMessageChunk> = [uiStartChunk('msg-1')];
  for (const chunk of chunks) {
    const [next, parts] = uiChunksOf(state, chunk);
    state = next;
    out.push(...parts);
  }
  if (failure !== undefined) out.push(...uiErrorChunks(state, failure));
  return [...out.map(uiMessageEvent), uiMessageStreamDone];
};

/** The parts of a message, text parts as type, text and state. */
const partsOf = (message: UIMessage | undefined): ReadonlyArray<unknown> =>
  (message?.parts ?? []).map((p) =>
    p.type === 'text' ? { type: p.type, text: p.text, state: p.state } : { type: p.type },
  );

const text = (value: string): ReplyEntry => ({ type: 'text', text: value });
const finish: ReplyEntry = { type: 'finish' };
const finishWithUsage: ReplyEntry = { type: 'finish', usage: { inputTokens: 9, outputTokens: 2 } };

const streamOf = (events: ReadonlyArray<string>): ReadableStream<Uint8Array> =>
  new ReadableStream<string>({
    start(controller) {
      for (const event of events) controller.enqueue(event);
      controller.close();
    },
  }).pipeThrough(new TextEncoderStream());

describe('the UI message stream encoder', () => {
  it('opens one text part, streams deltas, closes it and finishes', () => {
    expect(answerOf([text('Hel'), text('lo'), finish])).to.deep.equal([
      'data: {"type":"start","messageId":"msg-1"}\n\n',
      'data: {"type":"text-start","id":"text-0"}\n\n',
      'data: {"type":"text-delta","id":"text-0","delta":"Hel"}\n\n',
      'data: {"type":"text-delta","id":"text-0","delta":"lo"}\n\n',
      'data: {"type":"text-end","id":"text-0"}\n\n',
      'data: {"type":"finish","finishReason":"stop"}\n\n',
      'data: [DONE]\n\n',
    ]);
  });

  it('sends no conversation, and no text part for a reply without text', () => {
    const conversation: ReplyEntry = {
      type: 'conversation',
      conversation: { model: 'gpt-4', userId: '#/chat/1', messageHistory: [] },
    };
    expect(uiChunksOf(uiMessageStart, conversation)).to.deep.equal([uiMessageStart, []]);
    expect(uiChunksOf(uiMessageStart, finish)[1]).to.deep.equal([{ type: 'finish', finishReason: 'stop' }]);
  });

  it('finishes with the usage as the message’s metadata (the AI SDK’s totalUsage); an error or a stop entry ends the message', () => {
    expect(uiChunksOf({ textOpen: true }, finishWithUsage)[1]).to.deep.equal([
      { type: 'text-end', id: 'text-0' },
      {
        type: 'finish',
        finishReason: 'stop',
        messageMetadata: { totalUsage: { inputTokens: 9, outputTokens: 2, totalTokens: 11 } },
      },
    ]);
    const failed = uiChunksOf({ textOpen: true }, { type: 'error', error: networkError('ECONNRESET', 'reset') });
    expect(failed).to.deep.equal([
      uiMessageStart,
      [
        { type: 'text-end', id: 'text-0' },
        { type: 'error', errorText: 'Network: network error (ECONNRESET): reset' },
      ],
    ]);
    expect(uiChunksOf({ textOpen: true }, { type: 'stopped' })[1]).to.deep.equal(uiAbortChunks({ textOpen: true }));
  });

  it('closes an open text part before an error or an abort', () => {
    expect(uiErrorChunks({ textOpen: true }, 'Network: the service could not be reached')).to.deep.equal([
      { type: 'text-end', id: 'text-0' },
      { type: 'error', errorText: 'Network: the service could not be reached' },
    ]);
    expect(uiErrorChunks(uiMessageStart, 'x')).to.deep.equal([{ type: 'error', errorText: 'x' }]);
    expect(uiAbortChunks({ textOpen: true })).to.deep.equal([{ type: 'text-end', id: 'text-0' }, { type: 'abort' }]);
  });

  it('frames JSON so that no text can break the event (newlines, "data:", a lone [DONE])', () => {
    const event = uiMessageEvent({ type: 'text-delta', id: 'text-0', delta: 'a\n\ndata: [DONE]\r\n' });
    expect(event.slice(0, -2)).not.to.match(/[\r\n]/);
  });
});

describe('the UI message stream, read by the AI SDK (ai 5)', function () {
  this.timeout(20_000);

  it('every chunk passes the AI SDK’s own schema (uiMessageChunkSchema)', async () => {
    const events = [
      ...answerOf([text('Hi'), finish]),
      ...answerOf([text('Hi'), finishWithUsage]),
      uiMessageEvent(uiAbortChunks(uiMessageStart)[0] as UIMessageChunk),
      ...answerOf([text('Hi')], 'Timeout: no answer'),
    ].filter((e) => e !== uiMessageStreamDone);
    const parsed = parseJsonEventStream({ stream: streamOf(events), schema: uiMessageChunkSchema });
    const results: Array<{ readonly success: boolean }> = [];
    for await (const result of parsed as unknown as AsyncIterable<{ readonly success: boolean }>) results.push(result);
    expect(results).to.have.length(events.length);
    expect(results.every((r) => r.success)).to.equal(true);
  });

  describe('through DefaultChatTransport and readUIMessageStream, from a loopback server', () => {
    let server: LoopbackServer | undefined;
    let answer: ReadonlyArray<string> = [];

    before(async () => {
      server = await startLoopbackServer((_req, res) => {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          ...uiMessageStreamHeaders,
        });
        for (const event of answer) res.write(event);
        res.end();
      });
    });

    after(async () => {
      await server?.close();
    });

    const userMessage: UIMessage = { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hello' }] };

    const read = async (): Promise<{ readonly messages: ReadonlyArray<UIMessage>; readonly errors: Array<string> }> => {
      const transport = new DefaultChatTransport({ api: `${server?.origin ?? ''}/api/chat` });
      const stream = await transport.sendMessages({
        chatId: 'chat-1',
        messages: [userMessage],
        trigger: 'submit-message',
        messageId: undefined,
        abortSignal: undefined,
      });
      const errors: Array<string> = [];
      const messages: Array<UIMessage> = [];
      for await (const message of readUIMessageStream({ stream, onError: (e) => void errors.push(String(e)) }))
        messages.push(message);
      return { messages, errors };
    };

    it('builds the assistant message: its id, one text part, done', async () => {
      answer = answerOf([text('Hel'), text('lo '), text('there'), finish]);
      const { messages, errors } = await read();
      expect(errors).to.deep.equal([]);
      expect(messages.at(-1)).to.deep.include({ id: 'msg-1', role: 'assistant' });
      expect(partsOf(messages.at(-1))).to.deep.equal([{ type: 'text', text: 'Hello there', state: 'done' }]);
      expect(server?.requests.at(-1)?.url).to.equal('/api/chat');
    });

    it('an error after some text keeps the text and reaches onError with the message', async () => {
      answer = answerOf([text('Part of a rep')], 'Network: the service could not be reached');
      const { messages, errors } = await read();
      expect(partsOf(messages.at(-1))).to.deep.equal([{ type: 'text', text: 'Part of a rep', state: 'done' }]);
      expect(errors).to.have.length(1);
      expect(errors[0]).to.include('Network: the service could not be reached');
    });
  });
});
