import { fail, pass } from '../../outcome';
import type { PlacementOperator } from '../placement-operator';
import type { FromConstraint } from '../placement-rule';

export type AgentRule = { type: 'AgentRule'; agentId: string } & FromConstraint;

declare module '../placement-rule' {
  interface PlacementRules {
    AgentRule: AgentRule;
  }
}

/** Passes on one agent only. */
export const agentOperator: PlacementOperator<'AgentRule'> = {
  rules: {
    AgentRule: {
      compile: (rule, _p, label) => ({
        evaluate: (agent, _i, out) => {
          const ok = agent.agentId === rule.agentId;
          out?.push(
            ok
              ? pass(rule.type, `${label}Offer matches required Agent ID '${rule.agentId}'`)
              : fail(rule.type, `${label}Offer lacks required Agent ID. Wanted: '${rule.agentId}' Got: '${agent.agentId}'`),
          );
          return ok;
        },
      }),
      describe: (rule) => `AgentRule{agentId=${rule.agentId}}`,
      fields: () => [],
    },
  },
};
