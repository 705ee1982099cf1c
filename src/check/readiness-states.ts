import { APP_READY_EVENT, CLIENT_DISCONNECTED_EVENT, NEW_FRAME_EVENT, SESSION_READY_EVENT } from '../core/events.js';
import { READINESS_TABLE, type ReadinessReason } from '../core/readiness.js';
import type { NotReadyStatus } from '../../generated/types.gen.js';
import { stringField, type Answer } from './http.js';

/** What a target stuck in each not-ready state is waiting for. */
export const WAITS_FOR: Record<NotReadyStatus['reason'], string> = {
  APP_NOT_READY: `no app-ready event yet (${APP_READY_EVENT})`,
  RTX_NOT_READY: `no rendered frame yet (${NEW_FRAME_EVENT})`,
  SESSION_READY_EVENT_NOT_RECEIVED: `no session-ready event yet (${SESSION_READY_EVENT}; waitForSessionReadyEvent is on)`,
  WAITING_FOR_PREVIOUS_CLIENT: `the previous client to disconnect (${CLIENT_DISCONNECTED_EVENT})`,
  SESSION_ENDED: 'nothing: its session has ended, the instance is to be recycled',
  SHUTTING_DOWN: 'nothing: it is shutting down (a stop signal), the instance is to be recycled',
};

export interface ClassifiedReadiness {
  /** The statusMessage, or what came instead of one. */
  statusMessage: string;
  /** The Kit row whose message came, when one did. */
  reason?: ReadinessReason;
  /** One of the eight messages, with its own status code. */
  known: boolean;
  /** A message that is none of the eight (a status code off its row is not that). */
  unknownMessage: boolean;
  waitsFor?: string;
  /** For a message of the extension's 7.x releases (omni.services.livestream.nvcf): the row that says it now. */
  predecessorOf?: ReadinessReason;
}

/** What omni.services.livestream.nvcf 7.x (Kit 106/107) says where Kit 108 says a row's message. */
const PREDECESSOR_MESSAGES: Readonly<Record<string, ReadinessReason>> = {
  'Status: Custom ready event not received': 'SESSION_READY_EVENT_NOT_RECEIVED',
};

/** Reads a readiness answer against Kit's table. */
export function classifyReadiness(answer: Answer): ClassifiedReadiness {
  if (answer.httpStatus === null) return { statusMessage: answer.error ?? 'no answer', known: false, unknownMessage: false };
  const message = stringField(answer, 'statusMessage');
  if (message === undefined) return { statusMessage: `no statusMessage in ${JSON.stringify(answer.text.slice(0, 200))}`, known: false, unknownMessage: true };
  // The last row with the message: SHUTTING_DOWN shares SESSION_ENDED's text, and a Kit target means the latter.
  const row = READINESS_TABLE.findLast((r) => r.statusMessage === message);
  if (!row) {
    const predecessorOf = PREDECESSOR_MESSAGES[message];
    return { statusMessage: message, known: false, unknownMessage: true, ...(predecessorOf ? { predecessorOf } : {}) };
  }
  const waitsFor = row.httpStatus === 503 ? WAITS_FOR[row.reason] : undefined;
  return { statusMessage: message, reason: row.reason, known: row.httpStatus === answer.httpStatus, unknownMessage: false, ...(waitsFor ? { waitsFor } : {}) };
}

/** The status code Kit answers a message with. */
export function kitStatusOf(reason: ReadinessReason): 200 | 503 {
  return READINESS_TABLE.find((r) => r.reason === reason)!.httpStatus;
}

export const MESSAGE_OF = Object.fromEntries(READINESS_TABLE.map((r) => [r.reason, r.statusMessage])) as Record<ReadinessReason, string>;
