import type { MarshalEvent, Recorded } from '@marshal/contracts';
import type { DecisionContext, RejectionCode } from './decision';
import type { ServiceCommand } from './service.commands';
import { decide } from './service.decider';
import { evolveService, initialServiceState, type ServiceState } from './service-state';
import { SERVICE, subjects } from './testing';

/** An event as a test names it: its type and data (ids, times and causation come from the context). */
export interface ExpectedEvent {
  type: MarshalEvent['type'];
  data: unknown;
}

const named = (e: MarshalEvent): ExpectedEvent => ({ type: e.type, data: e.data });

/**
 * Given/when/then over the service aggregate (Emmett's `DeciderSpecification`, STYLE.md "Deciders"): `given` folds a
 * history with `evolveService`, `when` decides one command, `then` compares the events it would append — task facts
 * first, then plan events, as plan-manager commits them — and `thenRejects` the code and message of a rejection.
 */
export function deciderSpecification(ctx: () => DecisionContext, service = SERVICE) {
  return {
    given(history: readonly Recorded<MarshalEvent>[]) {
      const state: ServiceState = history.reduce((s, rec) => evolveService(s, rec, subjects), initialServiceState(service));
      return {
        when(command: ServiceCommand) {
          const result = decide(state, command, ctx());
          return {
            then(expected: ExpectedEvent[]): void {
              if (!result.ok) throw new Error(`expected ${command.type} to be accepted, it was rejected: ${result.code} ${result.message}`);
              expect([...result.decision.tasks.map((t) => named(t.event)), ...result.decision.plan.map(named)]).toEqual(expected);
            },
            thenRejects(code: RejectionCode, message?: string): void {
              expect(result.ok ? 'accepted' : result.code).toBe(code);
              if (message !== undefined && !result.ok) expect(result.message).toBe(message);
            },
          };
        },
      };
    },
  };
}
