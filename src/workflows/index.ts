export { parseAlert, normaliseSeverity, InvalidAlertError, SEVERITIES, type Alert, type Severity } from './alert.js';
export { ApprovalBroker, type ApprovalPolicy, type ApprovalRequest, type ApprovalDecision, type Approver, type ApprovalBrokerOptions } from './approval-broker.js';
export { gateTools, isRisky, DEFAULT_RISKY, DEFAULT_HUMAN_ONLY, type ApprovalGateOptions } from './approval-gate.js';
export {
  buildChangeReport, rolloutChanges, versionChanges, configDiff, describeConfigChanges, describeRelease, sameRelease,
  type ChangeReport, type ChangeEvent, type ConfigChange, type ReleaseRef, type RolloutRecord, type VersionSeries, type CommitRef,
} from './changes.js';
export { findKnownGood } from './known-good.js';
export { situationStage, withSituation, gatherChanges, sloStatus, fitWindow, changesSchema, type ChangesOptions, type ChangesSettings } from './stage-situation.js';
export { guardFixes, fileChanges, covers, type FixGuardOptions } from './fix-guard.js';
export { guardActions, type ActionScope } from './action-guard.js';
export { budgetTools, incidentBudgetSchema, IncidentBudgetError, type IncidentBudget, type IncidentBudgetOptions } from './budget.js';
export type { IncidentRecord, IncidentService, IncidentStatus, IncidentSummary, IncidentUsage, RespondOptions, TimelineEntry, IncidentOwner, IncidentAlertState } from './incident.js';
export { parseWebhook, webhookAlert, type AlertWebhook } from './alert.js';
export { parseAlertBatch, labelFingerprint, payloadOf, type AlertBatch, type BatchAlert, type AlertSourceKind } from './alert-batch.js';
export { AlertBindings, fingerprintNamespace, BINDINGS_NS, type BindResult } from './alert-bindings.js';
export { appendAlertLog, readAlertLog, withAlertLog, alertLogNamespace, type AlertNotification } from './alert-log.js';
export { AlertIntake, type AlertIntakeOptions, type IntakeResult } from './alert-intake.js';
export { INCIDENT_WORKFLOW, INCIDENT_QUEUE, DEFAULT_LOCAL_CONCURRENCY, incidentPriority, type IncidentRunnerOptions } from './incident-runner.js';
export { buildIncidentContext, investigationWindow, InvalidRepositoryError, type IncidentContext, type RepositoryRef, type ServiceSettings } from './incident-context.js';
export { incidentResponse, conclude, type IncidentInput, type IncidentWorkflowOptions } from './incident-response.js';
export type { IncidentState, IncidentOutcome, OutcomeKind, NotificationRecord } from './state.js';
export { workflowPersonas, PERSONA_NAMES, WORKFLOW_FIXED_CONTEXT, type WorkflowPersonas, type PersonaOverride, type PersonaName } from './personas.js';
export {
  assessmentOutput, fixOutput, devopsActionOutput, rootCauseSchema, effectCheckSchema, REMEDIES, type Remedy,
  type Assessment, type Fix, type DevopsActionResult, type DevopsStageReport, type RootCause, type VerificationResult, type CheckResult,
} from './outputs.js';
export { verifySlos, defaultChecks, VerificationFailedError, verificationSchema, sloCheckSchema, type SloCheck, type SloStatus, type VerificationOptions } from './verify.js';
export { notifierFromConfig, toolTarget, webhookTarget, notifierConfig, type Notifier, type NotifyTarget, type Notification, type NotifyResult, type NotifierConfig } from './notifier.js';
export { recordActions, actionOf } from './actions.js';
export { detectStage, fixStage, evidenceMarkdown } from './stage-investigate.js';
export { deployStage, type DeployStageOptions } from './stage-deploy.js';
export { escalateStage, ticketStage, type TicketOptions } from './stage-notify.js';
export { isMilestone, formatEntry, statusLine } from './progress.js';
export { IncidentRecorder } from './recorder.js';
export { renderPostmortem } from './postmortem.js';
export { createIncidentService, newIncidentId, type IncidentServiceOptions, type IncidentServiceHandle, type IncidentHooks } from './service.js';
export { compileRunbook, runbookSchema, RunbookReferenceError, type Runbook, type RunbookInput } from './runbook.js';
export { loadPlaybooks, loadPlaybookFile, playbookModels, playbooksDir, PlaybookFileError } from './playbooks.js';
export { resolveModels, ModelSpecError, DEFAULT_ANTHROPIC_MODEL, type ModelSpec, type ResolvedModels } from './models.js';
export { NoFixToDeployError, ActionFailedError, ActionRefusedError, NoRemedyError, RepositoryUnknownError, NoDiagnosisError } from './errors.js';
