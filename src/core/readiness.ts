import type { NotReadyStatus, ReadyStatus } from '../../generated/types.gen.js';
import type { MachineSettings, SessionState } from './machine.js';

type Row<S extends ReadyStatus | NotReadyStatus, H extends 200 | 503> = {
  readonly reason: S['reason'];
  readonly statusMessage: S['statusMessage'];
  readonly httpStatus: H;
  readonly holds: (state: SessionState, settings: MachineSettings) => boolean;
};

type ReadinessRow = Row<NotReadyStatus, 503> | Row<ReadyStatus, 200>;

/**
 * Rows 1 to 4 describe an application on its way up or between sessions; once it has gone
 * (the supervised command exited) none of them holds, and it answers row 5 whatever it
 * reported before: it can never become ready again.
 */
const running = (s: SessionState) => !s.appExited;

/** BEHAVIOUR.md's readiness table, in order: the first rule that holds wins. */
export const READINESS_TABLE: readonly ReadinessRow[] = [
  // Ours: from SIGTERM or SIGINT on, the instance is on its way out whatever else holds.
  {
    reason: 'SHUTTING_DOWN',
    statusMessage: 'Status: Streaming session ended (recycle instance)',
    httpStatus: 503,
    holds: (s) => s.shuttingDown,
  },
  { reason: 'APP_NOT_READY', statusMessage: 'Status: App not ready', httpStatus: 503, holds: (s) => running(s) && !s.appReady },
  { reason: 'RTX_NOT_READY', statusMessage: 'Status: Rtx not ready', httpStatus: 503, holds: (s) => running(s) && !s.rtxReady },
  {
    reason: 'SESSION_READY_EVENT_NOT_RECEIVED',
    statusMessage: 'Status: Session ready event not received',
    httpStatus: 503,
    holds: (s, settings) => running(s) && settings.waitForSessionReadyEvent && !s.sessionReadyEventReceived,
  },
  {
    reason: 'WAITING_FOR_PREVIOUS_CLIENT',
    statusMessage: 'Status: Waiting for previous client to disconnect',
    httpStatus: 503,
    holds: (s) => running(s) && s.previousClientConnected,
  },
  {
    reason: 'SESSION_ENDED',
    statusMessage: 'Status: Streaming session ended (recycle instance)',
    httpStatus: 503,
    holds: (s) => !running(s) || s.phase.name === 'recycling',
  },
  {
    reason: 'AWAITING_RESUME',
    statusMessage: 'Status: Awaiting session resume (keep alive)',
    httpStatus: 200,
    holds: (s) => s.phase.name === 'awaitingResume',
  },
  {
    reason: 'SESSION_ACTIVE',
    statusMessage: 'Status: Streaming session active (keep alive)',
    httpStatus: 200,
    holds: (s) => s.clients > 0,
  },
  { reason: 'READY_FOR_CONNECTION', statusMessage: 'Status: Ready for connection', httpStatus: 200, holds: () => true },
];

export type ReadinessReason = ReadinessRow['reason'];

export type Readiness =
  | ({ readonly httpStatus: 200 } & ReadyStatus)
  | ({ readonly httpStatus: 503 } & NotReadyStatus);

export function readiness(state: SessionState, settings: MachineSettings, now: number): Readiness {
  // The last row always holds, so find() cannot miss.
  const row = READINESS_TABLE.find((r) => r.holds(state, settings))!;
  const { reason, statusMessage, httpStatus } = row;
  if (state.phase.name === 'awaitingResume' && row.httpStatus === 200) {
    const msLeft = state.phase.openedAt + settings.resumeTimeoutSeconds * 1000 - now;
    return { httpStatus: 200, statusMessage: row.statusMessage, reason: row.reason, resumeSecondsLeft: Math.max(0, Math.ceil(msLeft / 1000)) };
  }
  return { httpStatus, statusMessage, reason } as Readiness;
}
