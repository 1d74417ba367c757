// The public API of firebreak. Test helpers live in 'firebreak/testing'.
export * from './primitives/index.js';
