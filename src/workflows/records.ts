import { randomBytes } from 'node:crypto';
import type { ChatModel } from '../models/types.js';
import type { Alert } from './alert.js';
import type { ApprovalPolicy } from './approval-broker.js';
import type { IncidentRecord } from './incident.js';

/** `inc-YYYYMMDD-HHMMSS-xxxx`: sortable, unique enough, safe in paths, memory namespaces and branch names. */
export function newIncidentId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `inc-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** A fresh record for an incident that is starting. */
export function newRecord(id: string, alert: Alert, model: string, policy: ApprovalPolicy): IncidentRecord {
  return {
    id, title: alert.title, severity: alert.severity, status: 'running', alert, model, approvalPolicy: policy,
    startedAt: new Date().toISOString(), timeline: [], outputs: {}, approvals: [], actions: [],
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, toolCalls: 0, turns: 0 },
  };
}

/** What a record calls its model: the observability persona's model's label (or id). */
export function modelLabelOf(model: ChatModel | ((persona: string) => ChatModel | undefined)): string {
  const m = typeof model === 'function' ? model('observability') : model;
  return m ? (m.label ?? m.id) : 'unknown';
}
