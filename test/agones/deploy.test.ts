import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_SETTINGS } from '../../src/settings/table.js';

// Agones' own CRD schemas (v1.49.0), beside the checkout; the manifests are checked offline.
const CRDS = new URL('../../../shared/agones/crds.yaml', import.meta.url);
const HAVE_CRDS = existsSync(CRDS);
if (!HAVE_CRDS) console.log(`Agones manifest schema tests skipped: ${CRDS.pathname} is absent on this machine`);

type Schema = Record<string, unknown>;
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec: any };

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const manifest = (path: string) => parseAllDocuments(read(path)).map((d) => d.toJS() as Manifest)[0]!;

/**
 * A CRD's structural OpenAPI schema as JSON Schema for Ajv: Kubernetes' extensions dropped
 * (int-or-string is already spelled out as anyOf), OpenAPI 3.0's boolean exclusiveMinimum
 * made a number, formats Kubernetes alone knows left out, and unknown fields refused where
 * the API server would silently drop them (as `kubectl apply --validate=strict` refuses them).
 */
function jsonSchema(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-') || key === 'format') continue;
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([name, s]) => [name, jsonSchema(s)]));
    else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) out[key] = jsonSchema(value as Schema);
    else if (key === 'anyOf' || key === 'allOf' || key === 'oneOf') out[key] = (value as Schema[]).map(jsonSchema);
    else out[key] = value;
  }
  if (schema.exclusiveMinimum === true) {
    out.exclusiveMinimum = schema.minimum;
    delete out.minimum;
  }
  if (schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

function validators(): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const byKind = new Map<string, ValidateFunction>();
  for (const doc of parseAllDocuments(readFileSync(CRDS, 'utf8'))) {
    const crd = doc.toJS() as { spec: { group: string; names: { kind: string }; versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> } };
    for (const version of crd.spec.versions) {
      const { properties } = version.schema.openAPIV3Schema as { properties: { spec: Schema } };
      byKind.set(`${crd.spec.group}/${version.name} ${crd.spec.names.kind}`, ajv.compile(jsonSchema(properties.spec)));
    }
  }
  return byKind;
}

describe.skipIf(!HAVE_CRDS)('the Agones manifests, against the CRD schemas', () => {
  const byKind = validators();
  /** The schema errors of a manifest, as `path message` lines; empty when it is valid. */
  const errors = (m: Manifest) => {
    const validate = byKind.get(`${m.apiVersion} ${m.kind}`);
    if (!validate) return [`no CRD for ${m.apiVersion} ${m.kind}`];
    const extra = Object.keys(m).filter((k) => !['apiVersion', 'kind', 'metadata', 'spec'].includes(k));
    const name = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(m.metadata.name) ? [] : [`metadata.name ${m.metadata.name} is not a DNS label`];
    return [...extra.map((k) => `unknown top-level field ${k}`), ...name, ...(validate(m.spec) ? [] : validate.errors!.map((e) => `spec${e.instancePath} ${e.message}`))];
  };
  const fleet = manifest('deploy/agones/fleet.yaml');
  const autoscaler = manifest('deploy/agones/fleetautoscaler.yaml');

  it('the Fleet is valid', () => {
    expect(errors(fleet)).toEqual([]);
  });

  it('the FleetAutoscaler is valid', () => {
    expect(errors(autoscaler)).toEqual([]);
  });

  it('a misspelt field, a wrong type or a wrong value is caught', () => {
    const typo = structuredClone(fleet);
    typo.spec.template.spec.health.periodSecond = 5;
    expect(errors(typo).join('\n')).toMatch(/must NOT have additional properties/);
    const wrongType = structuredClone(fleet);
    wrongType.spec.template.spec.ports[0].containerPort = '49100';
    expect(errors(wrongType).join('\n')).toMatch(/containerPort must be integer/);
    const badPolicy = structuredClone(autoscaler);
    badPolicy.spec.policy.type = 'Bufer';
    expect(errors(badPolicy).join('\n')).toMatch(/must be equal to one of the allowed values/);
    const deepTypo = structuredClone(fleet);
    deepTypo.spec.template.spec.template.spec.containers[0].readinesProbe = {};
    expect(errors(deepTypo)).not.toEqual([]);
    const noKey = structuredClone(autoscaler);
    delete noKey.spec.policy.counter.key;
    expect(errors(noKey).join('\n')).toMatch(/must have required property 'key'/);
    const tooLong = structuredClone(fleet);
    tooLong.spec.template.spec.lists.clients.capacity = 1001;
    expect(errors(tooLong).join('\n')).toMatch(/capacity must be <= 1000/);
  });
});

describe('the Agones fleet', () => {
  const fleet = manifest('deploy/agones/fleet.yaml');
  const autoscaler = manifest('deploy/agones/fleetautoscaler.yaml');
  const gameServer = fleet.spec.template.spec;
  const pod = gameServer.template.spec;
  const container = pod.containers.find((c: { name: string }) => c.name === gameServer.container);

  it('runs the service as entrypoint, supervising the app, in the container Agones drives', () => {
    expect(container).toBeDefined();
    expect(container.command).toBeUndefined(); // the image's entrypoint: livestream-session
    expect(container.args[0]).toBe('--');
    expect(container.ports.map((p: { containerPort: number }) => p.containerPort)).toContain(DEFAULT_SETTINGS.port);
  });

  it('pings health faster than the GameServer health period', () => {
    const env = Object.fromEntries(container.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    const period = Number(env.LIVESTREAM_SESSION_AGONES_HEALTH_PERIOD_SECONDS ?? DEFAULT_SETTINGS.agonesHealthPeriodSeconds);
    expect(period).toBeLessThan(gameServer.health.periodSeconds);
    expect(gameServer.health.disabled ?? false).toBe(false);
  });

  it('opens a signalling port and a media port', () => {
    expect(gameServer.ports).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'signalling', protocol: 'TCP' }), expect.objectContaining({ name: 'media', protocol: 'UDP' })]),
    );
  });

  it('gives the app time to stop before Kubernetes kills the pod', () => {
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(DEFAULT_SETTINGS.appStopGraceSeconds + 5);
  });

  it('declares the Counter and List the service keeps by default: one session a server, some clients', () => {
    expect(gameServer.counters[DEFAULT_SETTINGS.agonesSessionsCounter]).toEqual({ count: 0, capacity: 1 });
    expect(gameServer.lists[DEFAULT_SETTINGS.agonesClientsList].capacity).toBeGreaterThanOrEqual(1);
    const env = container.env.map((e: { name: string }) => e.name);
    expect(env).not.toContain('LIVESTREAM_SESSION_AGONES_SESSIONS_COUNTER');
    expect(env).not.toContain('LIVESTREAM_SESSION_AGONES_CLIENTS_LIST');
  });

  it('is kept with room for sessions by its autoscaler, counted by the sessions Counter', () => {
    expect(autoscaler.spec.fleetName).toBe(fleet.metadata.name);
    expect(autoscaler.spec.policy.type).toBe('Counter');
    const { key, bufferSize, minCapacity, maxCapacity } = autoscaler.spec.policy.counter;
    expect(key).toBe(DEFAULT_SETTINGS.agonesSessionsCounter);
    expect(Number(bufferSize)).toBeGreaterThanOrEqual(1);
    expect(minCapacity).toBeGreaterThanOrEqual(Number(bufferSize));
    expect(maxCapacity).toBeGreaterThan(minCapacity);
  });
});
