// Preloaded into the service by scripts/soak.mjs (node --import): answers a "memory" message
// on the IPC channel with the process's memory after a full garbage collection, so that heap
// growth means retained objects, not garbage not yet collected. It does nothing else.
if (process.send) {
  process.on('message', (message) => {
    if (message !== 'memory') return;
    globalThis.gc?.();
    process.send({ memory: process.memoryUsage() });
  });
  // The channel must not keep the service alive once it closes.
  process.channel?.unref();
}
