import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GatewayMetrics } from './metrics';

/** `GET /v1/metrics/prometheus` (Prometheus text) and `GET /v1/metrics` (JSON) (reference §6.1). */
@Controller('v1/metrics')
export class MetricsController {
  constructor(private readonly metrics: GatewayMetrics) {}

  @Get('prometheus')
  async prometheus(@Res() reply: FastifyReply): Promise<void> {
    void reply.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }

  @Get()
  async json(): Promise<unknown> {
    return this.metrics.registry.getMetricsAsJSON();
  }
}
