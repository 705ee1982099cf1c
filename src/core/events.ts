import type { EndCause, IdleWarning, ListenedEventName, SessionEnded, StreamingCredentials } from '../../generated/types.gen.js';

import { APP_READY_EVENT, NEW_FRAME_EVENT, SESSION_READY_EVENT } from '../settings/ready-rules.js';

// Kit event names, used unchanged in every interface (bus, HTTP, event stream). Those a
// readiness rule can raise are named with the rules, in the settings below this layer.
export { APP_READY_EVENT, NEW_FRAME_EVENT, SESSION_READY_EVENT };
export const CLIENT_CONNECTED_EVENT = 'omni.kit.livestream.client_connected:immediate';
export const CLIENT_DISCONNECTED_EVENT = 'omni.kit.livestream.client_disconnected:immediate';
export const SESSION_ENDED_EVENT = 'omni.services.livestream.session.ended';
export const STUN_CREDENTIALS_EVENT = 'omni.services.livestream.session.stun_credentials';

// The service's own events, in its own namespace: Kit has none for user input or idleness.
/** From the application: a viewer gave input; restarts the idle count (idleTimeoutSeconds). */
export const USER_INPUT_EVENT = 'omni.services.livestream.session.user_input';
/** To the application: idleWarningSeconds before the idle time-out ends the session. */
export const IDLE_WARNING_EVENT = 'omni.services.livestream.session.idle_warning';
/** To the application: the idle count was restarted or stopped after a warning; hide the countdown. */
export const IDLE_WARNING_CANCELLED_EVENT = 'omni.services.livestream.session.idle_warning_cancelled';

/** The events the session listens for, from the streaming application. */
export const LISTENED_EVENTS = [
  APP_READY_EVENT,
  NEW_FRAME_EVENT,
  SESSION_READY_EVENT,
  CLIENT_CONNECTED_EVENT,
  CLIENT_DISCONNECTED_EVENT,
  USER_INPUT_EVENT,
] as const satisfies readonly ListenedEventName[];

/** Listened-for events under the names the extension had before 8.0 (omni.services.livestream.nvcf 7.x). */
export const PREDECESSOR_EVENT_NAMES: ReadonlyMap<string, ListenedEventName> = new Map([['omni.services.livestream.nvcf.custom_ready', SESSION_READY_EVENT]]);

/** The events the session dispatches, to the streaming application. */
export const DISPATCHED_EVENTS = [SESSION_ENDED_EVENT, STUN_CREDENTIALS_EVENT, IDLE_WARNING_EVENT, IDLE_WARNING_CANCELLED_EVENT] as const;

export type DispatchedEventName = (typeof DISPATCHED_EVENTS)[number];
export type { ListenedEventName };

// The spec is the source of the listened-for names: this fails to compile if they drift apart.
type MissingFromList = Exclude<ListenedEventName, (typeof LISTENED_EVENTS)[number]>;
const _everyListenedEventIsListed: [MissingFromList] extends [never] ? true : never = true;
void _everyListenedEventIsListed;

/** Why a session ended; carried by `omni.services.livestream.session.ended`. */
export type { EndCause };

export type SessionEndedPayload = SessionEnded;

export type IdleWarningPayload = IdleWarning;

/** The payload of idle_warning_cancelled: nothing but the fact. */
export type IdleWarningCancelledPayload = Record<string, never>;

/** A listened-for event's payload, passed on as the application sent it. */
export type EventPayload = Record<string, unknown>;

export type KitEventMap = { [K in ListenedEventName]: EventPayload } & {
  [SESSION_ENDED_EVENT]: SessionEndedPayload;
  [STUN_CREDENTIALS_EVENT]: StreamingCredentials;
  [IDLE_WARNING_EVENT]: IdleWarningPayload;
  [IDLE_WARNING_CANCELLED_EVENT]: IdleWarningCancelledPayload;
};

export type KitEventName = keyof KitEventMap;

export function isListenedEvent(name: string): name is ListenedEventName {
  return (LISTENED_EVENTS as readonly string[]).includes(name);
}
