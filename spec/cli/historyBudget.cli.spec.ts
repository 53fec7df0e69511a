import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conversation } from '../../lib/core/conversation.js';
import type { Message } from '../../lib/core/message.js';
import { startEmulator, type Emulator } from '../../lib/emulator/index.js';
import { runCli, type CliRun } from '../support/runCli.js';

const cli = (args: ReadonlyArray<string>): Promise<CliRun> => runCli(args);

describe('cli: --max-messages and --max-chars', function () {
  this.timeout(30_000);
  let emulator: Emulator;
  let dir: string;
  let file: string;

  before(async () => {
    emulator = await startEmulator({ delayMs: 0, pieceChars: 64, promptLimit: { maxChars: 120 } });
    dir = mkdtempSync(join(tmpdir(), 'yqcloud-rx-budget-'));
    file = join(dir, 'conversation.json');
  });
  after(async () => {
    await emulator?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    const history = Array.from(
      { length: 10 },
      (_, i): Message => ({
        role: i % 2 === 0 ? 'user' : 'assistant',
        content: `turn ${i} ${'x'.repeat(20)}`,
      }),
    );
    const conversation = Conversation.withHistory(history)(Conversation.make('gpt-4', () => 1));
    writeFileSync(file, JSON.stringify(Conversation.toJson(conversation)));
  });

  it('without a flag the long history is refused by the emulator (413)', async () => {
    const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, '--conversation', file, 'Next']);
    expect(run.code).to.not.equal(0);
    expect(emulator.requests.at(-1)).to.include({ status: 413 });
  });

  it('--max-messages 3 sends the newest whole turns only', async () => {
    const run = await cli([
      'chat',
      '--endpoint',
      emulator.apiEndpoint,
      '--conversation',
      file,
      '--max-messages',
      '3',
      'Next',
    ]);
    expect(run.stderr).to.equal('');
    expect(run.code).to.equal(0);
    const prompt = emulator.requests.at(-1)?.payload?.prompt ?? '';
    expect(prompt.split('\n')).to.deep.equal([
      `User: turn 8 ${'x'.repeat(20)}`,
      `Assistant: turn 9 ${'x'.repeat(20)}`,
      'User: Next',
      'Assistant:',
    ]);
  });

  it('--max-chars 120 sends a prompt of at most 120 characters', async () => {
    const run = await cli([
      'chat',
      '--endpoint',
      emulator.apiEndpoint,
      '--conversation',
      file,
      '--max-chars',
      '120',
      'Next',
    ]);
    expect(run.code).to.equal(0);
    expect(emulator.requests.at(-1)?.payload?.prompt.length).to.be.at.most(120);
  });

  it('refuses a bad count', async () => {
    const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, '--max-messages', 'many', 'Next']);
    expect(run.code).to.not.equal(0);
    expect(run.stderr).to.include('--max-messages');
  });
});
