// Preloaded into an exporter process by tests (`node --expose-gc --import`), never shipped: on
// SIGUSR2 it collects all garbage and prints what stays live. RSS alone cannot tell a leak from
// V8 sizing its heap to the load (it steps up by tens of MiB at any time); live bytes after a
// full collection can.
process.on('SIGUSR2', () => {
  // Twice, so objects freed by the first collection's finalizers go too.
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, external } = process.memoryUsage();
  // On a line of its own even if the test reads it amid a half-arrived log line on stdout.
  process.stderr.write(`\nHEAP-PROBE ${heapUsed + external}\n`);
});
