export const READY_PATH = '/v1/streaming/ready';
export const STARTUP_PATH = '/v1/streaming/startup';
export const CREDS_PATH = '/v1/streaming/creds';
export const END_SESSION_PATH = '/v1/streaming/endsession';
export const EVENTS_PATH = '/v1/streaming/events';
export const STATUS_PATH = '/v1/streaming/status';
export const METRICS_PATH = '/metrics';

/** Every path of the spec (a test holds them equal): the routes requests are counted by. */
export const ROUTES: ReadonlySet<string> = new Set([READY_PATH, STARTUP_PATH, CREDS_PATH, END_SESSION_PATH, EVENTS_PATH, STATUS_PATH, METRICS_PATH]);
