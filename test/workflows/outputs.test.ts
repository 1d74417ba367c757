// The backend's answer: a rollback, a wait or "no safe change" needs no placeholder file or test run; a pull
// request must name its files and its tests.
import { describe, expect, it } from 'vitest';
import { toJSONSchema } from 'zod';
import { fixOutput } from '../../src/workflows/outputs.js';

const base = {
  fixDesign: { change: 'No change: the provider is down', rationale: 'statuspage_component_status 4' },
  pullRequest: null,
  risk: 'low',
  rollbackPlan: 'nothing to roll back',
};

describe('fixOutput', () => {
  it('remedy wait or rollback: no files, tests null', () => {
    for (const remedy of ['wait', 'rollback', 'none']) {
      const fix = fixOutput.parse({ ...base, remedy, tests: null });
      expect(fix.fixDesign.files).toEqual([]);
      expect(fix.tests).toBeNull();
    }
  });

  it('remedy pull-request: files and tests are required, each named in the error', () => {
    const r = fixOutput.safeParse({ ...base, remedy: 'pull-request', tests: null, pullRequest: { number: 1, url: 'u', branch: 'hotfix/x' } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'fixDesign.files: remedy pull-request: list the files the fix changes',
      'tests: remedy pull-request: report the tests run on the fix (command, passed, summary)',
    ]);
    const ok = fixOutput.safeParse({
      ...base, remedy: 'pull-request', pullRequest: { number: 1, url: 'u', branch: 'hotfix/x' },
      fixDesign: { ...base.fixDesign, files: ['service.config.json'] }, tests: { command: 'npm test', passed: true, summary: '10 passed' },
    });
    expect(ok.success).toBe(true);
  });

  it('the JSON Schema a model sees explains the optional parts', () => {
    const schema = toJSONSchema(fixOutput, { io: 'input' }) as { properties: Record<string, { description?: string; properties?: Record<string, { description?: string }> }> };
    expect(schema.properties.tests!.description).toMatch(/null when nothing changed/);
    expect(schema.properties.fixDesign!.properties!.files!.description).toMatch(/\[\] when nothing changes/);
  });
});
