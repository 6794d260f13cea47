import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { startService, systemClock } from '@marshal/runtime';
import { CLOCK } from './clock';
import { CoordinatorConfig } from './config';
import { CoordinatorController } from './coordinator.controller';
import { CoordinatorService } from './coordinator.service';

@Module({ controllers: [CoordinatorController], providers: [CoordinatorService, { provide: CLOCK, useValue: systemClock }] })
class CoordinatorModule {}

async function main(): Promise<void> {
  const { app, ctx, transport } = await startService({
    definition: CoordinatorConfig,
    module: CoordinatorModule,
    sources: (c) => [{ kind: 'ordered', filter: c.subjects.allEvents, fromSeq: async () => 1 }],
    poison: (a) => a.get(CoordinatorService).suspects,
    health: (a) => {
      const s = a.get(CoordinatorService).state;
      return { seq: s.seq, agents: s.ledger.agents.size };
    },
  });
  // Work only on a complete picture of the log (after a restart: every reservation and launch so far).
  await transport.caughtUp();
  const coordinator = app.get(CoordinatorService);
  coordinator.start();
  ctx.shutdown.add('cycle', () => coordinator.stop());
  ctx.log.info({ seq: coordinator.state.seq }, 'coordinator caught up; cycling');
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
