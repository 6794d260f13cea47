import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { ReadModelQueries } from '@marshal/persistence';
import { AuthGuard } from './auth/auth.guard';
import { TokenStore } from './auth/tokens';
import { EventsModule } from './events/events.module';
import { HttpErrorFilter } from './http/http-errors';
import { ReadYourWrites } from './http/read-your-writes';
import { ServiceResolver } from './http/service-resolver';
import { PlansController } from './plans/plans.controller';
import { ServicesController } from './services/services.controller';

@Module({})
export class GatewayModule {
  static forRoot(ds: DataSource, tokens: TokenStore): DynamicModule {
    return {
      module: GatewayModule,
      imports: [EventsModule.forRoot(ds)],
      controllers: [PlansController, ServicesController],
      providers: [
        { provide: ReadModelQueries, useValue: new ReadModelQueries(ds) },
        ServiceResolver,
        ReadYourWrites,
        { provide: TokenStore, useValue: tokens },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
