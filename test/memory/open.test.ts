import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MEMORY_URL, MemoryUnavailableError, MemoryUrlError, openJournal, openMemory, parseMemoryUrl,
} from '../../src/memory/index.js';
import { InvalidOptionsError } from '../../src/primitives/index.js';

describe('memory URLs', () => {
  it('parses every backend, with an optional prefix', () => {
    expect(parseMemoryUrl(DEFAULT_MEMORY_URL)).toEqual({ kind: 'sqlite', path: '.firebreak/firebreak.db', prefix: 'firebreak_' });
    expect(parseMemoryUrl('sqlite:///tmp/x.db?prefix=t1_')).toEqual({ kind: 'sqlite', path: '/tmp/x.db', prefix: 't1_' });
    expect(parseMemoryUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:', prefix: 'firebreak_' });
    expect(parseMemoryUrl('memory:')).toEqual({ kind: 'memory' });
    expect(parseMemoryUrl('postgresql://u:p@db:5432/app?sslmode=require&prefix=fb_')).toEqual({
      kind: 'postgres', connectionString: 'postgresql://u:p@db:5432/app?sslmode=require', prefix: 'fb_',
    });
    expect(parseMemoryUrl('redis://127.0.0.1:6379/2')).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379/2', prefix: 'firebreak:' });
  });

  it('explains what is wrong, without echoing a password', () => {
    expect(() => parseMemoryUrl('mongodb://u:hunter2@db/x')).toThrow(MemoryUrlError);
    expect(() => parseMemoryUrl('mongodb://u:hunter2@db/x')).not.toThrow(/hunter2/);
    expect(() => parseMemoryUrl('sqlite:')).toThrow(/missing path/);
    expect(() => parseMemoryUrl('postgres://db/x?prefix=bad-name;drop')).toThrow(/prefix 'bad-name;drop' must match/);
  });

  it('reports an unreachable server as MemoryUnavailableError with the password removed', async () => {
    const err = await openMemory('postgres://admin:hunter2@127.0.0.1:1/test').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryUnavailableError);
    expect((err as Error).message).toMatch(/cannot open postgres memory at 'postgres:\/\/admin:\[REDACTED\]@127\.0\.0\.1:1\/test'/);
    expect((err as Error).message).not.toMatch(/hunter2/);
    await expect(openMemory('redis://127.0.0.1:1')).rejects.toBeInstanceOf(MemoryUnavailableError);
  });

  it('validates options, naming the bad one', async () => {
    await expect(openMemory('memory:', { maxValueBytes: 10 })).rejects.toThrow(InvalidOptionsError);
    await expect(openMemory('memory:', { maxValueBytes: 10 })).rejects.toThrow(/maxValueBytes/);
  });

  it('falls back to FIREBREAK_MEMORY_URL, and openJournal owns its connection', async () => {
    process.env.FIREBREAK_MEMORY_URL = 'memory:';
    try {
      const store = await openMemory();
      expect(store.backend).toBe('memory');
      await store.close();
      const journal = await openJournal();
      expect(journal.backend).toBe('memory');
      await journal.close();
      await expect(journal.status('r')).rejects.toThrow(/memory store is closed/);
    } finally {
      delete process.env.FIREBREAK_MEMORY_URL;
    }
  });
});
