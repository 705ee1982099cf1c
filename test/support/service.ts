import { FakeClock } from '../../src/core/clock.js';
import { createSessionService, type SessionService } from '../../src/service.js';
import type { Settings } from '../../src/settings/table.js';
import type { Client } from '../../src/client.js';
import type { ListenedEventName } from '../../generated/types.gen.js';
import { sendEvents, specCheckedClient } from './contract.js';

export { specCheckedClient };

export const silentLogger = { info() {}, warn() {}, error() {} };

export interface RunningService {
  service: SessionService;
  clock: FakeClock;
  client: Client;
  url: string;
  exits: number[];
  /** Sends Kit events through POST /v1/streaming/events, as a streaming app would. */
  send(...events: ListenedEventName[]): Promise<void>;
}

/**
 * A service listening on a free loopback port, with a fake clock, every answer checked
 * against the spec, and quitting recorded instead of exiting.
 */
export async function startService(settings: Partial<Settings> = {}): Promise<RunningService> {
  const clock = new FakeClock();
  const exits: number[] = [];
  const service = createSessionService({
    settings,
    clock,
    logger: silentLogger,
    onExit: (code) => exits.push(code),
  });
  const { url } = await service.listen({ host: '127.0.0.1', port: 0 });
  const client = specCheckedClient(url, settings.accessToken);
  const send = (...events: ListenedEventName[]) => sendEvents(client, ...events);
  running.add(service);
  return { service, clock, client, url, exits, send };
}

const running = new Set<SessionService>();

/** For afterEach: closes every service started by the test. */
export async function stopServices(): Promise<void> {
  await Promise.all([...running].map((s) => s.close()));
  running.clear();
}

export const APP_READY = 'omni.kit.app.GLOBAL_EVENT_APP_READY';
export const NEW_FRAME = 'omni.usd.StageRenderingEventType.NEW_FRAME';
export const SESSION_READY = 'omni.services.livestream.session.ready';
export const CLIENT_CONNECTED = 'omni.kit.livestream.client_connected:immediate';
export const CLIENT_DISCONNECTED = 'omni.kit.livestream.client_disconnected:immediate';

export { SEED_CREDENTIALS } from './fixtures.js';

export interface RawRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  /** Sent as it is, not serialized. */
  body?: string;
  contentType?: string;
}

/** A request with a body of the test's choosing, still through the generated client. */
export async function raw(running: RunningService, request: RawRequest) {
  const { response, data, error } = await running.client.request({
    method: request.method,
    url: request.path,
    body: request.body,
    bodySerializer: null,
    headers: request.contentType === undefined ? {} : { 'Content-Type': request.contentType },
    parseAs: 'json',
  });
  return { status: response.status, headers: response.headers, body: (data ?? error) as Record<string, any> };
}
