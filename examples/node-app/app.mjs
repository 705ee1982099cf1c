#!/usr/bin/env node
// A minimal streaming application in Node, run by the supervisor:
//
//   npm start -- -- node examples/node-app/app.mjs        (in this checkout)
//   npx livestream-session -- node node_modules/livestream-session/examples/node-app/app.mjs
//                                                          (the package, which ships this file)
//
// It talks to the local event API with the client generated from openapi.yaml. Outside
// this repository, `npm install livestream-session` and the import below works as is; inside
// it, Node resolves the package's own name to this checkout (run `npm run build` first).
import { createClient, sendEvent, streamEvents } from 'livestream-session/client';

const baseUrl = process.env.LIVESTREAM_SESSION_URL ?? 'http://127.0.0.1:8011';
const client = createClient({ baseUrl });
const log = (message) => process.stdout.write(`node-app: ${message}\n`);

async function report(event) {
  const { response } = await sendEvent({ client, body: { event } });
  if (response.status !== 202) throw new Error(`${event} was answered ${response.status}`);
  log(`reported ${event}`);
}

let listening;
const streamOpen = new Promise((resolve) => (listening = resolve));

function onEvent({ event, data }) {
  switch (event) {
    case 'omni.services.livestream.session.stun_credentials':
      // Hand these to the WebRTC stack. They are secrets: log only what is not.
      log(`credentials received: stun ${data.stunIp}:${data.stunPort}, TURN ${data.turnDetails ? `${data.turnDetails.uris.length} URIs` : 'none'}`);
      return;
    case 'omni.services.livestream.session.ended':
      log(`session ended (${data.cause}); exiting`);
      process.exit(0);
      return;
    case 'omni.services.livestream.session.idle_warning':
      // With idleTimeoutSeconds: show a countdown; report input (user_input) on each key,
      // click or touch of the viewer, and the session goes on.
      log(`no input: the session ends in ${data.secondsLeft} s`);
      return;
    case 'omni.services.livestream.session.idle_warning_cancelled':
      log('input came: countdown hidden');
      return;
    case 'readiness':
      log(`readiness: ${data.statusMessage}`);
      listening();
      return;
  }
}

process.on('SIGTERM', () => {
  log('SIGTERM: shutting down');
  process.exit(0);
});

// The event stream reconnects by itself and sends Last-Event-ID, so nothing is missed.
const { stream } = await streamEvents({ client, onSseEvent: onEvent });
void (async () => {
  for await (const _ of stream);
})();

// Listen first: the stream opens with the current readiness, and from then on nothing
// dispatched (credentials, the end of the session) can be missed.
await streamOpen;

// Start-up: loading the scene, then the first rendered frame.
await report('omni.kit.app.GLOBAL_EVENT_APP_READY');
await report('omni.usd.StageRenderingEventType.NEW_FRAME');
