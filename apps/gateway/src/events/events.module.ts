import { Module, type DynamicModule } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AuditQueries, ReadModelQueries, TimeTravel } from '@marshal/persistence';
import { AdminController } from '../admin/admin.controller';
import { EventsController } from './events.controller';
import { ProjectionProgress } from './projection-progress';
import { ProjectionStatus } from './projection-status';

/** The log's side of the API: audit (`/v1/events`), time travel (used by the plans controller), read-model admin. */
@Module({})
export class EventsModule {
  static forRoot(ds: DataSource): DynamicModule {
    return {
      module: EventsModule,
      controllers: [EventsController, AdminController],
      providers: [
        { provide: AuditQueries, useValue: new AuditQueries(ds) },
        { provide: TimeTravel, useValue: new TimeTravel(ds) },
        { provide: ReadModelQueries, useValue: new ReadModelQueries(ds) },
        ProjectionProgress,
        ProjectionStatus,
      ],
      exports: [TimeTravel, ProjectionStatus],
    };
  }
}
