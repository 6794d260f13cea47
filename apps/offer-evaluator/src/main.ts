import 'reflect-metadata';
import { startService } from '@marshal/runtime';
import { EvaluatorConfig } from './config';
import { EvaluatorModule } from './evaluator.module';
import { LedgerService } from './ledger.service';

void startService({
  definition: EvaluatorConfig,
  module: EvaluatorModule,
  // Every instance answers from the same queue group, so one or ten evaluators only change the speed.
  queue: 'offer-evaluator',
  sources: (ctx) => [{ kind: 'ordered', filter: ctx.subjects.allAgentEvents, fromSeq: async () => 1 }],
  health: (app) => ({ ledgerSeq: app.get(LedgerService).ledger.seq, agents: app.get(LedgerService).ledger.agents.size }),
}).catch((e) => {
  console.error(e);
  process.exit(1);
});
