import type { z } from "zod";
import { dokployHealth } from "../../dokploy/health.ts";
import { availability } from "../../stacks/deploy/availability.ts";
import {
  deploymentError,
  doneEventData,
  leftover,
  ownedStack,
  publicStack,
  publicStackStatus,
  stack,
  statusEventData,
  stepEventData,
} from "../../stacks/model/vocabulary.ts";
import { ownerStackDetails } from "../../stacks/operations/details.ts";
import { ownerStackLogs } from "../../stacks/operations/logs.ts";
import { orphanService } from "../../stacks/upkeep/orphan-services.ts";
import { owner } from "../../stacks/owners/person.ts";
import { share } from "../../stacks/owners/shares.ts";
import { stackBackupFile } from "../../stacks/backups/backup-files.ts";
import { reconcileReport } from "../../stacks/upkeep/reconcile.ts";
import { cleanupReport } from "../../stacks/model/deployment-report.ts";
import { deploymentSnapshot, stepSnapshot } from "../../stacks/model/snapshot.ts";
import { stackWithHistory } from "../../stacks/fleet/stack-list.ts";
import { auditEntry } from "../../store/audit.ts";
import { operationSummary } from "../../store/lifecycle.ts";
import { capacityReport } from "../../stacks/fleet/capacity.ts";
import { nodeCapacity } from "../../stacks/fleet/node-capacity.ts";
import { ssoApplyReport } from "../../stacks/sso/stack-sso.ts";
import { rollout, rolloutStack, rolloutView } from "../../stacks/rollout/rollout-model.ts";
import * as bodies from "../responses.ts";

/** The document's named schemas (components/schemas): routes' answers refer to them by name. */
export const NAMED = {
  Error: bodies.errorBody,
  Owner: owner,
  Stack: stack,
  PublicStack: publicStack,
  PublicStackStatus: publicStackStatus,
  OwnedStack: ownedStack,
  DeploymentError: deploymentError,
  Leftover: leftover,
  StepSnapshot: stepSnapshot,
  DeploymentSnapshot: deploymentSnapshot,
  StepEventData: stepEventData,
  StatusEventData: statusEventData,
  DoneEventData: doneEventData,
  CleanupReport: cleanupReport,
  Availability: availability,
  DokployHealth: dokployHealth,
  Health: bodies.healthBody,
  Info: bodies.infoBody,
  DeployAccepted: bodies.deployAccepted,
  DeleteAccepted: bodies.deleteAccepted,
  OperationAccepted: bodies.operationAccepted,
  OperationNothingToDo: bodies.operationNothingToDo,
  OperationSummary: operationSummary,
  StackDetails: ownerStackDetails,
  StackLogs: ownerStackLogs,
  StackAccess: bodies.stackAccessBody,
  DeploymentReport: bodies.deploymentReportBody,
  DeploymentLog: bodies.deploymentLogBody,
  Me: bodies.meBody,
  Logout: bodies.logoutBody,
  Claimed: bodies.claimedBody,
  KeepAwake: bodies.keepAwakeBody,
  ModelKeys: bodies.modelKeysBody,
  OfferedModels: bodies.offeredModelsBody,
  StackBackupFile: stackBackupFile,
  StackBackups: bodies.stackBackupsBody,
  Share: share,
  Shares: bodies.sharesBody,
  ShareAnswer: bodies.shareAnswer,
  StackPage: bodies.stackPage,
  StackWithHistory: stackWithHistory,
  AdminStacks: bodies.adminStacksBody,
  AdminStackChanges: bodies.adminStackChanges,
  AuditEntry: auditEntry,
  AuditPage: bodies.auditPage,
  OrphanService: orphanService,
  ReconcileReport: reconcileReport,
  ReconcileResult: bodies.reconcileResult,
  OpenApiDocument: bodies.openApiDocument,
  Rollout: rollout,
  RolloutStack: rolloutStack,
  RolloutView: rolloutView,
  RolloutStarted: bodies.rolloutStarted,
  RolloutList: bodies.rolloutList,
  RolloutPlan: bodies.rolloutPlan,
  NodeCapacity: nodeCapacity,
  Capacity: capacityReport,
  StackMoved: bodies.stackMoved,
  FleetOverview: bodies.fleetOverview,
  SsoApplyReport: ssoApplyReport,
} satisfies Record<string, z.ZodType>;

export type SchemaName = keyof typeof NAMED;
