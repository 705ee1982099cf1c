import { request } from 'node:http';
import { decide, skip, type CheckContext } from './context.js';

/** Where NVCF's proxy reaches a Kit streaming app: a WebSocket at this path. */
export const SIGN_IN_PATH = '/sign_in';
/** The UDP ports NVCF routes media to. */
export const MEDIA_PORTS = '47998-48020';

/**
 * Asks for a WebSocket at /sign_in on the streaming port, as NVCF's proxy does: 101 means the
 * streaming app takes viewers there. The media ports are UDP, which has nothing to answer.
 */
export async function lookAtStreamingPort(ctx: CheckContext, baseUrl: string, port: number, timeoutMs: number): Promise<void> {
  const started = ctx.clock.now();
  const url = new URL(SIGN_IN_PATH, baseUrl);
  url.port = String(port);
  const got = await upgrade(url, timeoutMs);
  decide(ctx, started, 'streaming port', got === '101 Switching Protocols', `101 Switching Protocols to a WebSocket upgrade at ${url.href}`, got);
  skip(ctx, 'media ports', `media on UDP ${MEDIA_PORTS}, as NVCF routes it`, 'not looked at: UDP has no answer to wait for; the function definition must open that range');
}

function upgrade(url: URL, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request(url, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'bnZjZi1jaGVjay0xMjM0NQ==' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(`${res.statusCode} ${res.statusMessage}`);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(`${res.statusCode} ${res.statusMessage}: not upgraded`);
    });
    req.on('error', (error) => resolve(`no answer: ${error.message}`));
    req.end();
  });
}
