import { expect } from 'chai';
import { Observable, take } from 'rxjs';
import { finish, text } from '../../lib/core/chunk.js';
import { httpError, networkError, withPartialText, YqcloudError } from '../../lib/core/error.js';
import type { ReplyCheckpoint } from '../../lib/provider/replyCheckpoint.js';
import { type RelayFrame, resumeOnDrop } from '../../lib/provider/resumeOnDrop.js';
import { testScheduler } from '../support/marbles.js';

const reply = { type: 'reply', replyId: 'R' } as const;
const chunk = (id: string, value: string): RelayFrame => ({ type: 'chunk', id, chunk: text(value) });
const done = (id: string): RelayFrame => ({ type: 'chunk', id, chunk: finish });
const reset = networkError('ECONNRESET', 'socket hang up');

describe('provider: resumeOnDrop', () => {
  it('reconnects after a drop with the last event id, after the backoff; the subscriber sees one unbroken reply', () => {
    const asked: Array<string | undefined> = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold<RelayFrame>('-r-a-b-#', { r: reply, a: chunk('R.1', 'Hel'), b: chunk('R.2', 'lo') }, reset);
      const second = cold<RelayFrame>('-c-F|', { c: chunk('R.3', ' world'), F: done('R.4') });
      const open = (lastEventId: string | undefined): Observable<RelayFrame> => {
        asked.push(lastEventId);
        return asked.length === 1 ? first : second;
      };
      expectObservable(resumeOnDrop(open, { baseDelayMs: 10 })).toBe('---a-b 12ms c-(F|)', {
        a: text('Hel'),
        b: text('lo'),
        c: text(' world'),
        F: finish,
      });
      expectSubscriptions(first.subscriptions).toBe('^------!');
      expectSubscriptions(second.subscriptions).toBe('17ms ^--!');
    });
    expect(asked).to.deep.equal([undefined, 'R.2']);
  });

  it('stops listening to a synchronous connection when unsubscribed', () => {
    let emitted = 0;
    const endless = new Observable<RelayFrame>((subscriber) => {
      subscriber.next(reply);
      while (!subscriber.closed && emitted < 1000) subscriber.next(chunk(`R.${++emitted}`, 'x'));
    });
    resumeOnDrop(() => endless)
      .pipe(take(2))
      .subscribe();
    expect(emitted).to.equal(2);
  });

  it('resumes from the start of a named reply when the drop came before any event', () => {
    const asked: Array<string | undefined> = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const open = (lastEventId: string | undefined): Observable<RelayFrame> => {
        asked.push(lastEventId);
        return asked.length === 1
          ? cold<RelayFrame>('-r-#', { r: reply }, reset)
          : cold<RelayFrame>('-F|', { F: done('R.1') });
      };
      expectObservable(resumeOnDrop(open, { baseDelayMs: 5 })).toBe('9ms (F|)', { F: finish });
    });
    expect(asked).to.deep.equal([undefined, 'R.0-0']);
  });

  it('gives up after maxAttempts reconnections without an event, with all the text in partialText', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      let opened = 0;
      const open = (): Observable<RelayFrame> =>
        ++opened === 1
          ? cold<RelayFrame>('-r-a-#', { r: reply, a: chunk('R.1', 'Hi') }, reset)
          : cold<RelayFrame>('-#', {}, reset);
      // drop at 5; waits 1, 2, 4 ms before the three failing attempts (maxAttempts 3); fails at 15.
      expectObservable(resumeOnDrop(open, { maxAttempts: 3, baseDelayMs: 1 })).toBe(
        '---a 11ms #',
        { a: text('Hi') },
        Object.assign(networkError('ECONNRESET', 'socket hang up'), { partialText: 'Hi' }),
      );
    });
  });

  it('never resumes a connection that named no reply, a protocol error, or the reply’s own error ending', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const unnamed = cold<RelayFrame>('-#', {}, reset);
      expectObservable(resumeOnDrop(() => unnamed)).toBe('-#', {}, reset);
      const protocol = networkError('EPROTO', 'bad event');
      expectObservable(resumeOnDrop(() => cold<RelayFrame>('-r-#', { r: reply }, protocol))).toBe('---#', {}, protocol);
      const ending = new YqcloudError('Network', 'the server producing this reply stopped', { code: 'EPRODUCERLOST' });
      expectObservable(
        resumeOnDrop(() =>
          cold<RelayFrame>('-r-a-e', {
            r: reply,
            a: chunk('R.1', 'Hi'),
            e: { type: 'error', id: 'R.2', error: ending },
          }),
        ),
      ).toBe('---a-#', { a: text('Hi') }, Object.assign(ending, { partialText: 'Hi' }));
    });
  });

  it('fails with the drop when the relay no longer has the reply (204)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      let opened = 0;
      const open = (): Observable<RelayFrame> =>
        ++opened === 1
          ? cold<RelayFrame>('-r-a-#', { r: reply, a: chunk('R.1', 'Hi') }, reset)
          : cold<RelayFrame>('-g', { g: { type: 'gone' } });
      expectObservable(resumeOnDrop(open, { baseDelayMs: 1 })).toBe(
        '---a---#',
        { a: text('Hi') },
        Object.assign(networkError('ECONNRESET', 'socket hang up'), { partialText: 'Hi' }),
      );
    });
  });

  it('unsubscribing during the backoff cancels the wait: no reconnection', () => {
    let opened = 0;
    testScheduler().run(({ cold, expectObservable }) => {
      const open = (): Observable<RelayFrame> => {
        opened += 1;
        return cold<RelayFrame>('-r-a-#', { r: reply, a: chunk('R.1', 'Hi') }, reset);
      };
      expectObservable(resumeOnDrop(open, { baseDelayMs: 100 }), '^-------!').toBe('---a----', { a: text('Hi') });
    });
    expect(opened).to.equal(1);
  });

  describe('tracking: picking a reply up, and where it has got to', () => {
    const id = 'mJ3xQ0d6Z2dO9m1sXk3P_a7b';
    const named = { type: 'reply', replyId: id } as const;

    it('checkpoint hears the reply named (`.0-0`), then each event with the text so far; not finish', () => {
      const heard: Array<ReplyCheckpoint> = [];
      testScheduler().run(({ cold, expectObservable }) => {
        const open = (): Observable<RelayFrame> =>
          cold<RelayFrame>('-r-a-b-F|', {
            r: named,
            a: chunk(`${id}.1-0`, 'Hel'),
            b: chunk(`${id}.1-1`, 'lo'),
            F: done(`${id}.1-2`),
          });
        expectObservable(resumeOnDrop(open, {}, { checkpoint: (c) => heard.push(c) })).toBe('---a-b-(F|)', {
          a: text('Hel'),
          b: text('lo'),
          F: finish,
        });
      });
      expect(heard).to.deep.equal([
        { replyId: id, lastEventId: `${id}.0-0`, text: '' },
        { replyId: id, lastEventId: `${id}.1-0`, text: 'Hel' },
        { replyId: id, lastEventId: `${id}.1-1`, text: 'Hello' },
      ]);
    });

    it('from: the first connection asks after from.lastEventId; the text and checkpoints count from from.text', () => {
      const asked: Array<string | undefined> = [];
      const heard: Array<string> = [];
      testScheduler().run(({ cold, expectObservable }) => {
        const open = (lastEventId: string | undefined): Observable<RelayFrame> => {
          asked.push(lastEventId);
          return asked.length === 1
            ? cold<RelayFrame>('-r-a-#', { r: named, a: chunk(`${id}.1-3`, ' wor') }, reset)
            : cold<RelayFrame>('-b-F|', { b: chunk(`${id}.1-4`, 'ld'), F: done(`${id}.1-5`) });
        };
        expectObservable(
          resumeOnDrop(
            open,
            { baseDelayMs: 1 },
            { from: { lastEventId: `${id}.1-2`, text: 'Hello' }, checkpoint: (c) => heard.push(c.text) },
          ),
        ).toBe('---a ---b-(F|)', { a: text(' wor'), b: text('ld'), F: finish });
      });
      expect(asked).to.deep.equal([`${id}.1-2`, `${id}.1-3`]);
      expect(heard).to.deep.equal(['Hello wor', 'Hello world']);
    });

    it('from: a failure’s partialText is from.text with what came since; a reply the relay no longer has is EGONE', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const gone = cold<RelayFrame>('-g', { g: { type: 'gone' } });
        expectObservable(resumeOnDrop(() => gone, {}, { from: { lastEventId: `${id}.1-2`, text: 'Hello' } })).toBe(
          '-#',
          {},
          new YqcloudError('Network', 'the relay no longer has this reply', { code: 'EGONE', partialText: 'Hello' }),
        );
        const refused = httpError(403, '');
        const partly = cold<RelayFrame>('-a-#', { a: chunk(`${id}.1-3`, '!') }, refused);
        expectObservable(resumeOnDrop(() => partly, {}, { from: { lastEventId: `${id}.1-2`, text: 'Hello' } })).toBe(
          '-a-#',
          { a: text('!') },
          withPartialText('Hello!')(refused),
        );
      });
    });

    it('from: stops listening to a synchronous connection when unsubscribed', () => {
      let emitted = 0;
      const endless = new Observable<RelayFrame>((subscriber) => {
        while (!subscriber.closed && emitted < 1000) subscriber.next(chunk(`${id}.2-${++emitted}`, 'x'));
      });
      resumeOnDrop(() => endless, {}, { from: { lastEventId: `${id}.1-0`, text: '' } })
        .pipe(take(3))
        .subscribe();
      expect(emitted).to.equal(3);
    });
  });
});
