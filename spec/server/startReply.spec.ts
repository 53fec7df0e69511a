import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import { Subject } from 'rxjs';
import { YqcloudError } from '../../lib/core/error.js';
import { startReply } from '../../lib/server/routes/relay/startReply.js';

describe('server/startReply', () => {
  it('has one consumer: a second subscription fails with a clear error and leaves the first alone', () => {
    const source = new Subject<number>();
    const started = startReply(source);
    if (E.isLeft(started)) throw started.left;
    const first: Array<number> = [];
    started.right.subscribe((n) => first.push(n));
    let second: unknown;
    const seen: Array<number> = [];
    started.right.subscribe({ next: (n) => seen.push(n), error: (e: unknown) => (second = e) });
    source.next(1);
    expect(first).to.deep.equal([1]);
    expect(seen).to.deep.equal([]);
    expect(second).to.be.instanceOf(YqcloudError);
    expect((second as YqcloudError).message).to.match(/one consumer/);
  });
});
