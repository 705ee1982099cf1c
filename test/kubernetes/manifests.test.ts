/**
 * The Kubernetes manifests in deploy/kubernetes, checked offline against Kubernetes' own
 * schemas (kubernetes-models: Ajv validators generated from the Kubernetes API's OpenAPI
 * definitions: types, required fields, enums, quantities), and against what makes them run
 * as shipped: a local image the kubelet does not pull, the image's own numeric user, a locked
 * down container, resources, and a stop grace longer than the app's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_SETTINGS } from '../../src/settings/table.js';

const root = new URL('../../', import.meta.url);
const folder = new URL('deploy/kubernetes/', root);
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'batch/v1 Job': Job,
};

type Manifest = { apiVersion: string; kind: string; spec: any };
const manifests = readdirSync(folder)
  .filter((name) => name.endsWith('.yaml'))
  .flatMap((name) => parseAllDocuments(readFileSync(new URL(name, folder), 'utf8')).map((d) => ({ name, manifest: d.toJS() as Manifest })));

/** The schema errors of a manifest, as one message; undefined when it is valid. */
function schemaErrors(manifest: Manifest): string | undefined {
  const Model = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
  if (!Model) return `no schema here for ${manifest.apiVersion} ${manifest.kind}`;
  try {
    new Model(manifest).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const podOf = (manifest: Manifest) => manifest.spec.template.spec;
const dockerUser = /^USER (\d+):(\d+)$/m.exec(readFileSync(new URL('Dockerfile', root), 'utf8'));

describe('the Kubernetes manifests, against the Kubernetes API schemas', () => {
  it('are there: a Deployment of the service alone and a Job per session of the WebRTC example', () => {
    expect(manifests.map(({ name, manifest }) => `${name} ${manifest.kind}`).sort()).toEqual([
      'livestream-session.yaml Deployment',
      'webrtc-app-job.yaml Job',
    ]);
  });

  it.each(manifests.map(({ name, manifest }) => [name, manifest] as const))('%s is valid', (_, manifest) => {
    expect(schemaErrors(manifest)).toBeUndefined();
  });

  it('are refused with a field of the wrong type, a value outside its enum, a malformed quantity or a missing required field', () => {
    const broken = (change: (pod: any) => void) => {
      const copy = structuredClone(manifests[0]!.manifest);
      change(podOf(copy));
      return schemaErrors(copy);
    };
    expect(broken((pod) => (pod.securityContext.runAsUser = '1000'))).toMatch(/runAsUser must be integer/);
    expect(broken((pod) => (pod.containers[0].imagePullPolicy = 'Sometimes'))).toMatch(/imagePullPolicy must be equal to one of the allowed values/);
    expect(broken((pod) => (pod.containers[0].resources.limits.memory = '256 MB'))).toMatch(/memory must match format "quantity"/);
    expect(broken((pod) => delete pod.containers[0].name)).toMatch(/containers\/0 must have required property name/);
    expect(broken((pod) => (pod.containers[0].securityContext.capabilities.drop = 'ALL'))).toMatch(/drop must be array/);
  });
});

describe.each(manifests.map(({ name, manifest }) => [name, manifest] as const))('%s, as shipped', (_, manifest) => {
  const pod = podOf(manifest);
  const container = pod.containers[0];

  it('runs a locally built image that the kubelet never pulls from a registry', () => {
    expect(container.image).toMatch(/^localhost\/livestream-session[\w-]*:\d+\.\d+\.\d+$/);
    expect(container.imagePullPolicy).toBe('Never');
  });

  it("runs as the image's numeric user, non-root, read-only, with no capabilities and no privilege escalation", () => {
    expect(dockerUser).not.toBeNull();
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: Number(dockerUser![1]), runAsGroup: Number(dockerUser![2]) });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('asks for resources and limits its memory', () => {
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.requests.memory).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
  });

  it("gives the pod more time to stop than the app's stop grace and the service's close together", () => {
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(DEFAULT_SETTINGS.appStopGraceSeconds + 5);
  });
});

describe('sessions and restarts', () => {
  const deployment = manifests.find(({ manifest }) => manifest.kind === 'Deployment')!.manifest;
  const job = manifests.find(({ manifest }) => manifest.kind === 'Job')!.manifest;
  const env = (manifest: Manifest, name: string) => podOf(manifest).containers[0].env?.find((e: { name: string }) => e.name === name)?.value;

  it('the Deployment keeps its instance across sessions, since its pod would restart an exited container with back-off', () => {
    expect(env(deployment, 'LIVESTREAM_SESSION_QUIT_ON_SESSION_ENDED')).toBe('false');
  });

  it('the Job runs one session per pod: never restarted, never retried, the service quits when the session ends', () => {
    expect(podOf(job).restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBe(0);
    expect(env(job, 'LIVESTREAM_SESSION_QUIT_ON_SESSION_ENDED')).toBeUndefined(); // the default: true
    expect(DEFAULT_SETTINGS.quitOnSessionEnded).toBe(true);
  });

  it('the Job is sized for the app it supervises, well above the service alone', () => {
    const mib = (quantity: string) => Number(/^(\d+)Mi$/.exec(quantity)![1]);
    const millicores = (quantity: string) => (quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000);
    const [service, app] = [deployment, job].map((m) => podOf(m).containers[0].resources);
    expect(mib(app.limits.memory)).toBeGreaterThanOrEqual(2 * mib(service.limits.memory));
    expect(millicores(app.requests.cpu)).toBeGreaterThanOrEqual(10 * millicores(service.requests.cpu));
  });
});
