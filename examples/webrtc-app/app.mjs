#!/usr/bin/env node
// A WebRTC streaming application run by livestream-session, to watch in a browser:
//
//   npx livestream-session -- node examples/webrtc-app/app.mjs
//
// See README.md beside this file for what a real application keeps and what is the demo's.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { iceConfiguration } from 'livestream-session/client';
import { APP_READY, CLIENT_CONNECTED, CLIENT_DISCONNECTED, NEW_FRAME, joinSession } from './session.mjs';
import { startTestPattern } from './source.mjs';
import { answerViewer } from './viewer.mjs';
import { whepListener } from './whep.mjs';

const log = (message) => process.stdout.write(`webrtc-app: ${message}\n`);
const [port] = ports('WEBRTC_APP_PORT', /^(\d+)()$/, '49100');
const portRange = ports('WEBRTC_APP_MEDIA_PORTS', /^(\d+)-(\d+)$/, '47998-48020');

let ice; // the WebRTC configuration from the session's credentials; none until they come
const viewers = new Map();
let source;
let stopping;

const session = await joinSession({
  baseUrl: process.env.LIVESTREAM_SESSION_URL ?? 'http://127.0.0.1:8011',
  log,
  onCredentials(credentials) {
    ice = iceConfiguration(credentials);
    const urls = ice.iceServers.flatMap((s) => [s.urls].flat().map((url) => url.replace(/:.*/, '')));
    log(`credentials received: ${urls.join(', ')} (policy ${ice.iceTransportPolicy ?? 'all'})`);
  },
  onEnded: ({ cause }) => void stop(`session ended (${cause})`),
  onLost: () => void stop('the event stream has ended', 1),
});
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
// Run by the supervisor, this process is handed to another parent if the supervisor dies
// without stopping it: the session is gone with it.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && void stop('the service has gone', 1), 1_000).unref();

const server = createServer(
  whepListener({
    ice: () => (stopping ? undefined : ice),
    async watch(offer) {
      const viewer = await answerViewer({
        offer,
        ice,
        portRange,
        onConnected: (id) => {
          log(`viewer ${id} connected`);
          void session.report(CLIENT_CONNECTED).catch((e) => log(e.message));
        },
        onClosed: (id, reason, wasConnected) => {
          viewers.delete(id);
          log(`viewer ${id} gone: ${reason}`);
          // Once the session has ended, the service is on its way out: nobody to tell.
          if (wasConnected && !stopping) void session.report(CLIENT_DISCONNECTED).catch((e) => log(e.message));
        },
      });
      viewers.set(viewer.id, viewer);
      return viewer;
    },
    async leave(id) {
      const viewer = viewers.get(id);
      viewers.delete(id);
      await viewer?.close('WHEP DELETE');
      return viewer !== undefined;
    },
  }),
);
server.listen(port);
await once(server, 'listening');
log(`viewer page at http://127.0.0.1:${port}/ (media ports ${portRange.join('-')})`);
await session.report(APP_READY);

source = await startTestPattern({ log, onPacket: (packet) => viewers.forEach((v) => v.feed(packet)) });
void source.exited.then(({ code, signal }) => stopping || void stop(`ffmpeg exited (${signal ?? code})`, 1));
await source.firstFrame;
await session.report(NEW_FRAME);

/** Closes every viewer, stops the video and exits: with 0 when asked to, else with `code`. */
function stop(why, code = 0) {
  stopping ??= (async () => {
    log(`${why}: stopping`);
    session.close();
    server.close();
    await Promise.all([...viewers.values()].map((v) => v.close('app stopping')));
    await source?.stop();
    log('stopped');
    process.exit(code);
  })();
  return stopping;
}

/** A port, or a range "min-max", from the environment; a bad value stops start-up with exit code 2. */
function ports(name, pattern, fallback) {
  const text = process.env[name] ?? fallback;
  const match = pattern.exec(text);
  const [min, max] = match ? [Number(match[1]), Number(match[2] || match[1])] : [];
  if (!match || min < 1 || max > 65535 || min > max) {
    process.stderr.write(`webrtc-app: ${name} must look like ${fallback}; got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return [min, max];
}
