// The session's story as webhook events: what a portal needs to know, read from the session's
// steps, its readiness changes and the events it dispatches. Nothing here is a credential.
import type { KitEventBus } from '../core/bus.js';
import type { Clock } from '../core/clock.js';
import { SESSION_ENDED_EVENT, STUN_CREDENTIALS_EVENT, type EndCause } from '../core/events.js';
import type { Session } from '../core/session.js';

/** Every webhook event type is in the service's namespace. */
export const WEBHOOK_TYPE_PREFIX = 'omni.services.livestream.session.';

/** Each event's `data`, by its type (without the prefix). */
export interface WebhookEventData {
  /** Readiness (GET /v1/streaming/ready) changed. */
  readiness_changed: { ready: boolean; reason: string; statusMessage: string; previousReason: string };
  /** Credentials were received: the fact only, and whether they carry TURN details. */
  credentials_received: { turn: boolean };
  /** The first client of a session connected. */
  started: { clientId: string | null };
  client_connected: { clientId: string | null; clients: number };
  client_disconnected: { clientId: string | null; clients: number };
  /** `durationSeconds`: from the first client connecting; null when none did. */
  ended: { sessionId: string | null; cause: EndCause; durationSeconds: number | null; deadlineSeconds?: number };
}

export type WebhookEventName = keyof WebhookEventData;

export const WEBHOOK_EVENT_NAMES = [
  'readiness_changed',
  'credentials_received',
  'started',
  'client_connected',
  'client_disconnected',
  'ended',
] as const satisfies readonly WebhookEventName[];

/** One event, as it happened; made into a CloudEvent when it is sent. */
export interface WebhookEvent<N extends WebhookEventName = WebhookEventName> {
  /** The full type, `omni.services.livestream.session.<name>`. */
  readonly type: `${typeof WEBHOOK_TYPE_PREFIX}${N}`;
  readonly data: WebhookEventData[N];
}

/** Calls `emit` with each session event, in the order they happen; returns a function that stops. */
export function watchSession(session: Session, bus: KitEventBus, clock: Clock, emit: (event: WebhookEvent) => void): () => void {
  const send = <N extends WebhookEventName>(name: N, data: WebhookEventData[N]) => emit({ type: `${WEBHOOK_TYPE_PREFIX}${name}`, data } as WebhookEvent);
  // The session's start as the session machine counts it (its first client), kept for the
  // duration of the end: the ended event is dispatched while the machine's state already has it cleared.
  let startedAt: number | null = null;
  const stops = [
    bus.on(STUN_CREDENTIALS_EVENT, (credentials) => send('credentials_received', { turn: credentials.turnDetails !== undefined })),
    bus.on(SESSION_ENDED_EVENT, (payload) => {
      const durationSeconds = startedAt === null ? null : Math.max(0, (clock.now() - startedAt) / 1000);
      startedAt = null;
      send('ended', { ...payload, durationSeconds });
    }),
    session.onStep(({ before, after, input }) => {
      const clientId = 'clientId' in input ? (input.clientId ?? null) : null;
      if (input.type === 'clientConnected' && after.clients > before.clients) {
        if (before.sessionStartedAt === null && after.sessionStartedAt !== null) {
          startedAt = after.sessionStartedAt;
          send('started', { clientId });
        }
        send('client_connected', { clientId, clients: after.clients });
      }
      if (input.type === 'clientDisconnected' && after.clients < before.clients) send('client_disconnected', { clientId, clients: after.clients });
    }),
    session.onReadinessChange((now, previous) =>
      send('readiness_changed', { ready: now.httpStatus === 200, reason: now.reason, statusMessage: now.statusMessage, previousReason: previous.reason }),
    ),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
