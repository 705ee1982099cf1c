import type { StatusReport, WebhookView } from '../../generated/types.gen.js';
import type { AgonesAdapter } from '../agones/index.js';
import type { Clock } from '../core/clock.js';
import { policyClocks } from '../core/policies.js';
import type { Session } from '../core/session.js';
import type { Handler } from './handlers.js';
import { SETTINGS, type Settings } from '../settings/table.js';

export interface StatusSources {
  readonly session: Session;
  readonly settings: Readonly<Settings>;
  readonly clock: Clock;
  /** The clock's time at start-up, for the uptime. */
  readonly startedAt: number;
  /** The port the server listens on (the one it picked, with port 0). */
  readonly port: () => number;
  readonly agones?: AgonesAdapter;
  /** Set when webhookUrl is: each receiver's queue. */
  readonly webhooks?: () => WebhookView[];
}

/** `GET /v1/streaming/status`: what an operator needs to see why an instance is or is not ready; never a secret. */
export function getStatus(sources: StatusSources): Handler<'getStatus'> {
  return () => ({ status: 200, body: statusReport(sources), headers: { 'Cache-Control': 'no-store' } });
}

function statusReport({ session, settings, clock, startedAt, port, agones, webhooks }: StatusSources): StatusReport {
  const readiness = session.readiness();
  const { state } = session;
  return {
    ready: readiness.httpStatus === 200,
    reason: readiness.reason,
    statusMessage: readiness.statusMessage,
    phase: state.phase.name,
    startup: { appReady: state.appReady, rtxReady: state.rtxReady, sessionReadyEventReceived: state.sessionReadyEventReceived },
    clients: state.clients,
    resumeSecondsLeft: 'resumeSecondsLeft' in readiness ? (readiness.resumeSecondsLeft ?? null) : null,
    ...policyClocks(state, settings, clock.now()),
    lastSessionId: state.lastSessionId,
    credentialsReceived: state.credentialsReceived,
    uptimeSeconds: Math.max(0, (clock.now() - startedAt) / 1000),
    settings: { ...shownSettings(settings), port: port() },
    ...(agones && { agones: agones.view() }),
    ...(webhooks && { webhooks: webhooks() }),
  };
}

/**
 * The settings in force, from the one settings table: unset ones as null, and of a secret
 * only whether it is set (`accessToken` → `accessTokenSet`).
 */
function shownSettings(settings: Readonly<Settings>): StatusReport['settings'] {
  const shown: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const value = settings[spec.name];
    if (spec.secret) shown[`${spec.name}Set`] = value !== undefined;
    else shown[spec.name] = value ?? null;
  }
  return shown as StatusReport['settings'];
}
