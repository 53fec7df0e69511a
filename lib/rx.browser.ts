/**
 * The RxJS values the library uses, for bundlers (`#rx` under the `browser` and `module`
 * conditions): from `rxjs`, whose ES build a bundler tree-shakes. The same names as Node's
 * `lib/rx.ts`.
 *
 * @module
 */
export {
  Observable,
  Subject,
  ReplaySubject,
  Subscriber,
  asyncScheduler,
  EMPTY,
  concat,
  defer,
  from,
  fromEvent,
  interval,
  merge,
  of,
  range,
  throwError,
  timer,
  catchError,
  concatMap,
  filter,
  finalize,
  map,
  retry,
  scan,
  switchMap,
  take,
  takeUntil,
  takeWhile,
  tap,
  toArray,
  identity,
  isObservable,
  pipe,
} from 'rxjs';
export { eachValueFrom } from 'rxjs-for-await';
