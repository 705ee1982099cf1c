// WHEP signalling (RFC 9725's egress twin): POST an SDP offer to /whep, get the answer and the
// viewer's resource URL; DELETE that URL to leave. Every real application keeps this part.
import { readFileSync } from 'node:fs';

const PAGE = readFileSync(new URL('./index.html', import.meta.url));
const MAX_OFFER_BYTES = 64 * 1024;

/**
 * The app's request listener: the viewer page at `/`, and WHEP at `/whep`.
 * `ice()` is the current WebRTC configuration, or undefined before the session's credentials
 * have come; `watch(offer)` answers an offer with `{ id, answer }`; `leave(id)` ends a viewer
 * and says whether there was one.
 */
export function whepListener({ ice, watch, leave }) {
  return async (req, res) => {
    const { pathname } = new URL(req.url, 'http://app');
    if (req.method === 'GET' && (pathname === '/' || pathname === '/index.html')) {
      return send(res, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, PAGE);
    }
    if (pathname === '/whep' && (req.method === 'POST' || req.method === 'OPTIONS')) {
      const config = ice();
      if (config === undefined) {
        return error(res, 503, 'no STUN/TURN credentials from the session yet: viewers can connect once they have come', { 'retry-after': '1' });
      }
      const headers = iceHeaders(config);
      if (req.method === 'OPTIONS') return send(res, 204, { ...headers, allow: 'OPTIONS, POST' });
      if (!/^application\/sdp\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
        return error(res, 415, 'the offer must be sent as application/sdp');
      }
      const offer = await readBody(req);
      if (offer === undefined) return error(res, 413, `the offer is larger than ${MAX_OFFER_BYTES} bytes`);
      let viewer;
      try {
        viewer = await watch(offer);
      } catch (e) {
        return error(res, 400, `the offer was refused: ${e.message}`);
      }
      return send(res, 201, { ...headers, 'content-type': 'application/sdp', location: `/whep/${viewer.id}` }, viewer.answer);
    }
    const resource = /^\/whep\/([\w-]+)$/.exec(pathname);
    if (resource && req.method === 'DELETE') {
      return (await leave(resource[1])) ? send(res, 200, {}) : error(res, 404, 'no such viewer');
    }
    if (pathname === '/whep' || resource) return error(res, 405, `${req.method} is not allowed here`);
    return error(res, 404, 'not found');
  };
}

/**
 * The ICE servers as WHEP's `Link: <url>; rel="ice-server"` headers, one per URL, so that the
 * viewer uses the same relays as the app. WHEP has no way to say "relay only": this app adds
 * an `ICE-Transport-Policy` header, which its page reads.
 */
function iceHeaders({ iceServers, iceTransportPolicy = 'all' }) {
  const links = iceServers.flatMap(({ urls, username, credential }) =>
    [urls].flat().map((url) => {
      const auth = username === undefined ? '' : `; username=${quoted(username)}; credential=${quoted(credential)}; credential-type="password"`;
      return `<${url}>; rel="ice-server"${auth}`;
    }),
  );
  return { link: links, 'ice-transport-policy': iceTransportPolicy, 'cache-control': 'no-store' };
}

function quoted(value) {
  return `"${String(value).replace(/[\\"]/g, '\\$&')}"`;
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_OFFER_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res, status, headers, body) {
  res.writeHead(status, headers).end(body);
}

function error(res, status, message, headers = {}) {
  send(res, status, { 'content-type': 'application/json', ...headers }, JSON.stringify({ status, message }));
}
