import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { ReadModelQueries } from '@marshal/persistence';
import { HttpErrorFilter } from './http/http-errors';
import { ReadYourWrites } from './http/read-your-writes';
import { ServiceResolver } from './http/service-resolver';
import { PlansController } from './plans/plans.controller';
import { ServicesController } from './services/services.controller';

@Module({})
export class GatewayModule {
  static forRoot(ds: DataSource): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [PlansController, ServicesController],
      providers: [
        { provide: ReadModelQueries, useValue: new ReadModelQueries(ds) },
        ServiceResolver,
        ReadYourWrites,
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
