import { describe, expect, it } from 'vitest';
import { InvalidAlertError, normaliseSeverity, parseAlert } from '../../src/workflows/alert.js';

const startsAt = '2025-11-14T14:30:00Z';

describe('parseAlert', () => {
  it('reads an Alertmanager webhook, taking the first firing alert and merging common labels', () => {
    const alert = parseAlert({
      version: '4', status: 'firing', receiver: 'firebreak',
      commonLabels: { service: 'api' }, commonAnnotations: { runbook: 'pool' },
      alerts: [
        { status: 'resolved', labels: { alertname: 'Old', severity: 'warning' }, annotations: {}, startsAt },
        { status: 'firing', labels: { alertname: 'APIErrorRateHigh', severity: 'critical', endpoint: '/api/workflows/execute' },
          annotations: { summary: 'API error rate > 5% for last 5 minutes' }, startsAt, fingerprint: 'abc', generatorURL: 'http://prom/graph' },
      ],
    });
    expect(alert).toMatchObject({
      title: 'API error rate > 5% for last 5 minutes', severity: 'p1', source: 'alertmanager', status: 'firing',
      labels: { service: 'api', alertname: 'APIErrorRateHigh', endpoint: '/api/workflows/execute' },
      annotations: { runbook: 'pool' }, fingerprint: 'abc', startsAt: '2025-11-14T14:30:00.000Z',
    });
  });

  it('recognises a Grafana webhook', () => {
    const alert = parseAlert({
      status: 'firing', title: '[FIRING:1] HighLatency', orgId: 1, state: 'alerting',
      alerts: [{ status: 'firing', labels: { alertname: 'HighLatency', severity: 'warning' }, annotations: {}, startsAt, valueString: '[ var=\'A\' value=2.5 ]' }],
    });
    expect(alert).toMatchObject({ source: 'grafana', severity: 'p2', title: 'HighLatency', value: "[ var='A' value=2.5 ]" });
  });

  it("reads one alert of Prometheus' /api/v1/alerts", () => {
    const alert = parseAlert({ labels: { alertname: 'PoolSaturated', severity: 'p0' }, annotations: {}, state: 'firing', activeAt: startsAt, value: '1e+00' });
    expect(alert).toMatchObject({ source: 'prometheus', severity: 'p0', title: 'PoolSaturated', value: '1e+00' });
  });

  it('reads the minimal shape and leaves severity for the persona when absent', () => {
    expect(parseAlert({ title: 'something odd' })).toMatchObject({ title: 'something odd', severity: undefined, source: 'minimal' });
    expect(parseAlert({ title: 't', severity: 'P2', startsAt })).toMatchObject({ severity: 'p2', startsAt: '2025-11-14T14:30:00.000Z' });
  });

  it('names the bad field', () => {
    expect(() => parseAlert({ status: 'firing', alerts: [{ labels: {}, startsAt: 'yesterday' }] })).toThrow(/alerts\.0\.startsAt: must be an RFC 3339 timestamp/);
    expect(() => parseAlert({ title: 't', severity: 'urgent-ish' })).toThrow(InvalidAlertError);
    expect(() => parseAlert({ title: 't', severity: 'urgent-ish' })).toThrow(/alert\.severity/);
    expect(() => parseAlert(42)).toThrow(/alert/);
  });

  it('maps severity spellings', () => {
    expect(['sev0', 'critical', 'warning', 'info', 'nonsense'].map(normaliseSeverity)).toEqual(['p0', 'p1', 'p2', 'p3', undefined]);
  });
});
