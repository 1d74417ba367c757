// Imported before node:sqlite (by the saga store and the target's entry point): node:sqlite prints an ExperimentalWarning on load in Node 22,
// which would be the first line of every crash message on stderr. Only that one warning is dropped.
const previous = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning' && /SQLite/i.test(warning.message)) return;
  for (const listener of previous) listener(warning);
});

export {};
