import type { StreamingCredentials } from '../../generated/types.gen.js';
import type { Clock } from '../core/clock.js';

/** What `runNvcfCheck` is told: where the target is and what its deployment expects. */
export interface NvcfCheckOptions {
  /** The target's base URL, e.g. http://127.0.0.1:8011. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` on every request. */
  token?: string;
  /** How long readiness may take to answer 200 (NVCF's deployment time-out). Default 300. */
  readyTimeoutSeconds?: number;
  /**
   * How long to keep calling endsession non-gracefully before the graceful call. Default: a
   * few seconds beyond the resume timeout the target reports on /v1/streaming/status, else 5.
   */
  reconnectWindowSeconds?: number;
  /**
   * Judge as Kit answers rather than as NVCF accepts: /v1/streaming/startup required before
   * readiness, Kit's message in the resume window, and 503 with Kit's message once spent.
   */
  strictKit?: boolean;
  /**
   * NVCF's defaults: a 300 s reconnect window, and a failed check when the target's resume
   * timeout is shorter (its instance would quit while NVCF still offers a reconnect).
   */
  nvcfDefaults?: boolean;
  /** Connect and disconnect a client through the target's local event API when it has one. Default true. */
  clients?: boolean;
  /** The port NVCF proxies the stream to (49100 for Kit): a WebSocket upgrade at /sign_in is looked at. */
  streamingPort?: number;
  /** Whether the target resumes sessions (Kit's default); false expects COMPLETE at once. */
  resume?: boolean;
  /** Whether the target quits when the session ends (Kit's default); false expects it ready again. */
  quit?: boolean;
  /** Starts this command as the target, and expects it to exit 0 after the session. */
  command?: { file: string; args?: readonly string[]; env?: NodeJS.ProcessEnv };
  /** How long the command has to exit after the graceful end. Default 30. */
  exitTimeoutSeconds?: number;
  /** Between two polls. Default 1000. */
  pollIntervalMs?: number;
  /** Each request's time-out, as NVCF's. Default 10000. */
  requestTimeoutMs?: number;
  /** Older Kit health ports looked at when nothing answers on the given one. Default 8111, 8311. */
  legacyPorts?: readonly number[];
  /** What is posted to /v1/streaming/creds. Default: STUN and TURN details shaped as NVCF sends them. */
  credentials?: StreamingCredentials;
  /** The sessionId sent with endsession. */
  sessionId?: string;
  /** Time as the check sees it (durations, deadlines). */
  clock?: Clock;
  /** Waits between polls; default waits on `clock`. */
  sleep?: (ms: number) => Promise<void>;
  /** Told of each check as soon as it is decided. */
  onCheck?: (check: CheckResult) => void;
}

export type CheckName =
  | 'startup'
  | 'readiness'
  | 'readiness messages'
  | 'resume window'
  | 'streaming port'
  | 'media ports'
  | 'credentials'
  | 'client connect'
  | 'client disconnect'
  | 'endsession'
  | 'resume by reconnection'
  | 'readiness in the resume window'
  | 'endsession repeated'
  | 'endsession after the resume window'
  | 'endsession graceful'
  | 'readiness after the session'
  | 'exit';

export interface CheckResult {
  name: CheckName;
  outcome: 'pass' | 'fail' | 'skip';
  expected: string;
  got: string;
  ms: number;
}

/** One state of the readiness walk, and how long it lasted. */
export interface ReadinessState {
  /** null: no answer came. */
  httpStatus: number | null;
  /** The statusMessage that came, or what came instead. */
  statusMessage: string;
  /** Whether it is one of Kit's eight messages with its own status code. */
  known: boolean;
  /** For a known not-ready state: what the target waits for. */
  waitsFor?: string;
  ms: number;
}

export interface NvcfCheckReport {
  baseUrl: string;
  passed: boolean;
  checks: CheckResult[];
  warnings: string[];
  readiness: ReadinessState[];
  /** From /v1/streaming/status when the target has one. */
  resumeTimeoutSeconds: number | null;
  reconnectWindowSeconds: number;
  /** With a command: how it exited, whether the check had to stop it, and its output. */
  command?: { file: string; exit: { code: number | null; signal: string | null }; stoppedByCheck: boolean; output: string };
  ms: number;
}
