/**
 * The RxJS values the library uses, for Node (`#rx`; `lib/rx.browser.ts` under the `browser` and
 * `module` conditions). In Node, `rxjs` resolves to RxJS's CommonJS index, which loads all of its
 * modules (over 200) on the first import; this module requires each value from its own module
 * under RxJS's exported `rxjs/internal/*` subpaths, which loads the 80 or so the library uses.
 * Those are the modules the index re-exports (one instance), so an `Observable` made with them
 * is an instance of the application's `Observable` from `rxjs`, and operators compose across
 * both. They are required, not imported: Node imports thirty CommonJS modules into an ES module
 * far more slowly than it requires them. docs/architecture.md gives the choice and what it costs;
 * spec/rx.spec.ts proves the interop, and spec/layout.spec.ts keeps every other module importing
 * RxJS's values from `#rx` (and its types from `rxjs`). `rxjs-for-await`'s `eachValueFrom` is
 * here for the same reason.
 *
 * @module
 */
import { createRequire } from 'node:module';
import type * as Rx from 'rxjs';
import type * as ForAwait from 'rxjs-for-await';

const require = createRequire(import.meta.url);

/** `name` from the module of RxJS at `path`, typed as the `rxjs` index types it. */
const load = <K extends keyof typeof Rx>(path: string, name: K): (typeof Rx)[K] =>
  (require(path) as Pick<typeof Rx, K>)[name];

export const Observable = load('rxjs/internal/Observable', 'Observable');
export type Observable<T> = Rx.Observable<T>;
export const Subject = load('rxjs/internal/Subject', 'Subject');
export type Subject<T> = Rx.Subject<T>;
export const ReplaySubject = load('rxjs/internal/ReplaySubject', 'ReplaySubject');
export type ReplaySubject<T> = Rx.ReplaySubject<T>;
export const Subscriber = load('rxjs/internal/Subscriber', 'Subscriber');
export type Subscriber<T> = Rx.Subscriber<T>;
export const asyncScheduler = load('rxjs/internal/scheduler/async', 'asyncScheduler');
export const EMPTY = load('rxjs/internal/observable/empty', 'EMPTY');
export const concat = load('rxjs/internal/observable/concat', 'concat');
export const defer = load('rxjs/internal/observable/defer', 'defer');
export const from = load('rxjs/internal/observable/from', 'from');
export const fromEvent = load('rxjs/internal/observable/fromEvent', 'fromEvent');
export const interval = load('rxjs/internal/observable/interval', 'interval');
export const merge = load('rxjs/internal/observable/merge', 'merge');
export const of = load('rxjs/internal/observable/of', 'of');
export const range = load('rxjs/internal/observable/range', 'range');
export const throwError = load('rxjs/internal/observable/throwError', 'throwError');
export const timer = load('rxjs/internal/observable/timer', 'timer');
export const catchError = load('rxjs/internal/operators/catchError', 'catchError');
export const concatMap = load('rxjs/internal/operators/concatMap', 'concatMap');
export const filter = load('rxjs/internal/operators/filter', 'filter');
export const finalize = load('rxjs/internal/operators/finalize', 'finalize');
export const map = load('rxjs/internal/operators/map', 'map');
export const retry = load('rxjs/internal/operators/retry', 'retry');
export const scan = load('rxjs/internal/operators/scan', 'scan');
export const switchMap = load('rxjs/internal/operators/switchMap', 'switchMap');
export const take = load('rxjs/internal/operators/take', 'take');
export const takeUntil = load('rxjs/internal/operators/takeUntil', 'takeUntil');
export const takeWhile = load('rxjs/internal/operators/takeWhile', 'takeWhile');
export const tap = load('rxjs/internal/operators/tap', 'tap');
export const toArray = load('rxjs/internal/operators/toArray', 'toArray');
export const identity = load('rxjs/internal/util/identity', 'identity');
export const isObservable = load('rxjs/internal/util/isObservable', 'isObservable');
export const pipe = load('rxjs/internal/util/pipe', 'pipe');

/** `for await` over an Observable, from `rxjs-for-await` (CommonJS too, so required as well). */
export const eachValueFrom = (require('rxjs-for-await') as Pick<typeof ForAwait, 'eachValueFrom'>).eachValueFrom;
