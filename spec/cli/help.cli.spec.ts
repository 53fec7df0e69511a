import { expect } from 'chai';
import { describeError } from '../../lib/cli/describeError.js';
import { networkError, timeoutError } from '../../lib/core/error.js';
import { runCli } from '../support/runCli.js';

describe('command line: help and error lines', () => {
  it('`emulator --help` gives the port default once', async () => {
    const { stdout } = await runCli(['emulator', '--help']);
    const portLine = stdout.split('\n').find((line) => line.trimStart().startsWith('--port'));
    expect(portLine).to.match(/\(default: any free port\)$/);
    expect(portLine?.match(/default/g)).to.have.length(1);
  });

  it('`chat --help` names the environment variables it reads, and the values of YQCLOUD_RX_LOG', async () => {
    const { stdout } = await runCli(['chat', '--help']);
    expect(stdout).to.match(/^ {2}YQCLOUD_API_ENDPOINT {2}the endpoint when neither --endpoint nor --emulator/m);
    expect(stdout).to.match(/^ {2}YQCLOUD_RX_LOG {8}debug: .*; off: none$/m);
  });

  it('a first-chunk timeout after --retries says to raise them, not to add them', () => {
    const error = timeoutError('first-chunk', 500);
    expect(describeError(error)).to.match(/ — raise --first-chunk-timeout, or add --retries$/);
    expect(describeError(error, { retries: 0 })).to.match(/, or add --retries$/);
    expect(describeError(error, { retries: 2 })).to.match(
      / — raise --first-chunk-timeout or --retries \(2 retries timed out too\)$/,
    );
    expect(describeError(error, { retries: 1 })).to.match(/\(1 retry timed out too\)$/);
  });

  it('an error whose message has line breaks (OpenSSL’s EPROTO) is one line, its hint on it', () => {
    const error = networkError(
      'EPROTO',
      'write EPROTO 80DCE5CF3F7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n',
    );
    const line = describeError(error);
    expect(line).to.not.include('\n');
    expect(line).to.match(/ssl3_record\.c:350: — check the endpoint, your connection and any --proxy/);
  });
});
