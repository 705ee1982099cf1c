// How every browser test, and the stream benchmark, runs Chromium.

/** Debian's Chromium (scripts/ensure-system-tools.sh installs it); Playwright's own download is never used. */
export const CHROMIUM = '/usr/bin/chromium';

// The network of the machines this runs on is closed: these flags keep Chromium from trying to
// reach the internet (updates, sync, QUIC probes, first-run pages).
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
