import type { NotReadyStatus, ReadyStatus } from '../../generated/types.gen.js';
import { isRecycling, type MachineSettings, type SessionState } from './machine.js';

type Row<S extends ReadyStatus | NotReadyStatus, H extends 200 | 503> = {
  readonly reason: S['reason'];
  readonly statusMessage: S['statusMessage'];
  readonly httpStatus: H;
  readonly holds: (state: SessionState, settings: MachineSettings) => boolean;
  /** What the answer carries beside its reason and message, when this row holds. */
  readonly details?: (state: SessionState, settings: MachineSettings, now: number) => Omit<S, 'reason' | 'statusMessage'>;
};

type ReadinessRow = Row<NotReadyStatus, 503> | Row<ReadyStatus, 200>;

/** BEHAVIOUR.md's readiness table, in order, after two rows of ours: the first rule that holds wins. */
export const READINESS_TABLE: readonly ReadinessRow[] = [
  // Ours: from SIGTERM or SIGINT on, the instance is on its way out whatever else holds.
  {
    reason: 'SHUTTING_DOWN',
    statusMessage: 'Status: Streaming session ended (recycle instance)',
    httpStatus: 503,
    holds: (s) => isRecycling(s.phase, 'shuttingDown'),
  },
  // Ours: rows 1 to 4 describe an application on its way up or between sessions; once the
  // supervised application has exited by itself it answers row 5 whatever it reported
  // before: it can never become ready again.
  {
    reason: 'SESSION_ENDED',
    statusMessage: 'Status: Streaming session ended (recycle instance)',
    httpStatus: 503,
    holds: (s) => isRecycling(s.phase, 'appExited'),
  },
  { reason: 'APP_NOT_READY', statusMessage: 'Status: App not ready', httpStatus: 503, holds: (s) => !s.appReady },
  { reason: 'RTX_NOT_READY', statusMessage: 'Status: Rtx not ready', httpStatus: 503, holds: (s) => !s.rtxReady },
  {
    reason: 'SESSION_READY_EVENT_NOT_RECEIVED',
    statusMessage: 'Status: Session ready event not received',
    httpStatus: 503,
    holds: (s, settings) => settings.waitForSessionReadyEvent && !s.sessionReadyEventReceived,
  },
  {
    reason: 'WAITING_FOR_PREVIOUS_CLIENT',
    statusMessage: 'Status: Waiting for previous client to disconnect',
    httpStatus: 503,
    holds: (s) => s.previousClientConnected,
  },
  {
    reason: 'SESSION_ENDED',
    statusMessage: 'Status: Streaming session ended (recycle instance)',
    httpStatus: 503,
    holds: (s) => s.phase.name === 'recycling',
  },
  {
    reason: 'AWAITING_RESUME',
    statusMessage: 'Status: Awaiting session resume (keep alive)',
    httpStatus: 200,
    holds: (s) => s.phase.name === 'awaitingResume',
    // The window is only closed by endsession (or the opt-in timer): the count stops at 0.
    details: (s, settings, now) => {
      const msLeft = s.phase.name === 'awaitingResume' ? s.phase.openedAt + settings.resumeTimeoutSeconds * 1000 - now : 0;
      return { resumeSecondsLeft: Math.max(0, Math.ceil(msLeft / 1000)) };
    },
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
  const { reason, statusMessage, httpStatus, details } = row;
  return { httpStatus, statusMessage, reason, ...details?.(state, settings, now) } as Readiness;
}
