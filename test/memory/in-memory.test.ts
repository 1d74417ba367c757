import type { InMemoryBackend } from '../../src/memory/in-memory/backend.js';
import type { Store } from '../../src/memory/store.js';
import { backendConformance } from './conformance.js';

backendConformance({
  name: 'in-memory',
  shared: false,
  url: 'memory:',
  // The in-memory backend's storage is its maps: dump them from the store the suite is checking.
  rawDump: async (store) => ((store as Store).raw as InMemoryBackend).rawDump(),
  cleanup: async () => {},
});
