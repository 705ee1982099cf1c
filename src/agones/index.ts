import type { Clock } from '../core/clock.js';
import type { Session } from '../core/session.js';
import type { Settings } from '../settings/table.js';
import type { Logger } from '../core/logger.js';
import { AgonesAdapter } from './adapter.js';
import { agonesWanted, createRestSdk, sdkUrl } from './sdk.js';

export { AgonesAdapter } from './adapter.js';

export interface AgonesStart {
  session: Session;
  settings: Readonly<Settings>;
  env: Record<string, string | undefined>;
  clock: Clock;
  logger: Logger;
}

/** The adapter when the pod is an Agones GameServer (or the `agones` setting says so), else undefined. */
export function startAgones({ session, settings, env, clock, logger }: AgonesStart): AgonesAdapter | undefined {
  if (!agonesWanted(settings.agones, env)) return undefined;
  const sdk = createRestSdk(sdkUrl(env));
  logger.info({ sdkUrl: sdk.url, healthPeriodSeconds: settings.agonesHealthPeriodSeconds }, 'Agones GameServer: driving it through the SDK sidecar');
  const occupancy = { counter: settings.agonesSessionsCounter || null, list: settings.agonesClientsList || null };
  return new AgonesAdapter({ session, sdk, clock, logger, healthPeriodMs: settings.agonesHealthPeriodSeconds * 1000, occupancy });
}
