import { Controller, Get, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientLimits } from '../http/client-limits';
import { ProjectorProgress } from '../http/projector-progress';

/**
 * `GET /v1/stream`: server-sent events for live views. Sends `event: change` with the read models' new sequence
 * whenever they move (at most every 100 ms), and a comment every 15 s to keep proxies from closing the connection.
 * A client re-reads what it shows, passing the sequence back to read its own writes.
 */
@Controller('v1/stream')
export class StreamController {
  constructor(
    private readonly progress: ProjectorProgress,
    private readonly limits: ClientLimits,
  ) {}

  @Get()
  stream(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    // Each open stream is one of its client's MAX_STREAMS_PER_TOKEN; above it, 429 before anything is sent.
    const release = this.limits.hold('stream', req);
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (seq: number): void => void raw.write(`event: change\ndata: ${JSON.stringify({ seq })}\n\n`);
    send(this.progress.current);
    let pending: NodeJS.Timeout | undefined;
    const onProgress = (): void => {
      pending ??= setTimeout(() => {
        pending = undefined;
        send(this.progress.current);
      }, 100);
    };
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    this.progress.on('progress', onProgress);
    req.raw.on('close', () => {
      release();
      clearInterval(keepAlive);
      if (pending) clearTimeout(pending);
      this.progress.off('progress', onProgress);
    });
  }
}
