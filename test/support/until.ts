import type { EventEmitter } from 'node:events';

export interface Wake {
  emitter: EventEmitter;
  event: string;
}

/**
 * Resolves once `holds()` is true: checked now and again on each of the `wakeOn` events
 * (output arriving, a line read), never on a timer. Rejects when a `failOn` event comes
 * first (the process exited) or when `timeoutMs` has passed, naming what it waited for.
 */
export function until(holds: () => boolean, what: string, { wakeOn, failOn = [], timeoutMs = 20_000 }: { wakeOn: Wake[]; failOn?: Wake[]; timeoutMs?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!holds()) return false;
      done();
      resolve();
      return true;
    };
    const fail = (why: string) => () => {
      if (check()) return;
      done();
      reject(new Error(`${why} before ${what}`));
    };
    const gone = fail('gone');
    const timer = setTimeout(fail(`${timeoutMs} ms passed`), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      for (const { emitter, event } of wakeOn) emitter.off(event, check);
      for (const { emitter, event } of failOn) emitter.off(event, gone);
    };
    for (const { emitter, event } of wakeOn) emitter.on(event, check);
    for (const { emitter, event } of failOn) emitter.on(event, gone);
    check();
  });
}
