import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { startService } from '@marshal/runtime';
import { PlanManagerConfig } from './config';
import { PlanManagerController } from './plan-manager.controller';
import { PlanManagerService } from './plan-manager.service';

@Module({ controllers: [PlanManagerController], providers: [PlanManagerService] })
class PlanManagerModule {}

async function main(): Promise<void> {
  const { app, ctx, transport } = await startService({
    definition: PlanManagerConfig,
    module: PlanManagerModule,
    // Every service's history, from the start: the plans are rebuilt from the log at each start.
    sources: (c) => [{ kind: 'ordered', filter: c.subjects.allServiceEvents, fromSeq: async () => 1 }],
    health: (a) => ({ folded: a.get(PlanManagerService).position }),
    // A parked event of a service makes it suspect: its plans wait for the event instead of deciding on a partial state.
    poison: (a) => a.get(PlanManagerService).suspects,
  });
  const plans = app.get(PlanManagerService);
  await transport.caughtUp();
  await plans.markCaughtUp();
  plans.startTicking();
  ctx.shutdown.add('ticker', () => plans.stopTicking());
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
