import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ErrorReplySchema } from '../commands/command';
import { OfferOutcomeSummarySchema } from '../commands/coordinator.commands';
import { ParkedList, ParkedRetryBody, ProjectionsStatus, RebuildReplyBody } from './admin.http';
import { AgentBody } from './agents.http';
import { ConfigurationDiffBody, DryRunReplyBody } from './deltas.http';
import { EventChain, EventList } from './audit.http';
import { CommandMessageBody, PlanBody, PlanNamesBody, StartPlanBody } from './plans.http';
import { LoginBody, SessionBody } from './session.http';
import { InstallBody, ServiceDescription, ServiceSummary, SubmitReplyBody, UninstallReplyBody, UpdateBody } from './services.http';

/** The JSON error of the gateway: a domain error's code, message and every detail with its path. */
export const ErrorBody = ErrorReplySchema;
export type ErrorBody = Static<typeof ErrorBody>;

export interface HttpRouteDefinition {
  /** The JSON body the route takes, when it takes one. */
  body?: TSchema;
  /** The body may be left out. */
  bodyOptional?: true;
  /** The JSON body of its successful answer. */
  response: TSchema;
}

/**
 * The routes the CLI and the web console call, by `METHOD /path` with OpenAPI path parameters, each with its request and response body.
 * The gateway's controllers return these types, the CLI reads them, the CLI's stand-in gateway answers them, and the
 * gateway's OpenAPI document takes its body schemas from here. Routes of a service (plans, events, debug) are also
 * mounted under `/v1/service/{service}` and `/v1/multi/{service}` (reference §6.9).
 */
export const HTTP_ROUTES = {
  'GET /v1/services': { response: Type.Array(ServiceSummary) },
  'POST /v1/services': { body: InstallBody, response: SubmitReplyBody },
  'GET /v1/services/{name}': { response: ServiceDescription },
  'PUT /v1/services/{name}': { body: UpdateBody, response: SubmitReplyBody },
  'DELETE /v1/services/{name}': { response: UninstallReplyBody },
  'POST /v1/services/{name}/dry-run': { body: UpdateBody, response: DryRunReplyBody },
  'GET /v1/configurations/{id}/diff': { response: ConfigurationDiffBody },
  'GET /v1/plans': { response: PlanNamesBody },
  'GET /v1/plans/{plan}': { response: PlanBody },
  'POST /v1/plans/{plan}/start': { body: StartPlanBody, bodyOptional: true, response: CommandMessageBody },
  'POST /v1/plans/{plan}/stop': { response: CommandMessageBody },
  'POST /v1/plans/{plan}/continue': { response: CommandMessageBody },
  'POST /v1/plans/{plan}/interrupt': { response: CommandMessageBody },
  'POST /v1/plans/{plan}/forceComplete': { response: CommandMessageBody },
  'POST /v1/plans/{plan}/restart': { response: CommandMessageBody },
  'POST /v1/plans/{plan}/skip': { response: CommandMessageBody },
  'GET /v1/events': { response: EventList },
  'GET /v1/events/{id}/chain': { response: EventChain },
  'GET /v1/admin/projections': { response: ProjectionsStatus },
  'POST /v1/admin/rebuild-projections': { response: RebuildReplyBody },
  'GET /v1/admin/parked': { response: ParkedList },
  'POST /v1/admin/parked/{seq}/retry': { response: ParkedRetryBody },
  'GET /v1/agents': { response: Type.Array(AgentBody) },
  'GET /v2/debug/offers': { response: OfferOutcomeSummarySchema },
  'POST /v1/session': { body: LoginBody, response: SessionBody },
  /** 204 without a body when the caller has no token and no live session. */
  'GET /v1/session': { response: SessionBody },
} as const satisfies Record<string, HttpRouteDefinition>;

export type HttpRoute = keyof typeof HTTP_ROUTES;
export type HttpResponseOf<R extends HttpRoute> = Static<(typeof HTTP_ROUTES)[R]['response']>;
/** A route without a body takes none, or `{}` (what some clients always send). */
export type HttpBodyOf<R extends HttpRoute> = (typeof HTTP_ROUTES)[R] extends { body: infer B extends TSchema } ? Static<B> : Record<string, never> | undefined;

/** `GET /v1/plans/{plan}` → `['GET', '/v1/plans/{plan}']`. */
export function splitRoute(route: HttpRoute): [method: string, path: string] {
  const i = route.indexOf(' ');
  return [route.slice(0, i), route.slice(i + 1)];
}

/** The prefixes a route of a service is also mounted under (reference §6.9). */
const SERVICE_PREFIX = /^\/v1\/(service|multi)\/[^/]+(?=\/)/;

/**
 * Whether a request path (with or without its leading `/`, query string or per-service prefix) is one of the route's:
 * the CLI checks each call against the route it names, so a path and its declared types cannot part.
 */
export function pathMatchesRoute(route: HttpRoute, path: string): boolean {
  const [, pattern] = splitRoute(route);
  let p = `/${path.replace(/^\/+/, '')}`.split('?')[0];
  const own = p.replace(SERVICE_PREFIX, '');
  // `/v1/service/x/…` of a route of Marshal's own `/v2/…` keeps its version: `/v1/service/x/v2/debug/offers`.
  p = /^\/v[12]\//.test(own) ? own : `/v1${own}`;
  const re = new RegExp(`^${pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
  return re.test(p);
}
