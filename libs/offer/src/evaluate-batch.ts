import { MarshalError, type BatchEvaluationResult, type Candidate, type PodSpec } from '@marshal/contracts';
import { evaluate } from './evaluate';
import { toReservation } from './footprint';
import { reserveTentatively, type Ledger } from './ledger';

export interface BatchEvaluationInput {
  candidates: readonly Candidate[];
  /** Pod specs of every configuration the candidates name: `configId` → pods. */
  configs: Readonly<Record<string, readonly PodSpec[]>>;
  ledger: Ledger;
  /** Agent index (registration order, wrapping) every search of the batch starts at. Default 0. */
  startAt?: number;
  /** Most agent outcomes per candidate that fits nowhere. Default 50. */
  maxOutcomes?: number;
  /** Most agent outcomes per placed candidate, the winner first. Default 1. */
  maxOutcomesWithProposal?: number;
}

export const DEFAULT_BATCH_OUTCOMES_WITH_PROPOSAL = 1;

const instanceOf = (c: Candidate): string => `${c.service}\u0000${c.podType}\u0000${c.podIndex}`;

/**
 * Evaluates candidates one after the other against one ledger, as one coordinator cycle would: each proposal is
 * counted as reserved (tentatively) for the candidates after it, so a batch never proposes the same resources,
 * ports or placement slot twice. The ledger is left exactly as it was. Proposals for one agent share that agent's
 * sequence as `agentSeq`: they are meant to be committed together, under one expected-sequence check.
 *
 * A second candidate for a pod instance the batch already placed (two steps of one pod with disjoint tasks) is
 * `deferred`: it must be evaluated again once the first one's reservation is committed. A candidate that cannot be
 * evaluated at all gets an `error` instead of failing the batch.
 */
export function evaluateBatch(input: BatchEvaluationInput): BatchEvaluationResult[] {
  const { ledger } = input;
  const undo: (() => void)[] = [];
  const placed = new Set<string>();
  const podMaps = new Map<string, ReadonlyMap<string, PodSpec> | undefined>();
  const podsOf = (configId: string): ReadonlyMap<string, PodSpec> | undefined => {
    if (!podMaps.has(configId)) {
      const pods = input.configs[configId];
      podMaps.set(configId, pods ? new Map(pods.map((p) => [p.type, p])) : undefined);
    }
    return podMaps.get(configId);
  };
  try {
    return input.candidates.map((candidate): BatchEvaluationResult => {
      const none = { stepId: candidate.stepId, proposal: null, outcomes: [] };
      const key = instanceOf(candidate);
      if (placed.has(key)) return { ...none, deferred: true };
      const pods = podsOf(candidate.configId);
      if (!pods) return { ...none, error: `configuration ${candidate.configId} of ${candidate.service} was not sent with the batch` };
      const pod = pods.get(candidate.podType);
      if (!pod) return { ...none, error: `configuration ${candidate.configId} of ${candidate.service} has no pod type '${candidate.podType}'` };
      let result;
      try {
        result = evaluate({
          candidate,
          pod,
          ledger,
          servicePods: pods,
          ...(input.startAt === undefined ? {} : { startAt: input.startAt }),
          ...(input.maxOutcomes === undefined ? {} : { maxOutcomes: input.maxOutcomes }),
          maxOutcomesWithProposal: input.maxOutcomesWithProposal ?? DEFAULT_BATCH_OUTCOMES_WITH_PROPOSAL,
        });
      } catch (e) {
        if (e instanceof MarshalError) return { ...none, error: e.message };
        throw e;
      }
      const p = result.proposal;
      if (p) {
        placed.add(key);
        undo.push(
          reserveTentatively(ledger, p.agentId, {
            reservationId: p.existingReservationId ?? `proposed:${candidate.stepId}`,
            service: candidate.service,
            podType: candidate.podType,
            podIndex: candidate.podIndex,
            ...toReservation(p, pod),
          }),
        );
      }
      return { stepId: candidate.stepId, proposal: p, outcomes: result.outcomes };
    });
  } finally {
    for (let i = undo.length - 1; i >= 0; i--) undo[i]();
  }
}
