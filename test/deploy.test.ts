import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadSpec } from '../src/http/spec.js';
import { DEFAULT_SETTINGS } from '../src/settings/table.js';

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const spec = loadSpec().document as { paths: Record<string, Record<string, unknown>> };
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };

describe('the Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile.split('\n').filter((l) => /^[A-Z]+\s/.test(l));

  it('builds in stages and runs compiled JavaScript as a numeric non-root user (which Kubernetes can check)', () => {
    expect(instructions.filter((l) => l.startsWith('FROM ')).length).toBeGreaterThanOrEqual(2);
    const lastUser = instructions.filter((l) => l.startsWith('USER ')).at(-1);
    expect(lastUser).toMatch(/^USER [1-9]\d*:\d+$/);
    // The command on PATH is the package's bin, which the build makes executable.
    expect(dockerfile).toContain(`ln -s /app/${pkg.bin['livestream-session']} /usr/local/bin/livestream-session`);
    expect(dockerfile).toMatch(/^ENTRYPOINT \[/m); // exec form: signals reach the service
    expect(dockerfile).toContain(`EXPOSE ${DEFAULT_SETTINGS.port}`);
  });

  it('runs the service under tini, which as PID 1 reaps what the application leaves behind', () => {
    expect(dockerfile).toMatch(/apt-get install[^\n]*\btini\b/);
    expect(instructions.find((l) => l.startsWith('ENTRYPOINT '))).toBe('ENTRYPOINT ["tini", "--", "livestream-session"]');
  });

  it('runs on a Node LTS line with years of security fixes ahead (24 until 2028-04-30, 26 until 2029-04-30)', () => {
    expect(dockerfile).toMatch(/^ARG NODE_MAJOR=(24|26)$/m);
    for (const from of instructions.filter((l) => l.startsWith('FROM '))) expect(from).toMatch(/^FROM node:\$\{NODE_MAJOR\}-bookworm-slim\b/);
  });

  it('is run, wherever the docs show a run command, with a stop timeout above appStopGraceSeconds', () => {
    // Docker's and podman's default, 10 s, would SIGKILL the container while the service still
    // waits for the app to stop.
    const files = ['Dockerfile', 'examples/webrtc-app/Dockerfile', 'README.md', 'docs/deploying.md'];
    const runs = files.flatMap((file) => [...read(file).matchAll(/\b(?:docker|podman) run (?:-[^\n`]*|livestream[^\n`]*)/g)].map((m) => `${file}: ${m[0]}`));
    expect(runs.length).toBeGreaterThanOrEqual(4);
    for (const run of runs) expect(Number(/--stop-timeout (\d+)/.exec(run)?.[1]), run).toBeGreaterThan(DEFAULT_SETTINGS.appStopGraceSeconds);
  });

  it('probes start-up on the start-up endpoint', () => {
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*:8011\/v1\/streaming\/startup/);
    expect(spec.paths['/v1/streaming/startup']?.get).toBeDefined();
  });
});

describe('the Kubernetes example', () => {
  const docs = parseAllDocuments(read('deploy/kubernetes/livestream-session.yaml')).map((d) => d.toJS());
  const deployment = docs.find((d) => d.kind === 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  it('runs one instance per pod, on port 8011', () => {
    expect(pod.containers).toHaveLength(1);
    expect(container.ports[0].containerPort).toBe(DEFAULT_SETTINGS.port);
  });

  it('uses /startup for the startup probe and /ready for the readiness probe, both in the spec', () => {
    expect(container.startupProbe.httpGet.path).toBe('/v1/streaming/startup');
    expect(container.readinessProbe.httpGet.path).toBe('/v1/streaming/ready');
    for (const probe of [container.startupProbe, container.readinessProbe]) expect(spec.paths[probe.httpGet.path]?.get).toBeDefined();
    // A liveness probe would restart an instance that is only waiting for its session.
    expect(container.livenessProbe).toBeUndefined();
  });

  it('gives the pod more time to stop than the app stop grace and the service close together', () => {
    const { appStopGraceSeconds } = DEFAULT_SETTINGS;
    const closeSeconds = 5;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(appStopGraceSeconds + closeSeconds);
  });

  it('runs as non-root and reads the access token from a secret, never from the manifest', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const token = container.env.find((e: { name: string }) => e.name === 'LIVESTREAM_SESSION_ACCESS_TOKEN');
    expect(token.value).toBeUndefined();
    expect(token.valueFrom.secretKeyRef).toBeDefined();
  });
});
