import { Controller, Get, HttpCode, Param, Put, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import { MAX_STATE_FILE_BYTES, MarshalError } from '@marshal/contracts';
import { ReadModelQueries } from '@marshal/persistence';
import { callerOf } from '../auth/auth.guard';
import { asPlainText } from '../http/http-errors';
import { ProjectorProgress } from '../http/projector-progress';
import { ReadModelCache } from '../http/read-model-cache';
import { NoBody } from '../http/request-body';
import { ReadYourWrites } from '../http/read-your-writes';
import { ServiceResolver } from '../http/service-resolver';
import { fileListText, fileNameProblem, propertiesOf } from './service-log-view';
import { ServiceLogViews } from './service-log-views';
import { taskZones, zoneAt, zoneOfTask } from './zones';

const badRequest = (message: string, path = '/'): MarshalError => asPlainText(new MarshalError('INVALID_ARGUMENT', message, [{ path, message }]));

/**
 * The scheduler state of reference §6.6: framework id, properties, small files tasks exchange, zones of tasks. What
 * the read models lack (framework id, properties, files) is folded from the service's log subjects.
 */
@Controller(['v1', 'v1/service/:service', 'v1/multi/:service'])
export class StateController {
  constructor(
    private readonly services: ServiceResolver,
    private readonly logViews: ServiceLogViews,
    private readonly queries: ReadModelQueries,
    private readonly ryw: ReadYourWrites,
    private readonly cache: ReadModelCache,
    private readonly progress: ProjectorProgress,
  ) {}

  private async view(service: string | undefined, req: FastifyRequest) {
    await this.ryw.waitFor(this.ryw.requestedSeq(req), req);
    const name = await this.services.resolve(service);
    return { name, view: await this.logViews.view(name) };
  }

  /** `["<id>"]`: the id of the service's first configuration, stable for the life of the install. */
  @Get('state/frameworkId')
  async frameworkId(@Param('service') service: string | undefined, @Req() req: FastifyRequest): Promise<string[]> {
    const { view } = await this.view(service, req);
    if (!view.frameworkId) throw new MarshalError('NOT_FOUND', 'Framework ID not found');
    return [view.frameworkId];
  }

  @Get('state/properties')
  async properties(@Param('service') service: string | undefined, @Req() req: FastifyRequest): Promise<string[]> {
    return [...propertiesOf((await this.view(service, req)).view).keys()];
  }

  /** The raw value, served as JSON as the original did (`DEPLOY`, `true`, a file's bytes). */
  @Get('state/properties/:key')
  async property(@Param('service') service: string | undefined, @Param('key') key: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    const value = propertiesOf((await this.view(service, req)).view).get(key);
    if (value === undefined) throw new MarshalError('NOT_FOUND', `Property ${key} not found`);
    void reply.type('application/json');
    return value;
  }

  /** The original refreshed its state cache; Marshal drops the gateway's caches and reads the checkpoint again. */
  @Put('state/refresh')
  @HttpCode(200)
  @NoBody()
  async refresh(@Param('service') service: string | undefined): Promise<{ message: string }> {
    await this.services.resolve(service);
    this.cache.clear();
    this.logViews.forget();
    await this.progress.refresh();
    return { message: 'Received cmd: refresh' };
  }

  @Get('state/files')
  async files(@Param('service') service: string | undefined, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const text = fileListText((await this.view(service, req)).view);
    void reply.type('text/plain; charset=utf-8');
    return text;
  }

  @Get('state/files/:name')
  async file(@Param('service') service: string | undefined, @Param('name') name: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    const { files } = (await this.view(service, req)).view;
    // Own names only: `constructor` or `__proto__` is a file nobody stored, not a property of every object.
    const content = Object.hasOwn(files, name) ? files[name] : undefined;
    if (content === undefined) throw new MarshalError('NOT_FOUND', 'Failed to get the file');
    void reply.type('text/plain; charset=utf-8');
    return Buffer.from(content, 'base64');
  }

  /** Upload: a multipart form whose field `file` holds at most 1024 bytes (reference §6.6). Answers 200, empty. */
  @Put('state/files/:name')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary', maxLength: MAX_STATE_FILE_BYTES } } } })
  async storeFile(@Param('service') service: string | undefined, @Param('name') name: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const svc = await this.services.resolve(service);
    const problem = fileNameProblem(name);
    if (problem) throw badRequest(problem, '/name');
    const content = await readFileField(req);
    const seq = await this.logViews.storeFile(svc, name, content, callerOf(req).actor);
    void reply.header('x-marshal-seq', String(seq)).type('text/plain; charset=utf-8');
    return '';
  }

  @Get('state/zone/tasks')
  async zones(@Param('service') service: string | undefined, @Req() req: FastifyRequest): Promise<Record<string, string>> {
    await this.ryw.waitFor(this.ryw.requestedSeq(req), req);
    return taskZones(await this.queries.tasks(await this.services.resolve(service)));
  }

  @Get('state/zone/tasks/:task')
  async zoneOfTask(@Param('service') service: string | undefined, @Param('task') task: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    await this.ryw.waitFor(this.ryw.requestedSeq(req), req);
    const zone = zoneOfTask(await this.queries.tasks(await this.services.resolve(service)), task);
    if (zone === undefined) throw new MarshalError('NOT_FOUND', `Zone of task ${task} not found`);
    void reply.type('text/plain; charset=utf-8');
    return zone;
  }

  @Get('state/zone/:podType/:ip')
  async zoneAt(
    @Param('service') service: string | undefined,
    @Param('podType') podType: string,
    @Param('ip') ip: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    await this.ryw.waitFor(this.ryw.requestedSeq(req), req);
    const zone = zoneAt(await this.queries.tasks(await this.services.resolve(service)), podType, ip);
    if (zone === undefined) throw new MarshalError('NOT_FOUND', `Zone of a ${podType} task at ${ip} not found`);
    void reply.type('text/plain; charset=utf-8');
    return zone;
  }
}

/** The bytes of the form field `file`, refusing more than the original's 1024 (and any other file field). */
async function readFileField(req: FastifyRequest): Promise<Buffer> {
  const r = req as FastifyRequest & { isMultipart?: () => boolean; parts?: () => AsyncIterableIterator<MultipartFile | { type: 'field'; fieldname: string }> };
  if (!r.isMultipart?.() || !r.parts) throw badRequest("the body must be a multipart form (multipart/form-data) with the file in the field 'file'");
  let content: Buffer | undefined;
  try {
    for await (const part of r.parts()) {
      if (part.type !== 'file') throw badRequest(`unknown form field '${part.fieldname}': the form takes only 'file'`, `/${part.fieldname}`);
      if (part.fieldname !== 'file') throw badRequest(`unknown form field '${part.fieldname}': the form takes only 'file'`, `/${part.fieldname}`);
      content = await part.toBuffer();
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw badRequest(`Stream exceeds ${MAX_STATE_FILE_BYTES} byte size limit`, '/file');
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') throw badRequest("the form takes one field, 'file'");
    throw e;
  }
  if (content === undefined) throw badRequest("the form has no field 'file'", '/file');
  return content;
}
