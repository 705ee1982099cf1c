export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * A caller on this machine: over loopback, or from the very address it connected to (an
 * application beside the service when the service listens on one outside address only).
 */
export function isLocalCaller(socket: { remoteAddress?: string; localAddress?: string }): boolean {
  return isLoopback(socket.remoteAddress) || (socket.remoteAddress !== undefined && socket.remoteAddress === socket.localAddress);
}
