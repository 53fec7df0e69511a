/**
 * RxJS's own check "should stop listening to a synchronous observable when unsubscribed": a
 * source that emits in a loop for as long as its subscriber is open, and counts what it emitted.
 */
import { Observable } from 'rxjs';

/**
 * A synchronous source of `count` values made by `make`, stopping as soon as its subscriber is
 * closed; `emitted()` says how many it pushed.
 */
export const synchronousSource = <T>(
  make: (index: number) => T,
  count = 200_000,
): { readonly source: Observable<T>; readonly emitted: () => number } => {
  let emitted = 0;
  const source = new Observable<T>((subscriber) => {
    for (let i = 0; i < count && !subscriber.closed; i++) {
      emitted += 1;
      subscriber.next(make(i));
    }
    subscriber.complete();
  });
  return { source, emitted: () => emitted };
};
