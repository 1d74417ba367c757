// Test helpers for firebreak users: import from 'firebreak/testing'.
export {};
