export const READY_PATH = '/v1/streaming/ready';
export const STARTUP_PATH = '/v1/streaming/startup';
export const CREDS_PATH = '/v1/streaming/creds';
export const END_SESSION_PATH = '/v1/streaming/endsession';
export const EVENTS_PATH = '/v1/streaming/events';
