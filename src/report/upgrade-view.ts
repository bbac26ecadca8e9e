/**
 * Everything the upgrade page and the status text show, as plain data: the runtime (runtime/upgrade-view.ts)
 * builds it from the store, the flag and the latest report; report/ only reads it. Times are RFC 3339; `now`
 * comes in so the writers read no clock.
 */
import type { Expectation } from '../analysis/expectations.ts';
import type { Report, ReportSeries, Verdict } from '../analysis/types.ts';

export interface UpgradeViewAnalysis {
  id: string;
  createdAt: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  verdict: Verdict | null;
  summary: string | null;
  /** Length of the after window in ms (null when the request had none: the default). */
  afterMs: number | null;
  /** Made by the SLA guard (owner `guard:<id>`). */
  byGuard: boolean;
  error: string | null;
}

export interface UpgradeViewAction {
  id: number;
  createdAt: string;
  kind: 'backoff_constants' | 'kill_switch' | 'enable' | 'revert';
  status: 'dry_run' | 'noop' | 'applied' | 'failed' | 'refused';
  actor: string;
  reason: string;
  message: string;
  flag: string;
  revertedById: number | null;
}

export interface UpgradeViewDecision {
  id: number;
  createdAt: string;
  target: string;
  evaluation: string;
  decision: string;
  step: string | null;
  reason: string;
  verdict: string | null;
}

export interface UpgradeViewStep {
  order: number;
  kind: 'revert' | 'manual';
  actionId: number | null;
  what: string;
  current: string;
  revert: string;
  state: 'ready' | 'blocked' | 'todo' | 'done';
  note?: string;
}

export interface UpgradeView {
  id: string;
  name: string;
  upgradeAt: string;
  services: string[];
  flags: string[];
  source: string;
  version: string | null;
  notes: string;
  status: 'active' | 'rolled_back' | 'retired';
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  expectations: Expectation[];
  /** When the view was built. */
  now: string;
  /**
   * When the regression began, once the baselines issue (11) estimates it; null = unknown, which the page says.
   */
  onset: string | null;
  /** The onset's interval and sentence (from the newest report's leading regression, analysis/onset.ts), when known. */
  onsetDetail?: { interval: [string, string]; description: string; finding: string } | null;
  /** Oldest first: the verdict over time as the after window grows. */
  analyses: UpgradeViewAnalysis[];
  /** The newest finished analysis with its report and chart series. */
  latest: { analysisId: string; createdAt: string; report: Report; series: ReportSeries } | null;
  /** Oldest first. */
  actions: UpgradeViewAction[];
  /** Newest first. */
  decisions: UpgradeViewDecision[];
  plan: { steps: UpgradeViewStep[]; automated: number; manual: number; blocked: string | null; checklist: string };
  /** A flag may be removed once the upgrade has been healthy this long (config upgrades.flagRemovalAfter). */
  flagRemovalAfterMs: number;
  /** Flags Unleash marks stale (their type's expected lifetime is over). */
  staleFlags: string[];
}
