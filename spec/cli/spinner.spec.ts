import { expect } from 'chai';
import { startSpinner } from '../../lib/cli/spinner.js';

/** A terminal stream that keeps what was written. */
const terminal = (): { readonly stream: NodeJS.WriteStream; readonly written: Array<string> } => {
  const written: Array<string> = [];
  const stream = { isTTY: true, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
};

describe('cli/spinner: the waiting line', () => {
  it('shows the time waited, when it gives up and the flag that changes it', () => {
    const { stream, written } = terminal();
    const times = [1_000, 13_500];
    const spinner = startSpinner(stream, {
      limitSeconds: 60,
      flag: '--first-chunk-timeout',
      now: () => times.shift() ?? 13_500,
    });
    spinner.stop();
    expect(written[0]).to.include('waiting for the reply… 12 s').and.include('gives up at 60 s; --first-chunk-timeout');
    expect(written.at(-1)).to.equal('\r\x1b[2K');
  });

  it('writes nothing on a stream that is not a terminal', () => {
    const written: Array<string> = [];
    const stream = { isTTY: false, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream;
    startSpinner(stream, { limitSeconds: 60, flag: '--first-chunk-timeout' }).stop();
    expect(written).to.deep.equal([]);
  });
});
