import type { IndexedReservation } from '../../ledger';
import { fail, pass } from '../../outcome';
import type { PlacementOperator } from '../placement-operator';
import type { FromConstraint } from '../placement-rule';

/** AVOID: no other pod instance of `taskType` on the agent; COLOCATE: at least one (reference §5.4). */
export type TaskTypeRule = { type: 'TaskTypeRule'; taskType: string; behavior: 'AVOID' | 'COLOCATE' } & FromConstraint;

declare module '../placement-rule' {
  interface PlacementRules {
    TaskTypeRule: TaskTypeRule;
  }
}

/**
 * Task type avoid/colocate (reference §5.4). This pod instance never counts, so a pod colocating with its own type
 * is not stuck when it is the only instance of that type (the original failed it everywhere).
 */
export const taskTypeOperator: PlacementOperator<'TaskTypeRule'> = {
  rules: {
    TaskTypeRule: {
      compile: (rule, p, label) => {
        const source = rule.type;
        const t = p.svc?.types.get(rule.taskType);
        const others = (entries: Iterable<IndexedReservation> | undefined): number => {
          let n = 0;
          for (const e of entries ?? []) if (!p.self.has(e)) n++;
          return n;
        };
        const total = others(t?.entries);
        const avoid = rule.behavior === 'AVOID';
        return {
          evaluate: (agent, _info, out) => {
            if (total === 0) {
              out?.push(pass(source, `${label}No tasks of ${avoid ? 'avoided' : 'colocated'} type '${rule.taskType}' are currently running.`));
              return true;
            }
            const here = others(t?.byAgent.get(agent.agentId)) > 0;
            if (avoid) {
              out?.push(
                here
                  ? fail(source, `${label}Found a task matching avoided type '${rule.taskType}' on this agent.`)
                  : pass(source, `${label}No tasks of avoided type '${rule.taskType}' found on this agent.`),
              );
              return !here;
            }
            out?.push(
              here
                ? pass(source, `${label}Found a task matching colocated type '${rule.taskType}' on this agent.`)
                : fail(source, `${label}Didn't find a task matching colocated type '${rule.taskType}' on this agent.`),
            );
            return here;
          },
        };
      },
      describe: (rule) => `TaskTypeRule{type=${rule.taskType}, converter=TaskTypeLabelConverter{}, behavior=${rule.behavior}}`,
      fields: () => [],
    },
  },
};
