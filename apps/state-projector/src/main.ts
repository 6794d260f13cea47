import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { connectDataSource, migrate, readCheckpoint } from '@marshal/persistence';
import { createServiceContext, startService } from '@marshal/runtime';
import { ProjectorConfig } from './config';
import { ProjectorController } from './projector.controller';
import { DATA_SOURCE, ProjectorService } from './projector.service';

async function main(): Promise<void> {
  const ctx = await createServiceContext(ProjectorConfig);
  const ds = await connectDataSource({ url: ctx.config.DATABASE_URL, applicationName: 'state-projector', poolSize: 4 }, (e) =>
    ctx.log.warn({ err: e }, 'PostgreSQL not reachable yet; retrying'),
  );
  ctx.shutdown.add('postgres', () => ds.destroy());
  await migrate(ds);
  const start = await readCheckpoint(ds);

  @Module({ controllers: [ProjectorController], providers: [ProjectorService, { provide: DATA_SOURCE, useValue: ds }] })
  class ProjectorModule {}

  const { app } = await startService(
    {
      definition: ProjectorConfig,
      module: ProjectorModule,
      sources: (c) => [{ kind: 'ordered', filter: c.subjects.allEvents, fromSeq: async () => start + 1 }],
      health: async (a) => {
        const position = a.get(ProjectorService).position;
        const head = await ctx.store.headSeq().catch(() => position);
        return { checkpoint: position, head, lag: Math.max(0, head - position) };
      },
    },
    ctx,
  );
  app.get(ProjectorService).setPosition(start);
  ctx.log.info({ checkpoint: start }, 'projecting from checkpoint');
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
