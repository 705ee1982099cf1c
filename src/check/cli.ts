import { parseArgs } from 'node:util';
import { splitCommand } from '../supervisor/run.js';
import { checkLine, reportTail } from './report.js';
import {
  DEFAULT_EXIT_TIMEOUT_SECONDS,
  DEFAULT_READY_TIMEOUT_SECONDS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RECONNECT_WINDOW_SECONDS,
  NVCF_RECONNECT_WINDOW_SECONDS,
  RECONNECT_WINDOW_MARGIN_SECONDS,
  runNvcfCheck,
} from './sequence.js';
import { MEDIA_PORTS, SIGN_IN_PATH } from './streaming-port.js';
import type { NvcfCheckOptions } from './types.js';

/** NVCF caps its reconnect window at this. */
const MAX_RECONNECT_WINDOW_SECONDS = 1800;

const USAGE = `Usage: livestream-session check <base-url> [options] [--run -- <command> [args...]]

Plays NVCF's part against a streaming container and judges each answer as NVCF does:
polls /v1/streaming/ready until 200 (each request with a ${DEFAULT_REQUEST_TIMEOUT_MS / 1000} s time-out; NVCF never
calls /v1/streaming/startup, so it is looked at once and may be missing), posts STUN/TURN
credentials to /v1/streaming/creds, has a client connect and leave through the target's
local event API when the target is this service, calls /v1/streaming/endsession with
gracefulShutdown: false through the reconnect window while polling readiness (200
expected), has a client come back once inside it, then ends with gracefulShutdown: true
and checks what readiness answers afterwards (500 or 503 once spent, or gone). One line
per check, then a summary. Exit code 0 when every check passes, 1 when one fails, 2 for
a usage error.

Options:
  --ready-timeout <s>     how long readiness may take to answer 200 (default ${DEFAULT_READY_TIMEOUT_SECONDS})
  --reconnect-window <s>  how long to call endsession non-gracefully before the graceful call
                          (default ${RECONNECT_WINDOW_MARGIN_SECONDS} s beyond the resume timeout /v1/streaming/status reports,
                          else ${DEFAULT_RECONNECT_WINDOW_SECONDS}; at most ${MAX_RECONNECT_WINDOW_SECONDS})
  --nvcf-defaults         NVCF's default reconnect window (${NVCF_RECONNECT_WINDOW_SECONDS} s), and fail a target whose
                          resume timeout is shorter
  --strict-kit            judge as Kit answers: /v1/streaming/startup first and required, Kit's
                          message in the resume window, 503 with Kit's message once spent
  --streaming-port <n>    look for the WebSocket NVCF proxies viewers to (${SIGN_IN_PATH}; Kit: 49100);
                          media on UDP ${MEDIA_PORTS} is noted, not looked at
  --no-clients            connect no client through the target's local event API
  --no-resume             the target has resumption off: expect COMPLETE at once
  --no-quit               the target keeps running after the session: expect it ready again
  --token <token>         sent as a bearer token
  --exit-timeout <s>      with --run: how long the command has to exit 0 after the graceful end
                          (default ${DEFAULT_EXIT_TIMEOUT_SECONDS})
  --interval <s>          between two polls (default 1)
  --json                  print the results as one JSON document
  --run -- <command>      start the command as the target; its output is shown on failure
  -h, --help              show this help
`;

class UsageError extends Error {}

const CHECK_OPTIONS = {
  'ready-timeout': { type: 'string' },
  'reconnect-window': { type: 'string' },
  'no-resume': { type: 'boolean', default: false },
  'no-quit': { type: 'boolean', default: false },
  'nvcf-defaults': { type: 'boolean', default: false },
  'strict-kit': { type: 'boolean', default: false },
  'streaming-port': { type: 'string' },
  'no-clients': { type: 'boolean', default: false },
  token: { type: 'string' },
  'exit-timeout': { type: 'string' },
  interval: { type: 'string' },
  json: { type: 'boolean', default: false },
  run: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

// Node's own message for this ends in an unbalanced quote ('-- "--bogus"): say it ourselves.
function unknownOption(args: readonly string[]): string | undefined {
  const { tokens } = parseArgs({ args: [...args], options: CHECK_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const unknown = tokens.find((t) => t.kind === 'option' && !Object.hasOwn(CHECK_OPTIONS, t.name));
  return unknown?.kind === 'option' ? `Unknown option '${unknown.rawName}'` : undefined;
}

function seconds(name: string, text: string | undefined, { max }: { max?: number } = {}): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new UsageError(`--${name} takes a number of seconds, not ${JSON.stringify(text)}`);
  if (max !== undefined && value > max) throw new UsageError(`--${name} is at most ${max} s (NVCF's cap), not ${value}`);
  return value;
}

/** The command line, as options for runNvcfCheck; throws UsageError. */
export function parseCheckArgs(argv: readonly string[]): (NvcfCheckOptions & { json: boolean }) | 'help' {
  const { own, command } = splitCommand(argv);
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      options: CHECK_OPTIONS,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(unknownOption(own) ?? (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'expected the base URL of the target' : `expected one base URL, got ${positionals.join(' ')}`);
  const baseUrl = positionals[0]!;
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) throw new UsageError(`${JSON.stringify(baseUrl)} is not an http:// or https:// URL`);
  if (values.run && !command?.length) throw new UsageError('--run needs a command after --');
  if (!values.run && command !== undefined) throw new UsageError('a command after -- needs --run');
  const interval = seconds('interval', values.interval);
  if (interval === 0) throw new UsageError('--interval must be more than 0');
  const [file, ...args] = command ?? [];
  const streamingPort = values['streaming-port'];
  if (streamingPort !== undefined && !/^\d{1,5}$/.test(streamingPort)) throw new UsageError(`--streaming-port takes a port number, not ${JSON.stringify(streamingPort)}`);
  if (values['nvcf-defaults'] && values['reconnect-window'] !== undefined) throw new UsageError('--nvcf-defaults sets the reconnect window: leave out --reconnect-window');
  return {
    baseUrl,
    json: values.json,
    resume: !values['no-resume'],
    quit: !values['no-quit'],
    nvcfDefaults: values['nvcf-defaults'],
    strictKit: values['strict-kit'],
    clients: !values['no-clients'],
    streamingPort: streamingPort === undefined ? undefined : Number(streamingPort),
    token: values.token,
    readyTimeoutSeconds: seconds('ready-timeout', values['ready-timeout']),
    reconnectWindowSeconds: seconds('reconnect-window', values['reconnect-window'], { max: MAX_RECONNECT_WINDOW_SECONDS }),
    exitTimeoutSeconds: seconds('exit-timeout', values['exit-timeout']),
    pollIntervalMs: interval === undefined ? undefined : interval * 1000,
    command: file === undefined ? undefined : { file, args },
  };
}

/** `livestream-session check …`: resolves with the exit code. */
export async function checkCommand(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let options;
  try {
    options = parseCheckArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err.write(`livestream-session check: ${error.message}\nTry 'livestream-session check --help'.\n`);
    return 2;
  }
  if (options === 'help') {
    out.write(USAGE);
    return 0;
  }
  const { json, ...checkOptions } = options;
  // Interrupted, it exits, and the command it started goes with it (see TargetCommand).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));
  const report = await runNvcfCheck({ ...checkOptions, ...(json ? {} : { onCheck: (check) => out.write(`${checkLine(check)}\n`) }) });
  out.write(json ? `${JSON.stringify(report, null, 2)}\n` : reportTail(report));
  return report.passed ? 0 : 1;
}
