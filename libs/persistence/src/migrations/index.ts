import type { MigrationInterface } from 'typeorm';
import { ReadModels1763800000000 } from './0001-read-models';
import { AuditRefs1763900000000 } from './0002-audit-refs';
import { PlanEngine1764000000000 } from './0003-plan-engine';
import { FinishedServices1764100000000 } from './0004-finished-services';
import { TimeTravelIndex1764200000000 } from './0005-time-travel-index';

/** Every read-model migration in order; each runs once in every generation schema (see schema/generations.ts). */
export const MIGRATIONS: (new () => MigrationInterface)[] = [ReadModels1763800000000, AuditRefs1763900000000, PlanEngine1764000000000, FinishedServices1764100000000, TimeTravelIndex1764200000000];
