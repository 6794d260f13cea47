import { Controller, Get, Res } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.guard';

const page = readFileSync(join(__dirname, 'index.html'), 'utf8');

/** The web UI: one static page that reads the API with the operator's token and follows `/v1/stream`. */
@Controller()
export class UiController {
  @Get(['ui', ''])
  @Public()
  index(@Res() reply: FastifyReply): void {
    void reply.type('text/html; charset=utf-8').send(page);
  }
}
