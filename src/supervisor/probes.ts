import { connect } from 'node:net';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { ReadyRule } from '../settings/ready-rules.js';

/** How often a tcp: or http: rule is tried until it holds. */
export const PROBE_INTERVAL_MS = 250;
/** How long one try may take (a port that drops packets never refuses). */
const ATTEMPT_TIMEOUT_MS = 2000;

export interface ProbeDeps {
  clock: Clock;
  /** Subscribes to the application's output lines; returns the unsubscribe. */
  onLine: (listener: (line: string) => void) => () => void;
  /** One try of a tcp: or http: rule; resolves true when it holds. Real network by default. */
  attempt?: (rule: Exclude<ReadyRule, { kind: 'output' }>) => Promise<boolean>;
}

/**
 * Watches one rule until it holds, then calls `onMatch` once and stops. Output rules look
 * at each line as it comes; tcp: and http: rules are tried every PROBE_INTERVAL_MS of the
 * injected clock. Returns a function that stops watching.
 */
export function watchRule(rule: ReadyRule, onMatch: () => void, deps: ProbeDeps): () => void {
  if (rule.kind === 'output') {
    const off = deps.onLine((line) => {
      if (!rule.pattern.test(line)) return;
      off();
      onMatch();
    });
    return off;
  }
  const attempt = deps.attempt ?? tryOnce;
  let stopped = false;
  let timer: TimerHandle | undefined;
  const tick = () => {
    timer = undefined;
    void attempt(rule).then((held) => {
      if (stopped) return;
      if (held) {
        stopped = true;
        onMatch();
      } else {
        timer = deps.clock.setTimeout(tick, PROBE_INTERVAL_MS);
      }
    });
  };
  tick();
  return () => {
    stopped = true;
    if (timer) deps.clock.clearTimeout(timer);
  };
}

function tryOnce(rule: Exclude<ReadyRule, { kind: 'output' }>): Promise<boolean> {
  return rule.kind === 'tcp' ? tcpConnects(rule.host, rule.port) : httpAnswers(rule.url);
}

function tcpConnects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(ATTEMPT_TIMEOUT_MS);
    const done = (held: boolean) => {
      socket.destroy();
      resolve(held);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

async function httpAnswers(url: string): Promise<boolean> {
  try {
    const answer = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
    await answer.body?.cancel();
    return answer.status >= 200 && answer.status < 400;
  } catch {
    return false;
  }
}
