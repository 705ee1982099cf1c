// npm run demo: a real streaming session on this machine, to watch in a browser. It starts a
// TURN relay (Debian's coturn), then the service with examples/webrtc-app under its supervisor,
// and plays the cloud's part as NVCF would: polls readiness, sends credentials, and on Ctrl-C
// ends the session. Needs ffmpeg and coturn (scripts/ensure-system-tools.sh).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkReady, createClient, endSession, setCredentials } from 'livestream-session/client';
import { startCoturn } from './coturn.mjs';

const servicePort = Number(process.env.LIVESTREAM_SESSION_PORT ?? 8011);
const appPort = Number(process.env.WEBRTC_APP_PORT ?? 49100);
const say = (message) => process.stdout.write(`demo: ${message}\n`);
const path = (relative) => fileURLToPath(new URL(relative, import.meta.url));

const relay = await startCoturn();
say(`TURN relay (coturn) on 127.0.0.1:${relay.port}`);

// Its own process group: Ctrl-C reaches this script only, which ends the session as NVCF does.
const service = spawn(
  process.execPath,
  [path('../dist/src/main.js'), `--/exts/omni.services.transport.server.http/port=${servicePort}`, '--', process.execPath, path('../examples/webrtc-app/app.mjs')],
  { stdio: 'inherit', detached: true, env: { ...process.env, WEBRTC_APP_PORT: String(appPort) } },
);
// Should this script fail, the service (and the app it runs) ends with it.
process.on('exit', () => service.exitCode === null && service.signalCode === null && process.kill(-service.pid, 'SIGTERM'));
const exited = new Promise((resolve) => service.on('exit', (code, signal) => resolve(code ?? 128)));
void exited.then(async (code) => {
  await relay.stop();
  say(`the service exited (${code})`);
  process.exit(code);
});

const client = createClient({ baseUrl: `http://127.0.0.1:${servicePort}` });
for (;;) {
  const ready = await checkReady({ client }).catch(() => undefined);
  if (ready?.response?.status === 200) break;
  await new Promise((resolve) => setTimeout(resolve, 250));
}
await setCredentials({ client, body: relay.credentials() });

// Listening for Ctrl-C before saying so: a Ctrl-C right after the line still ends the session.
process.once('SIGINT', async () => {
  say('ending the session (POST /v1/streaming/endsession, gracefulShutdown: true)');
  const { data } = await endSession({ client, body: { sessionId: 'demo', gracefulShutdown: true } });
  say(`endsession answered ${data?.sessionStatus}`);
});
say(`the session is ready: open http://127.0.0.1:${appPort}/ to watch; Ctrl-C ends the session`);
