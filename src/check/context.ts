import type { Clock } from '../core/clock.js';
import type { Target } from './http.js';
import type { CheckName, CheckResult } from './types.js';

/** What every step of the sequence shares. */
export interface CheckContext {
  target: Target;
  clock: Clock;
  sleep(ms: number): Promise<void>;
  pollIntervalMs: number;
  /** Why the target can no longer answer (the command it runs as has exited), if so. */
  gone(): string | undefined;
  record(check: CheckResult): void;
  warn(text: string): void;
}

/** Records a check decided now, timed from `startedAt`. */
export function decide(ctx: CheckContext, startedAt: number, name: CheckName, pass: boolean, expected: string, got: string): boolean {
  ctx.record({ name, outcome: pass ? 'pass' : 'fail', expected, got, ms: Math.round(ctx.clock.now() - startedAt) });
  return pass;
}

export function skip(ctx: CheckContext, name: CheckName, expected: string, why: string): void {
  ctx.record({ name, outcome: 'skip', expected, got: why, ms: 0 });
}

/** Once a wait is over, the one last request made still gets this long to answer. */
export const LAST_LOOK_MS = 1000;

/** The time-out for a request made during a wait that ends at `deadline`: what is left of it. */
export function leftOf(ctx: CheckContext, deadline: number): { timeoutMs: number } {
  return { timeoutMs: Math.max(LAST_LOOK_MS, Math.ceil(deadline - ctx.clock.now())) };
}

/** A pause between two polls of a wait that ends at `deadline`: never past it. */
export function pauseWithin(ctx: CheckContext, deadline: number): Promise<void> {
  return ctx.sleep(Math.max(0, Math.min(ctx.pollIntervalMs, deadline - ctx.clock.now())));
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
