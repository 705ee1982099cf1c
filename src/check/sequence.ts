import { createSystemClock } from '../core/clock.js';
import { OPERATIONS } from '../http/operations.js';
import { Clients } from './clients.js';
import { TargetCommand, describeExit } from './command.js';
import { decide, leftOf, seconds, skip, type CheckContext } from './context.js';
import { httpTarget } from './http.js';
import { MESSAGE_OF } from './readiness-states.js';
import { endTheSession, NVCF_CREDENTIALS, postCredentials } from './session-steps.js';
import type { CheckResult, NvcfCheckOptions, NvcfCheckReport } from './types.js';
import { lookAtStreamingPort } from './streaming-port.js';
import { judgeMessages, LegacyPorts, lookAtStartup, StateWalk, walkReadiness, walkStartup, walkText } from './walk.js';

const READY_PATH = OPERATIONS.checkReady.path;
const STATUS_PATH = OPERATIONS.getStatus.path;

export const DEFAULT_READY_TIMEOUT_SECONDS = 300;
export const DEFAULT_EXIT_TIMEOUT_SECONDS = 30;
/** NVCF's time-out for each request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Without a resume timeout to go by. */
export const DEFAULT_RECONNECT_WINDOW_SECONDS = 5;
/** How far beyond the target's resume timeout the reconnect window reaches by default. */
export const RECONNECT_WINDOW_MARGIN_SECONDS = 3;
/** NVCF's reconnect window when the invocation names none (X-NVCF-RECONNECT-WINDOW-SECS). */
export const NVCF_RECONNECT_WINDOW_SECONDS = 300;
/** Health ports of older Kit releases, the usual reason a deployment sticks. */
export const LEGACY_HEALTH_PORTS = [8111, 8311] as const;

/**
 * Plays NVCF's part against a streaming container: start-up, readiness, credentials, the
 * end of a session and what follows it, each step judged as NVCF would, every failure
 * reported with what was expected and what came.
 */
export async function runNvcfCheck(options: NvcfCheckOptions): Promise<NvcfCheckReport> {
  const clock = options.clock ?? createSystemClock();
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms)));
  const checks: CheckResult[] = [];
  const warnings: string[] = [];
  const started = clock.now();
  const command = options.command
    ? new TargetCommand(options.command.file, options.command.args ?? [], options.command.env ?? process.env, clock)
    : undefined;
  const ctx: CheckContext = {
    target: httpTarget(options.baseUrl, { token: options.token, timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, clock }),
    clock,
    sleep,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    gone: () => (command?.exit ? `the command has exited: ${describeExit(command.exit)}` : undefined),
    record: (check) => {
      checks.push(check);
      options.onCheck?.(check);
    },
    warn: (text) => void warnings.push(text),
  };
  const resume = options.resume ?? true;
  const quit = options.quit ?? true;
  const exitTimeoutMs = (options.exitTimeoutSeconds ?? DEFAULT_EXIT_TIMEOUT_SECONDS) * 1000;
  const readyTimeoutMs = (options.readyTimeoutSeconds ?? DEFAULT_READY_TIMEOUT_SECONDS) * 1000;

  const deadline = started + readyTimeoutMs;
  const strictKit = options.strictKit ?? false;
  const legacy = new LegacyPorts(options.baseUrl, options.legacyPorts ?? LEGACY_HEALTH_PORTS);
  // NVCF polls readiness from the start and never start-up; Kit answers both.
  if (strictKit) await walkStartup(ctx, deadline, legacy);
  const { ready, states } = await walkReadiness(ctx, deadline, readyTimeoutMs, strictKit ? undefined : legacy);
  if (!strictKit) await lookAtStartup(ctx, deadline, states.some((state) => state.httpStatus !== null));
  judgeMessages(ctx, states);

  const { resumeTimeoutSeconds, declaredWindow } = await readWindows(ctx, deadline);
  const givenWindow = options.reconnectWindowSeconds ?? (options.nvcfDefaults ? NVCF_RECONNECT_WINDOW_SECONDS : undefined);
  const reconnectWindowSeconds =
    givenWindow ?? (resumeTimeoutSeconds !== null && resumeTimeoutSeconds > 0 ? resumeTimeoutSeconds + RECONNECT_WINDOW_MARGIN_SECONDS : DEFAULT_RECONNECT_WINDOW_SECONDS);
  judgeResumeWindow(ctx, { resume, resumeTimeoutSeconds, givenWindow, declaredWindow, nvcfDefaults: options.nvcfDefaults ?? false });
  if (options.streamingPort !== undefined) await lookAtStreamingPort(ctx, options.baseUrl, options.streamingPort, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);

  if (!ready) {
    const why = ctx.gone() ?? 'the target never became ready';
    for (const name of ['credentials', 'client connect', 'client disconnect', 'endsession', 'endsession repeated', 'endsession graceful', 'readiness after the session'] as const) {
      skip(ctx, name, 'a ready target', why);
    }
    const early = command?.exit;
    if (early) decide(ctx, started, 'exit', false, 'exit code 0 after the session', `${describeExit(early)} before the target was ready`);
    else if (command) skip(ctx, 'exit', 'exit code 0 after the session', why);
  } else {
    await postCredentials(ctx, options.credentials ?? NVCF_CREDENTIALS);
    const clients = await Clients.firstVisit(ctx, { ours: resumeTimeoutSeconds !== null, enabled: options.clients ?? true });
    const ends = await endTheSession(ctx, { sessionId: options.sessionId ?? 'nvcf-check', resume, quit, resumeTimeoutSeconds, reconnectWindowSeconds, strictKit, clients });
    await checkAfterSession(ctx, { quit, strictKit }, quit ? exitTimeoutMs : readyTimeoutMs);
    if (command) await checkExit(ctx, command, { quit, ...ends, exitTimeoutMs });
  }
  const exit = command ? await command.stop() : undefined;

  return {
    baseUrl: options.baseUrl,
    passed: checks.every((c) => c.outcome !== 'fail'),
    checks,
    warnings,
    readiness: states,
    resumeTimeoutSeconds,
    reconnectWindowSeconds,
    ...(command && exit ? { command: { file: command.file, exit, stoppedByCheck: command.stopped, output: command.output } } : {}),
    ms: Math.round(clock.now() - started),
  };
}

/**
 * The resume timeout the target reports on /v1/streaming/status, when it has that endpoint,
 * and the reconnect window it was told its session manager uses (reconnectWindowSeconds).
 */
async function readWindows(ctx: CheckContext, deadline: number): Promise<{ resumeTimeoutSeconds: number | null; declaredWindow: number | null }> {
  // Read as part of the wait for readiness: when that wait is over, the answer must come soon.
  const answer = await ctx.target.request('GET', STATUS_PATH, undefined, leftOf(ctx, deadline));
  const settings = answer.httpStatus === 200 ? (answer.body as { settings?: Record<string, unknown> } | undefined)?.settings : undefined;
  const seconds = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null);
  return { resumeTimeoutSeconds: seconds(settings?.resumeTimeoutSeconds), declaredWindow: seconds(settings?.reconnectWindowSeconds) };
}

/**
 * The resume timeout against the reconnect window the session manager will use: NVCF's
 * sidecar polls endsession through 300 s by default, and a shorter resume window quits the
 * instance while NVCF still offers the viewer a reconnect.
 */
function judgeResumeWindow(
  ctx: CheckContext,
  {
    resume,
    resumeTimeoutSeconds,
    givenWindow,
    declaredWindow,
    nvcfDefaults,
  }: { resume: boolean; resumeTimeoutSeconds: number | null; givenWindow: number | undefined; declaredWindow: number | null; nvcfDefaults: boolean },
): void {
  const expected = `a resume timeout at least the reconnect window (${givenWindow} s)`;
  if (nvcfDefaults) {
    if (resumeTimeoutSeconds === null || !resume) {
      return skip(ctx, 'resume window', expected, resume ? 'the target reports no resume timeout (no /v1/streaming/status)' : 'resumption off (--no-resume)');
    }
    const fits = resumeTimeoutSeconds >= givenWindow!;
    const got = `${resumeTimeoutSeconds} s${fits ? '' : `: the instance would quit ${givenWindow! - resumeTimeoutSeconds} s before NVCF stops offering a reconnect; set resumeTimeoutSeconds (or reconnectWindowSeconds)`}`;
    decide(ctx, ctx.clock.now(), 'resume window', fits, expected, got);
    return;
  }
  if (resumeTimeoutSeconds === null || !resume) return;
  const [window, whose] =
    givenWindow !== undefined
      ? [givenWindow, 'the reconnect window']
      : declaredWindow !== null
        ? [declaredWindow, "the reconnect window it declares (reconnectWindowSeconds)"]
        : [NVCF_RECONNECT_WINDOW_SECONDS, "NVCF's default reconnect window"];
  if (resumeTimeoutSeconds >= window) return;
  ctx.warn(
    `the target's resume timeout (${resumeTimeoutSeconds} s) is shorter than ${whose} (${window} s): a client that comes back after ${resumeTimeoutSeconds} s finds its session ended` +
      (givenWindow === undefined && declaredWindow === null ? "; --nvcf-defaults checks with NVCF's window" : ''),
  );
}

/** Once the session has ended: recycle (or gone) with quit, ready again without. */
async function checkAfterSession(ctx: CheckContext, { quit, strictKit }: { quit: boolean; strictKit: boolean }, withinMs: number): Promise<void> {
  const started = ctx.clock.now();
  const walk = new StateWalk(ctx);
  const wanted = quit ? MESSAGE_OF.SESSION_ENDED : MESSAGE_OF.READY_FOR_CONNECTION;
  let passed = false;
  for (;;) {
    const answer = await ctx.target.request('GET', READY_PATH);
    walk.saw(answer);
    const message = (answer.body as { statusMessage?: unknown } | undefined)?.statusMessage;
    // NVCF's docs have a spent container answer 500; Kit answers 503 with its message.
    const spent = strictKit ? answer.httpStatus === 503 && message === wanted : answer.httpStatus === 503 || answer.httpStatus === 500;
    passed = quit ? answer.httpStatus === null || spent : answer.httpStatus === 200 && message === wanted;
    if (passed || ctx.clock.now() - started >= withinMs || (!quit && answer.httpStatus === null)) break;
    await ctx.sleep(ctx.pollIntervalMs);
  }
  const path = walkText(walk.end());
  const spentText = strictKit ? `503 "${wanted}"` : `503 (Kit: "${wanted}") or 500`;
  const expected = quit ? `${spentText}, or no answer (the target has quit), within ${seconds(withinMs)}` : `200 "${wanted}" within ${seconds(withinMs)} (the target keeps running)`;
  decide(ctx, started, 'readiness after the session', passed, expected, path);
}

interface ExitTiming {
  quit: boolean;
  /** From when the command may exit: the call that ended the session. */
  sessionEndedAt: number;
  gracefulAt: number;
  exitTimeoutMs: number;
}

/** With quit, the command exits 0 by itself; without, it keeps running until told to stop. */
async function checkExit(ctx: CheckContext, command: TargetCommand, { quit, sessionEndedAt, gracefulAt, exitTimeoutMs }: ExitTiming): Promise<void> {
  const started = ctx.clock.now();
  if (quit) {
    const exit = await command.waitForExit(Math.max(0, gracefulAt + exitTimeoutMs - ctx.clock.now()), ctx.sleep);
    const early = exit !== undefined && exit.at < sessionEndedAt;
    const got =
      exit === undefined
        ? `still running ${seconds(exitTimeoutMs)} after the graceful end`
        : `${describeExit(exit)}${early ? ' before the session ended' : `, ${seconds(Math.max(0, exit.at - gracefulAt))} after the graceful end`}`;
    decide(ctx, started, 'exit', exit !== undefined && exit.code === 0 && exit.signal === null && !early, `exit code 0 within ${seconds(exitTimeoutMs)} after the graceful end`, got);
    return;
  }
  const early = command.exit;
  const exit = early ?? (await command.stop());
  const got = early ? `${describeExit(early)} after the session, while it should keep running` : `kept running; ${describeExit(exit)} on SIGTERM`;
  decide(ctx, started, 'exit', early === undefined && exit.code === 0, 'still running after the session (no quit), then exit code 0 on SIGTERM', got);
}
