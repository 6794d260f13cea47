import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.guard';
import { CONSOLE_HEADERS, ConsoleFiles, defaultConsoleDir } from './console-files';

const files = ConsoleFiles.load(defaultConsoleDir());

/**
 * The web console (apps/console): its built files under `/ui/`, every one with a strict Content-Security-Policy. The
 * files hold no data; the console reads the API with the session cookie of its login (`POST /v1/session`).
 */
@Controller()
@ApiExcludeController()
@Public()
export class UiController {
  @Get('')
  root(@Res() reply: FastifyReply): void {
    void reply.redirect('/ui/', 302);
  }

  @Get('ui')
  index(@Res() reply: FastifyReply): void {
    this.send(reply, 'index.html');
  }

  /** `/ui/` is the page; `/ui/assets/…` its files (only those of the build: nothing else can be named). */
  @Get('ui/*')
  file(@Param('*') path: string | undefined, @Res() reply: FastifyReply): void {
    this.send(reply, path ? path : 'index.html');
  }

  private send(reply: FastifyReply, path: string): void {
    const f = files.get(path);
    void reply.headers(CONSOLE_HEADERS);
    if (!f) {
      const why = files.built ? `Not found: /ui/${path}` : `The web console is not built (no ${files.dir}/index.html): run npx nx run @marshal/console:build`;
      void reply.status(404).type('text/plain; charset=utf-8').send(why);
      return;
    }
    // Hashed asset names change with their content; the page itself is always revalidated.
    void reply.header('cache-control', path === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable').type(f.type).send(f.body);
  }
}
