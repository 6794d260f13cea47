import { fail, pass } from '../../outcome';
import type { PlacementOperator } from '../placement-operator';
import type { FromConstraint } from '../placement-rule';

/** Passes when the agent has no region, the local region is unknown, or the agent is in it. */
export type IsLocalRegionRule = { type: 'IsLocalRegionRule'; localRegion?: string } & FromConstraint;

declare module '../placement-rule' {
  interface PlacementRules {
    IsLocalRegionRule: IsLocalRegionRule;
  }
}

export const isLocalRegionOperator: PlacementOperator<'IsLocalRegionRule'> = {
  rules: {
    IsLocalRegionRule: {
      compile: (rule, _p, label) => {
        const source = rule.type;
        return {
          evaluate: (agent, _i, out) => {
            if (agent.region === undefined) {
              out?.push(pass(source, `${label}The Offer has no Region, so it is in the local region.`));
              return true;
            }
            if (rule.localRegion === undefined) {
              out?.push(pass(source, `${label}The local region is not known, so all agents are presumed to be in the local region.`));
              return true;
            }
            const ok = agent.region === rule.localRegion;
            out?.push(
              ok
                ? pass(source, `${label}The offer is in the local region: '${rule.localRegion}'`)
                : fail(source, `${label}The offer is in region: '${agent.region}' NOT the local region: '${rule.localRegion}'`),
            );
            return ok;
          },
        };
      },
      describe: () => 'IsLocalRegionRule',
      fields: () => ['REGION'],
    },
  },
};
