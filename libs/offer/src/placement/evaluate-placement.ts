import { MarshalError, type PodSpec } from '@marshal/contracts';
import { ledgerIndex, type AgentInfo, type Ledger } from '../ledger';
import { renderOutcomes, type Outcome } from '../outcome';
import type { PlacementRule } from './placement-rule';
import { compilePlacement } from './placement.stage';

export interface PlacementCheckInput {
  rule: PlacementRule;
  ledger: Ledger;
  service: string;
  podType: string;
  podIndex: number;
  servicePods: ReadonlyMap<string, PodSpec>;
}

/** One placement rule against one agent, with its outcome lines: for tests, debugging and "why not here?". */
export function evaluatePlacement(input: PlacementCheckInput, agentId: string): { pass: boolean; reasons: string[] } {
  const agent = input.ledger.agents.get(agentId);
  if (!agent) throw new MarshalError('NOT_FOUND', `agent '${agentId}' is not in the ledger`);
  const index = ledgerIndex(input.ledger);
  const compiled = compilePlacement(input.rule, { ...input, index });
  const out: Outcome[] = [];
  const ok = compiled.evaluate(agent, index.agents.get(agentId) as AgentInfo, out);
  return { pass: ok, reasons: renderOutcomes(out) };
}
