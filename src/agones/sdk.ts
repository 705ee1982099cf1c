// The Agones SDK sidecar's REST gateway: the four calls the adapter makes, over Node's fetch.

import type { AgonesView } from '../../generated/types.gen.js';

/** The calls the adapter makes, by the names Agones' conformance test records them under. */
export type AgonesCall = NonNullable<AgonesView['lastCall']>['call'];

export interface AgonesSdk {
  readonly url: string;
  ready(): Promise<void>;
  health(): Promise<void>;
  /** Agones stores it as the label `agones.dev/sdk-<key>` of the GameServer. */
  setLabel(key: string, value: string): Promise<void>;
  shutdown(): Promise<void>;
}

/** The gateway's port when the pod's environment does not name one (Agones' own default). */
export const DEFAULT_SDK_HTTP_PORT = 9358;

/** A call that does not answer in this time counts as failed (the sidecar may still carry it out). */
export const CALL_TIMEOUT_MS = 3000;

/** A call the sidecar did not answer in time: it reached the sidecar, which may still carry it out. */
export class SdkCallTimedOut extends Error {}

/**
 * Whether the pod is an Agones GameServer: the `agones` setting when set, otherwise whether
 * Agones gave the container its SDK ports.
 */
export function agonesWanted(setting: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return setting ?? (env.AGONES_SDK_HTTP_PORT !== undefined || env.AGONES_SDK_GRPC_PORT !== undefined);
}

/** The gateway's base URL; the sidecar listens in the pod, so loopback. */
export function sdkUrl(env: Record<string, string | undefined>): string {
  const port = Number(env.AGONES_SDK_HTTP_PORT);
  const valid = Number.isInteger(port) && port > 0 && port < 65536;
  return `http://127.0.0.1:${valid ? port : DEFAULT_SDK_HTTP_PORT}`;
}

export function createRestSdk(url: string): AgonesSdk {
  const call = async (method: 'POST' | 'PUT', path: string, body: object = {}) => {
    // The gateway answers 400 to a health ping without a body: every call sends one.
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof DOMException && error.name === 'TimeoutError') throw new SdkCallTimedOut(`${method} ${path} not answered within ${CALL_TIMEOUT_MS / 1000} s`);
      throw error;
    }
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  };
  return {
    url,
    ready: () => call('POST', '/ready'),
    health: () => call('POST', '/health'),
    setLabel: (key, value) => call('PUT', '/metadata/label', { key, value }),
    shutdown: () => call('POST', '/shutdown'),
  };
}
