// The link to livestream-session, which runs this app (supervisor mode) and gives it
// LIVESTREAM_SESSION_URL. Every real application keeps this part as it is.
import { createClient, sendEvent, streamEvents } from 'livestream-session/client';

export const APP_READY = 'omni.kit.app.GLOBAL_EVENT_APP_READY';
export const NEW_FRAME = 'omni.usd.StageRenderingEventType.NEW_FRAME';
export const CLIENT_CONNECTED = 'omni.kit.livestream.client_connected:immediate';
export const CLIENT_DISCONNECTED = 'omni.kit.livestream.client_disconnected:immediate';

/**
 * Opens the session's event stream and resolves once it is open, so that nothing dispatched
 * from then on (credentials, the end of the session) can be missed. `report(event)` sends a
 * Kit event to the session, after those reported before it. `onLost()` runs if the stream ends without `close()`: the
 * service has gone.
 */
export async function joinSession({ baseUrl, onCredentials, onEnded, onLost, log }) {
  const client = createClient({ baseUrl });
  let opened;
  const open = new Promise((resolve) => (opened = resolve));
  const controller = new AbortController();

  // The generated client reconnects by itself, with Last-Event-ID: a dropped stream loses nothing.
  const { stream } = await streamEvents({
    client,
    signal: controller.signal,
    onSseEvent: ({ event, data }) => {
      if (event === 'readiness') opened();
      if (event === 'omni.services.livestream.session.stun_credentials') onCredentials(data);
      if (event === 'omni.services.livestream.session.ended') onEnded(data);
    },
  });
  void (async () => {
    try {
      for await (const _ of stream);
    } catch (error) {
      if (!controller.signal.aborted) log(`event stream failed: ${error.message}`);
    }
    if (!controller.signal.aborted) onLost();
  })();
  await open;

  // One at a time, in order: a viewer's disconnect must not overtake its connect.
  let last = Promise.resolve();
  function report(event) {
    const sent = last.then(async () => {
      const { response } = await sendEvent({ client, body: { event } });
      if (response?.status !== 202) throw new Error(`${event} was answered ${response?.status ?? 'by nobody'}`);
      log(`reported ${event}`);
    });
    last = sent.catch(() => undefined);
    return sent;
  }
  return { report, close: () => controller.abort() };
}
