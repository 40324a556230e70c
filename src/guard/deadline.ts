/**
 * The guard's deadline: every store call is answered within `timeoutMs`, by the store or by the
 * deadline, whichever comes first. A late answer is ignored, so it can never become a success, and
 * a late rejection is caught, so it never surfaces as an unhandled rejection.
 *
 * Every attempt of one verifier waits the same `timeoutMs`, so deadlines fall due in the order
 * attempts start: a FIFO queue with one timer armed for its head replaces a timer (and an
 * AbortController) per attempt, which at tens of thousands of logins a second cost more than the
 * verification itself. Answered attempts leave the head of the queue as they finish, and with
 * nothing left to wait for no timer is armed, so a short-lived process exits at once.
 *
 * @module
 */
import {
  checkSettled,
  type GuardStore,
  type SettleOnce,
  type SettleRequest,
  type SettleResult,
  type SettleStep,
} from './store.js';

/** An attempt waiting for its store, in the verifier's deadline queue. */
class Waiting {
  answered = false;
  next: Waiting | undefined = undefined;
  #abort: AbortController | undefined;
  #resolve: ((r: SettleResult | undefined) => void) | undefined;

  constructor(
    readonly deadline: number,
    resolve: (r: SettleResult | undefined) => void,
  ) {
    this.#resolve = resolve;
  }

  /** The first answer wins: the store's, or the deadline's (which also aborts the signal). */
  answer(r: SettleResult | undefined, timedOut: boolean): void {
    if (this.answered) return;
    this.answered = true;
    if (timedOut) this.#abort?.abort();
    const resolve = this.#resolve!;
    this.#resolve = undefined;
    resolve(r);
  }

  /** The request as the store sees it; its `signal` is made only if the store reads it. */
  request(base: Omit<SettleRequest, 'signal'>): SettleRequest {
    return new Request(base, this);
  }

  /** The abort signal of this attempt, aborted already if the deadline has passed. */
  signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.answered) this.#abort.abort();
    }
    return this.#abort.signal;
  }
}

/** A {@link SettleRequest} whose `signal` getter lives on the prototype (a getter per object literal is slow). */
class Request implements SettleRequest {
  readonly now: number;
  readonly maxFailures: number;
  readonly lockUntil: number;
  readonly verified: boolean;
  readonly step: SettleStep | undefined;
  readonly once: SettleOnce | undefined;
  readonly #waiting: Waiting;

  constructor(base: Omit<SettleRequest, 'signal'>, waiting: Waiting) {
    this.now = base.now;
    this.maxFailures = base.maxFailures;
    this.lockUntil = base.lockUntil;
    this.verified = base.verified;
    this.step = base.step;
    this.once = base.once;
    this.#waiting = waiting;
  }

  get signal(): AbortSignal {
    return this.#waiting.signal();
  }
}

/** A store call bounded by the deadline (see the module comment). */
export interface Deadline {
  /**
   * One store call, answered within the deadline: the store's checked answer, or `undefined` for
   * an error, a malformed answer or the deadline.
   */
  settle(store: GuardStore, id: string, request: Omit<SettleRequest, 'signal'>): Promise<SettleResult | undefined>;
  /** Attempts still waiting (answered ones at the head are dropped as they finish). */
  readonly waiting: number;
}

/**
 * A deadline queue for one verifier.
 *
 * @param timeoutMs - how long each store call may take, ms (validated by the caller)
 */
export function createDeadline(timeoutMs: number): Deadline {
  let head: Waiting | undefined;
  let tail: Waiting | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const dropAnswered = (): void => {
    while (head?.answered) head = head.next;
    if (head === undefined) {
      tail = undefined;
      // Nothing left to wait for: no timer may keep a short-lived process alive.
      clearTimeout(timer);
      timer = undefined;
    }
  };
  const arm = (): void => {
    if (timer === undefined && head !== undefined)
      timer = setTimeout(expire, Math.max(0, head.deadline - performance.now()));
  };
  function expire(): void {
    timer = undefined;
    const now = performance.now();
    for (; head !== undefined && (head.answered || head.deadline <= now); head = head.next)
      head.answer(undefined, true);
    if (head === undefined) tail = undefined;
    arm();
  }

  return {
    settle: (store, id, request) =>
      new Promise((resolve) => {
        const waiting = new Waiting(performance.now() + timeoutMs, resolve);
        if (tail === undefined) head = waiting;
        else tail.next = waiting;
        tail = waiting;
        arm();
        const done = (r: SettleResult | undefined): void => {
          waiting.answer(r, false);
          dropAnswered();
        };
        try {
          Promise.resolve(store.settle(id, waiting.request(request))).then(
            (r) => done(checkSettled(r)),
            () => done(undefined),
          );
        } catch {
          done(undefined);
        }
      }),
    get waiting() {
      let n = 0;
      for (let w = head; w !== undefined; w = w.next) if (!w.answered) n++;
      return n;
    },
  };
}
