import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { connectDataSource, migrate, readCheckpoint } from '@marshal/persistence';
import { createServiceContext, startService } from '@marshal/runtime';
import { ProjectorConfig } from './config';
import { ProjectorController } from './projector.controller';
import { DATA_SOURCE, PROJECTOR_START, ProjectorService, type ProjectorStart } from './projector.service';

async function main(): Promise<void> {
  const ctx = await createServiceContext(ProjectorConfig);
  const ds = await connectDataSource({ url: ctx.config.DATABASE_URL, applicationName: 'state-projector', poolSize: 6 }, (e) =>
    ctx.log.warn({ err: e }, 'PostgreSQL not reachable yet; retrying'),
  );
  ctx.shutdown.add('postgres', () => ds.destroy());
  const active = await migrate(ds);
  const start = await readCheckpoint(ds);

  const from: ProjectorStart = { active, checkpoint: start };
  @Module({
    controllers: [ProjectorController],
    providers: [ProjectorService, { provide: DATA_SOURCE, useValue: ds }, { provide: PROJECTOR_START, useValue: from }],
  })
  class ProjectorModule {}

  const { app, transport } = await startService(
    {
      definition: ProjectorConfig,
      module: ProjectorModule,
      sources: (c) => [{ kind: 'ordered', filter: c.subjects.allEvents, fromSeq: async () => start + 1 }],
      health: (a) => a.get(ProjectorService).health(),
      metrics: (a) => {
        const p = a.get(ProjectorService);
        return p.metrics.source(() => p.refreshHead(), (e) => ctx.log.warn({ err: e }, 'could not read the stream head for the metrics'));
      },
    },
    ctx,
  );
  const projector = app.get(ProjectorService);
  projector.useParking((rec, e, attempts) => transport.park(rec, e, attempts));
  ctx.shutdown.add('rebuild', () => projector.stop());
  ctx.log.info({ checkpoint: start, generation: active.id }, 'projecting from checkpoint');
  await projector.resumeRebuild();
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
