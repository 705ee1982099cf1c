// The demo's video: ffmpeg encodes a test pattern to VP8 and sends it as RTP to a loopback
// socket of ours. A real application replaces this file with its own encoder output (any
// source of VP8 RTP packets will do); the rest of the app does not change.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { RtpPacket, Vp8RtpPayload } from 'werift';

/**
 * Starts ffmpeg and calls `onPacket(buffer)` with every RTP packet it sends.
 * `firstFrame` resolves once the first whole frame has arrived as RTP (its last packet
 * carries the marker bit); `stop()` ends ffmpeg and resolves when it has exited.
 */
export async function startTestPattern({ onPacket, log }) {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();

  let frameDone;
  const firstFrame = new Promise((resolve) => (frameDone = resolve));
  socket.on('message', (packet) => {
    if (isRtcp(packet)) return; // ffmpeg's sender reports: nothing here needs them
    onPacket(packet);
    if (RtpPacket.deSerialize(packet).header.marker) frameDone();
  });

  // testsrc draws a counter that changes every frame; -g 30 makes a keyframe every second,
  // which is the longest a new viewer waits for its first picture (ffmpeg cannot act on a
  // viewer's keyframe request). rtcpport sends ffmpeg's RTCP to the same socket.
  const ffmpeg = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=30',
    '-an', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '800k', '-g', '30',
    '-f', 'rtp', `rtp://127.0.0.1:${port}?pkt_size=1200&rtcpport=${port}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const relay = (text) => log(`ffmpeg: ${text.trimEnd()}`);
  ffmpeg.stderr.setEncoding('utf8').on('data', relay);
  const exited = new Promise((resolve) => ffmpeg.on('close', (code, signal) => resolve({ code, signal })));
  ffmpeg.on('error', (error) => log(`ffmpeg could not start: ${error.message}`));
  // However this process ends (an uncaught error, a broken stdout), ffmpeg ends with it.
  process.on('exit', () => ffmpeg.exitCode === null && ffmpeg.signalCode === null && ffmpeg.kill('SIGKILL'));

  async function stop() {
    ffmpeg.stderr.off('data', relay); // its complaints about being stopped are no news
    if (ffmpeg.exitCode === null && ffmpeg.signalCode === null) ffmpeg.kill('SIGTERM');
    await exited;
    socket.close();
  }
  return { firstFrame, exited, stop };
}

/** RTCP packet types are 200-204 where RTP has its marker bit and payload type. */
function isRtcp(packet) {
  return packet.length > 1 && packet[1] >= 200 && packet[1] <= 204;
}

/** Whether an RTP packet starts a VP8 keyframe: where a new viewer can start decoding. */
export function startsKeyframe(packet) {
  const vp8 = Vp8RtpPayload.deSerialize(RtpPacket.deSerialize(packet).payload);
  return vp8.payloadHeaderExist && vp8.isKeyframe;
}
