// One viewer: a werift peer connection that sends the video, and what its state says about
// the viewer. Every real application keeps this part: the Kit events come from it.
import { randomUUID } from 'node:crypto';
import { MediaStreamTrack, Message, RTCPeerConnection, classes, methods } from 'werift';
import { startsKeyframe } from './source.mjs';

// werift never reports `disconnected` for a closed page, and only fails once ICE consent has
// expired (about 28 s). A viewer sends RTCP receiver reports about every second: five
// seconds without one means it has gone.
const RTCP_SILENCE_MS = 5_000;
// `disconnected` can heal by itself (a brief loss); only one that lasts ends the viewer.
const DISCONNECTED_GRACE_MS = 2_000;
// A viewer that took its answer and never connected (it left, or its offer led nowhere).
const CONNECT_DEADLINE_MS = 30_000;

/**
 * Answers a viewer's SDP offer. `ice` is the WebRTC configuration made from the session's
 * credentials; `onConnected(id)` runs once the peer connection is up, `onClosed(id, reason,
 * wasConnected)` once when the viewer ends, whatever ends it. Resolves with
 * `{ id, answer, feed, close }`: `feed(packet)` takes every RTP packet of the stream.
 * Rejects an offer that asks for no video.
 */
export async function answerViewer({ offer, ice, portRange, onConnected, onClosed }) {
  // werift answers anything, even text that is no SDP at all, with an answer that carries nothing.
  if (!/^m=video /m.test(offer)) throw new Error('the offer has no video section (m=video)');
  const id = randomUUID();
  const pc = new RTCPeerConnection({ ...ice, icePortRange: portRange });
  // Each viewer has its own track: werift rewrites payload type and SSRC in the packets it sends.
  const track = new MediaStreamTrack({ kind: 'video' });
  const { sender } = pc.addTransceiver(track, { direction: 'sendonly' });

  let connected = false;
  let closed = false;
  let keyframeSeen = false;
  let lastRtcp = Date.now();
  let disconnectedTimer;
  sender.onRtcp.subscribe(() => (lastRtcp = Date.now()));
  const watchdog = setInterval(() => {
    if (connected && Date.now() - lastRtcp > RTCP_SILENCE_MS) void close('no RTCP from the viewer');
  }, 1_000);
  const connectDeadline = setTimeout(() => void close('never connected'), CONNECT_DEADLINE_MS);

  pc.connectionStateChange.subscribe((state) => {
    clearTimeout(disconnectedTimer);
    if (state === 'connected' && !connected && !closed) {
      connected = true;
      clearTimeout(connectDeadline);
      lastRtcp = Date.now();
      onConnected(id);
    } else if (state === 'disconnected') {
      disconnectedTimer = setTimeout(() => void close('disconnected'), DISCONNECTED_GRACE_MS);
    } else if (state === 'failed' || state === 'closed') {
      void close(state);
    }
  });

  async function close(reason) {
    if (closed) return;
    closed = true;
    clearInterval(watchdog);
    clearTimeout(disconnectedTimer);
    clearTimeout(connectDeadline);
    onClosed(id, reason, connected);
    await releaseTurnAllocations(pc);
    await pc.close();
  }

  function feed(packet) {
    if (!connected || closed) return;
    // Start at a keyframe: the viewer can decode from its first packet and asks for nothing.
    if (!keyframeSeen && !(keyframeSeen = startsKeyframe(packet))) return;
    track.writeRtp(packet);
  }

  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    // Gathering is over once setLocalDescription resolves: the answer holds every candidate.
    await pc.setLocalDescription(await pc.createAnswer());
  } catch (error) {
    await close('refused offer');
    throw error;
  }
  return { id, answer: pc.localDescription.sdp, feed, close };
}

/**
 * werift does not release its TURN allocation when it closes: the next connection from the
 * same local port would be refused by the TURN server (437 Allocation Mismatch). A Refresh
 * with lifetime 0 releases it (RFC 8656, section 7).
 */
async function releaseTurnAllocations(pc) {
  const turns = pc.iceTransports.flatMap((t) => t.connection.protocols.map((p) => p.turn)).filter((turn) => turn?.integrityKey);
  await Promise.all(
    turns.map((turn) => {
      const refresh = new Message(methods.REFRESH, classes.REQUEST).setAttribute('LIFETIME', 0);
      const answered = turn.request(refresh, turn.server).catch(() => undefined);
      return Promise.race([answered, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    }),
  );
}
