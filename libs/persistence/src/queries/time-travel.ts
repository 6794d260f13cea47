import type { DataSource } from 'typeorm';
import { MarshalError } from '@marshal/contracts';
import { PhaseRow, PlanRow, StepRow } from '../entities/read-models';
import { foldInMemory } from '../projection/projector';
import { AuditQueries } from './audit.queries';
import { planJson, type PlanJson } from './read-model.queries';

/** A point in the log: a stream sequence, or a time (the last event at or before it). */
export type PointInTime = { seq: number } | { time: string };

/** Latest time accepted by `?at=` (year 9999): far beyond any event, well inside what PostgreSQL holds. */
const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/** Parses `?at=`: a non-negative integer is a sequence, anything else must be an ISO-8601 time. */
export function parsePointInTime(raw: string): PointInTime {
  const v = raw.trim();
  if (/^\d+$/.test(v)) {
    const seq = Number(v);
    if (!Number.isSafeInteger(seq)) {
      throw new MarshalError('INVALID_ARGUMENT', `at: the sequence ${v.length > 40 ? `${v.slice(0, 40)}…` : v} is larger than any log sequence (at most ${Number.MAX_SAFE_INTEGER})`, [
        { path: 'at', message: 'sequence out of range' },
      ]);
    }
    return { seq };
  }
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) {
    throw new MarshalError('INVALID_ARGUMENT', `at must be a log sequence or an ISO-8601 time (e.g. 2026-11-22T10:00:00Z), got '${raw}'`, [
      { path: 'at', message: 'not a sequence or an ISO-8601 time' },
    ]);
  }
  // Dates outside what PostgreSQL's timestamptz holds (year 294276 and beyond) are refused here, not by the database.
  if (Math.abs(t) > MAX_TIME_MS) throw new MarshalError('INVALID_ARGUMENT', `at: ${raw.slice(0, 40)} is outside the times the log can hold`, [{ path: 'at', message: 'time out of range' }]);
  return { time: new Date(t).toISOString() };
}

export interface PlanAt {
  plan: PlanJson;
  /** The last log sequence the answer includes. */
  seq: number;
}

/**
 * Plans as they stood at a point in the log, computed from the log: the service's events up to that point folded in
 * memory with the projector's own projections (`foldInMemory`), and shown with the same `planJson` as the live read.
 */
export class TimeTravel {
  private readonly audit: AuditQueries;

  constructor(ds: DataSource) {
    this.audit = new AuditQueries(ds);
  }

  async seqOf(at: PointInTime): Promise<number> {
    return 'seq' in at ? at.seq : this.audit.seqAt(at.time);
  }

  async plan(service: string, name: string, at: PointInTime): Promise<PlanAt | undefined> {
    const seq = await this.seqOf(at);
    const state = foldInMemory(await this.audit.serviceHistory(service, seq));
    const plan = state.rows(PlanRow).find((p) => p.service === service && p.name === name);
    if (!plan) return undefined;
    const byPosition = <T extends { position: number }>(a: T, b: T): number => a.position - b.position;
    const phases = state.rows(PhaseRow).filter((p) => p.service === service && p.plan === name).sort(byPosition);
    const steps = state.rows(StepRow).filter((s) => s.service === service && s.plan === name).sort(byPosition);
    return { plan: planJson({ plan, phases, steps }), seq };
  }
}
