const before = process.memoryUsage().rss;
await import(process.argv[2]);
console.log(process.argv[2], ((process.memoryUsage().rss - before) / 1048576).toFixed(1), 'MiB');
