/**
 * The ICE configuration works for real: credentials with `transportPolicy: RELAY` pointing at
 * Debian's coturn on loopback are sent to the service, read back from its event stream as an
 * app reads them, and turned into a configuration by `iceConfiguration()` inside a headless
 * Chromium page (our own source, transpiled as it is, run as a module script of the page). Two peer
 * connections built from it connect through the relay only and pass a data-channel message.
 */
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCredentials } from '../generated/sdk.gen.js';
import type { StreamingCredentials } from '../generated/types.gen.js';
import { STUN_CREDENTIALS_EVENT } from '../src/core/events.js';
import { CHROMIUM_TIMEOUT, launchChromium } from './support/chromium.js';
import { startCoturn, type Coturn } from './support/coturn.js';
import { startService, stopServices, type RunningService } from '../test/support/service.js';
import { EventStreamReader } from '../test/support/sse.js';

const CONNECT_DEADLINE_MS = 30_000;

/** ice-configuration.ts as a browser module: only its type imports go, nothing is bundled. */
async function iceConfigurationModule(): Promise<string> {
  const source = await readFile(new URL('../src/webrtc/ice-configuration.ts', import.meta.url), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  if (/^\s*import\s/m.test(outputText)) throw new Error('ice-configuration.ts imports something a browser page cannot load');
  return outputText;
}

let browser: Browser;
let coturn: Coturn;
let running: RunningService;

beforeAll(async () => {
  [coturn, running, browser] = await Promise.all([startCoturn(), startService(), launchChromium()]);
}, CHROMIUM_TIMEOUT);

afterAll(async () => {
  await Promise.all([browser?.close(), coturn?.stop(), stopServices()]);
}, CHROMIUM_TIMEOUT);

describe('iceConfiguration with a real TURN server', () => {
  it(
    'connects two Chromium peers through coturn only, with transportPolicy RELAY, and passes a message',
    async () => {
      const credentials: StreamingCredentials = {
        stunIp: '127.0.0.1',
        stunPort: coturn.port,
        username: 'unused',
        password: 'unused',
        turnDetails: {
          username: coturn.username,
          password: coturn.password,
          uris: [`turn:127.0.0.1:${coturn.port}?transport=tcp`, `turn:127.0.0.1:${coturn.port}?transport=udp`],
          relayProtocol: 'UDP',
          transportPolicy: 'RELAY',
        },
      };
      const stream = await EventStreamReader.open(running.client);
      const { response } = await setCredentials({ client: running.client, body: credentials });
      expect(response.status).toBe(200);
      const payload = (await stream.next(STUN_CREDENTIALS_EVENT)) as StreamingCredentials;
      stream.close();

      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${running.url}/v1/streaming/startup`);
      await page.addScriptTag({ type: 'module', content: `${await iceConfigurationModule()}\nglobalThis.iceConfiguration = iceConfiguration;` });
      await page.waitForFunction(() => 'iceConfiguration' in globalThis);
      const result = await page.evaluate(
        async ({ payload, deadline }) => {
          const { iceConfiguration } = globalThis as unknown as { iceConfiguration: (c: StreamingCredentials) => RTCConfiguration };
          const configuration = iceConfiguration(payload);
          const a = new RTCPeerConnection(configuration);
          const b = new RTCPeerConnection(configuration);
          const gathered: string[] = [];
          a.onicecandidate = (e) => e.candidate && (gathered.push(e.candidate.type ?? '?'), b.addIceCandidate(e.candidate));
          b.onicecandidate = (e) => e.candidate && (gathered.push(e.candidate.type ?? '?'), a.addIceCandidate(e.candidate));
          const channel = a.createDataChannel('relay-test');
          const received = new Promise<string>((resolve) => {
            b.ondatachannel = (e) => (e.channel.onmessage = (m) => resolve(String(m.data)));
          });
          const opened = new Promise((resolve) => (channel.onopen = resolve));
          await a.setLocalDescription();
          await b.setRemoteDescription(a.localDescription!);
          await b.setLocalDescription();
          await a.setRemoteDescription(b.localDescription!);
          const timeout = new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`no connection within ${deadline} ms: ICE ${a.iceConnectionState}, gathered ${gathered.join(',') || 'nothing'}`)), deadline),
          );
          await Promise.race([opened, timeout]);
          channel.send('hello through the relay');
          const message = await Promise.race([received, timeout]);
          const stats: Array<Record<string, any>> = [];
          (await a.getStats()).forEach((s) => stats.push(s));
          const transport = stats.find((s) => s.type === 'transport');
          const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
          const local = stats.find((s) => s.id === pair?.localCandidateId);
          const remote = stats.find((s) => s.id === pair?.remoteCandidateId);
          a.close();
          b.close();
          return { configuration, message, gathered, pair: { state: pair?.state, local: local?.candidateType, remote: remote?.candidateType, relayProtocol: local?.relayProtocol } };
        },
        { payload, deadline: CONNECT_DEADLINE_MS },
      );
      console.log(`relay test: ${JSON.stringify({ ...result.pair, gathered: result.gathered })}`);

      expect(errors).toEqual([]);
      expect(result.configuration.iceTransportPolicy).toBe('relay');
      expect(result.message).toBe('hello through the relay');
      expect(result.pair).toMatchObject({ state: 'succeeded', local: 'relay', remote: 'relay' });
      expect(new Set(result.gathered)).toEqual(new Set(['relay']));
      await page.close();
    },
    CHROMIUM_TIMEOUT + CONNECT_DEADLINE_MS,
  );
});
