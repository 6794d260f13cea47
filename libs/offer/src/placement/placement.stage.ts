import { podInstanceName } from '@marshal/contracts';
import { instanceKey, type IndexedReservation } from '../ledger';
import type { CompiledRule, PlacementContext, Prepared } from './placement-operator';
import { ruleKind } from './placement-operators';
import type { PlacementRule } from './placement-rule';

export type { CompiledRule, PlacementContext } from './placement-operator';

/**
 * Placement rule evaluation against one agent (reference §5.4). Each rule type is compiled by its file in
 * `operators/` (registered in `placement-operators.ts`); this takes what every rule shares once per evaluation: the
 * service's reservations in the ledger and the pod instance being placed, whose own reservations never count.
 */
export function compilePlacement(rule: PlacementRule, ctx: PlacementContext): CompiledRule {
  const svc = ctx.index.services.get(ctx.service);
  const self = svc?.instances.get(instanceKey(ctx.podType, ctx.podIndex)) ?? new Set<IndexedReservation>();
  return compile(rule, { ctx, svc, self, podInstanceName: podInstanceName(ctx.podType, ctx.podIndex) });
}

function compile(rule: PlacementRule, p: Prepared): CompiledRule {
  const label = rule.constraint ? `${rule.constraint}: ` : '';
  return ruleKind(rule).compile(rule, p, label, (child) => compile(child, p));
}
