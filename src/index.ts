// The public API of firebreak. Test helpers live in 'firebreak/testing'.
export * from './primitives/index.js';
export * from './models/index.js';
export * from './personas/index.js';
