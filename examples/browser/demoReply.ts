/**
 * The demo's emulator replies: the emulator's default, but in Chinese, without a single space,
 * when the question is Chinese — the service is Chinese, and so are many of its replies, which is
 * what `bufferText({ boundary: 'word' })` must cut into words without spaces to lean on.
 */
import { defaultReply, type ReplyFunction } from '../../lib/emulator/index.js';

const han = /\p{Script=Han}/u;

const lastQuestion = (prompt: string): string =>
  prompt
    .split('\n')
    .map((line) => line.replace(/^(User|Assistant|System|Developer):\s?/, '').trim())
    .filter((line) => line !== '')
    .at(-1) ?? '';

/**
 * The reply to a prompt: Chinese for a Chinese question, else {@link defaultReply}.
 *
 * @example
 * ```ts
 * demoReply('你好吗？', { system: '', userId: '#/chat/1', history: [] }); // '你问：「你好吗？」。这是我们对话的第1轮。…'
 * ```
 */
export const demoReply: ReplyFunction = (prompt, context) => {
  const question = lastQuestion(prompt);
  if (!han.test(question)) return defaultReply(prompt, context);
  return [
    `你问：「${question}」。`,
    `这是我们对话的第${context.history.length + 1}轮。`,
    '模拟器把这段回复切成小块发送，你可以看着它一点一点地出现。',
    '流式传输让长长的回复不必等到最后才显示出来！',
    '你好，世界🌏。',
  ].join('');
};
