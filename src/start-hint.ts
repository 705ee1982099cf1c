// What a service started on its own waits for, said once at start-up: otherwise a first
// run answers 503 "App not ready" with nothing to say why or what to do.
import { APP_READY_EVENT, NEW_FRAME_EVENT, SESSION_READY_EVENT } from './core/events.js';
import { READY_RULE_SETTINGS } from './settings/ready-rules.js';
import type { Settings } from './settings/table.js';

/** The line to log when no application is supervised or simulated; undefined when rules raise every event needed. */
export function waitingHint(settings: Readonly<Settings>, eventsUrl: string): string | undefined {
  const needed = settings.waitForSessionReadyEvent ? [APP_READY_EVENT, NEW_FRAME_EVENT, SESSION_READY_EVENT] : [APP_READY_EVENT, NEW_FRAME_EVENT];
  const missing = READY_RULE_SETTINGS.filter(({ name, event }) => needed.includes(event) && settings[name] === undefined);
  if (missing.length === 0) return undefined;
  return (
    `Waiting for the streaming application to send ${missing.map(({ event }) => event).join(', ')} to POST ${eventsUrl}; ` +
    `or start with --simulate, set ${missing.map(({ name }) => name).join('/')} (see --help), or run the application under this service: livestream-session -- <command>`
  );
}
