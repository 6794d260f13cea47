import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { AuditQueries, ConfigurationQueries, ReadModelQueries, TimeTravel } from '@marshal/persistence';
import { AdminController } from './admin/admin.controller';
import { ParkedController } from './admin/parked.controller';
import { ParkedView } from './admin/parked-view';
import { AuthGuard } from './auth/auth.guard';
import { ConfigurationsController } from './configurations/configurations.controller';
import { TokenStore } from './auth/tokens';
import { SessionController } from './auth/session.controller';
import { SessionStore } from './auth/sessions';
import { DebugOffersController } from './debug/offers.controller';
import { HttpErrorFilter } from './http/http-errors';
import { CleanTextInterceptor } from './http/text-guard';
import { ClientLimits } from './http/client-limits';
import { ReadYourWrites } from './http/read-your-writes';
import { ServiceResolver } from './http/service-resolver';
import { AgentsController } from './agents/agents.controller';
import { DebugController } from './debug/debug.controller';
import { EndpointsController } from './endpoints/endpoints.controller';
import { EventsController } from './events/events.controller';
import { ProjectionStatus } from './events/projection-status';
import { HealthController } from './health/health.controller';
import { ProjectorProgress } from './http/projector-progress';
import { ReadModelCache } from './http/read-model-cache';
import { PlanViews } from './plans/plan-views';
import { MetricsController } from './metrics/metrics.controller';
import { GatewayMetrics } from './metrics/metrics';
import { StreamController } from './stream/stream.controller';
import { UiController } from './ui/ui.controller';
import { PlansController } from './plans/plans.controller';
import { PodsController } from './pods/pods.controller';
import { ServicesController } from './services/services.controller';
import { ServiceLogViews } from './state/service-log-views';
import { StateController } from './state/state.controller';

@Module({})
export class GatewayModule {
  static forRoot(
    ds: DataSource,
    tokens: TokenStore,
    limits: { EVENTS_MAX_PAGE?: number; EVENTS_MAX_CHAIN?: number } = {},
    sessions = new SessionStore(12 * 3600 * 1000),
  ): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [
        PlansController,
        ServicesController,
        HealthController,
        EndpointsController,
        AgentsController,
        MetricsController,
        StreamController,
        UiController,
        DebugController,
        ConfigurationsController,
        PodsController,
        DebugOffersController,
        EventsController,
        AdminController,
        StateController,
        SessionController,
        ParkedController,
      ],
      providers: [
        { provide: ReadModelQueries, useValue: new ReadModelQueries(ds) },
        { provide: ConfigurationQueries, useValue: new ConfigurationQueries(ds) },
        { provide: AuditQueries, useValue: new AuditQueries(ds, { maxPage: limits.EVENTS_MAX_PAGE, maxChain: limits.EVENTS_MAX_CHAIN }) },
        { provide: TimeTravel, useValue: new TimeTravel(ds) },
        ServiceResolver,
        ProjectorProgress,
        ProjectionStatus,
        ReadModelCache,
        PlanViews,
        ServiceLogViews,
        ReadYourWrites,
        ClientLimits,
        GatewayMetrics,
        ParkedView,
        { provide: TokenStore, useValue: tokens },
        { provide: SessionStore, useValue: sessions },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        { provide: APP_INTERCEPTOR, useClass: CleanTextInterceptor },
      ],
    };
  }
}
