// The Agones SDK sidecar's REST gateway: the calls the adapter makes, over Node's fetch.

import type { AgonesView } from '../../generated/types.gen.js';

/** The calls the adapter makes, by the names Agones' conformance test records them under. */
export type AgonesCall = NonNullable<AgonesView['lastCall']>['call'];

export interface AgonesSdk {
  readonly url: string;
  ready(): Promise<void>;
  allocate(): Promise<void>;
  health(): Promise<void>;
  /** Agones stores it as the label `agones.dev/sdk-<key>` of the GameServer. */
  setLabel(key: string, value: string): Promise<void>;
  shutdown(): Promise<void>;
  /** The Counters and Lists the GameServer declares (Counters and Lists, Beta). */
  gameServer(): Promise<Declared>;
  updateCounter(name: string, countDiff: number): Promise<void>;
  addListValue(name: string, value: string): Promise<void>;
  removeListValue(name: string, value: string): Promise<void>;
}

/** What the GameServer declares, as `GET /gameserver` shows it: counts by Counter, values by List. */
export interface Declared {
  readonly counters: Readonly<Record<string, number>>;
  readonly lists: Readonly<Record<string, readonly string[]>>;
}

/** Why the sidecar refused a Counter or List change, from its answer ("out of range. No available capacity…"). */
export type Refusal = 'not found' | 'already exists' | 'out of range';

/** The gateway's port when the pod's environment does not name one (Agones' own default). */
export const DEFAULT_SDK_HTTP_PORT = 9358;

/** A call that does not answer in this time counts as failed (the sidecar may still carry it out). */
export const CALL_TIMEOUT_MS = 3000;

/** A call the sidecar did not answer in time: it reached the sidecar, which may still carry it out. */
export class SdkCallTimedOut extends Error {}

/** A call the sidecar answered with an error status; `refusal` when its message says why in a way the adapter acts on. */
export class SdkCallRefused extends Error {
  constructor(
    message: string,
    readonly refusal: Refusal | undefined,
  ) {
    super(message);
  }
}

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
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body: object = {}): Promise<string> => {
    // The gateway answers 400 to a health ping without a body: every call but a read sends one.
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${url}${path}`, {
        method,
        ...(method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof DOMException && error.name === 'TimeoutError') throw new SdkCallTimedOut(`${method} ${path} not answered within ${CALL_TIMEOUT_MS / 1000} s`);
      throw error;
    }
    if (!response.ok) throw new SdkCallRefused(`${method} ${path} answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`, refusalOf(text));
    return text;
  };
  const done = () => undefined;
  const counter = (name: string) => `/v1beta1/counters/${encodeURIComponent(name)}`;
  const list = (name: string, verb: string) => `/v1beta1/lists/${encodeURIComponent(name)}:${verb}`;
  return {
    url,
    ready: () => call('POST', '/ready').then(done),
    allocate: () => call('POST', '/allocate').then(done),
    health: () => call('POST', '/health').then(done),
    setLabel: (key, value) => call('PUT', '/metadata/label', { key, value }).then(done),
    shutdown: () => call('POST', '/shutdown').then(done),
    gameServer: () => call('GET', '/gameserver').then(declaredBy),
    updateCounter: (name, countDiff) => call('PATCH', counter(name), { countDiff }).then(done),
    addListValue: (name, value) => call('POST', list(name, 'addValue'), { value }).then(done),
    removeListValue: (name, value) => call('POST', list(name, 'removeValue'), { value }).then(done),
  };
}

/** The gateway's error body is `{"code": 2, "message": "out of range. …"}`: the message's first words say why. */
function refusalOf(text: string): Refusal | undefined {
  let message: unknown;
  try {
    message = (JSON.parse(text) as { message?: unknown }).message;
  } catch {
    return undefined;
  }
  if (typeof message !== 'string') return undefined;
  return (['not found', 'already exists', 'out of range'] as const).find((refusal) => message.startsWith(`${refusal}.`));
}

/** The Counters' counts and the Lists' values in a GameServer as the gateway shows it (int64 as strings); a GameServer it cannot read is an error. */
export function declaredBy(text: string): Declared {
  const status = (JSON.parse(text) as { status?: { counters?: unknown; lists?: unknown } }).status;
  if (typeof status !== 'object' || status === null) throw new Error('GET /gameserver answered without a status');
  const counters: Record<string, number> = {};
  for (const [name, counter] of Object.entries(objectOr(status.counters))) {
    const count = Number((counter as { count?: unknown } | null)?.count ?? 0);
    if (Number.isSafeInteger(count)) counters[name] = count;
  }
  const lists: Record<string, string[]> = {};
  for (const [name, list] of Object.entries(objectOr(status.lists))) {
    const values = (list as { values?: unknown } | null)?.values ?? [];
    if (Array.isArray(values)) lists[name] = values.filter((v): v is string => typeof v === 'string');
  }
  return { counters, lists };
}

const objectOr = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
