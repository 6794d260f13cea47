import type { MarshalEvent } from '@marshal/contracts';
import { evolveDeployment, type DeploymentFacts } from '@marshal/plan';

/**
 * What the state API (reference §6.6) tells about a service that the read models do not hold, folded from the
 * service's own subjects (`.config`, `.plan`, `.state`) in log order. The original kept these in ZooKeeper
 * (reference §10.2): the framework id, the properties `last-completed-update-type` and `uninstalling`, and the files
 * uploaded through `PUT /v1/state/files/{name}` (properties `file-<name>`).
 */
export interface ServiceLogView extends DeploymentFacts {
  /** The first configuration accepted since the service was installed: stable for the life of the install. */
  frameworkId: string | null;
  /** Stored files by name, their bytes as base64. */
  files: Readonly<Record<string, string>>;
}

export const EMPTY_LOG_VIEW: ServiceLogView = { frameworkId: null, deploymentCompleted: false, uninstalling: false, files: {} };

/** Folds one event of the service's `.config`, `.plan` or `.state` subject. Pure. */
export function evolveLogView(view: ServiceLogView, e: MarshalEvent): ServiceLogView {
  switch (e.type) {
    case 'ConfigurationAccepted':
      return view.frameworkId ? view : { ...view, frameworkId: e.data.configId };
    case 'PlanStatusChanged':
    case 'ServiceUninstallStarted':
      // As plan-manager counts it (reference §2.7): one rule.
      return evolveDeployment(view, e);
    case 'ServiceRemoved':
      // A later install under the same name starts afresh, files included.
      return EMPTY_LOG_VIEW;
    case 'StateFileStored':
      return { ...view, files: { ...view.files, [e.data.name]: e.data.content } };
    default:
      return view;
  }
}

const FILE_PREFIX = 'file-';

/** The properties of reference §6.6/§10.2 as the original stored them: key → raw bytes. */
export function propertiesOf(view: ServiceLogView): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (view.deploymentCompleted) out.set('last-completed-update-type', Buffer.from('DEPLOY'));
  if (view.uninstalling) out.set('uninstalling', Buffer.from('true'));
  for (const [name, content] of Object.entries(view.files)) out.set(`${FILE_PREFIX}${name}`, Buffer.from(content, 'base64'));
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `GET /v1/state/files`: the original printed a Java list, `[a, b]` (reference §6.6). */
export function fileListText(view: ServiceLogView): string {
  return `[${Object.keys(view.files).sort().join(', ')}]`;
}

/** A file name as a path segment names it: not empty, no `/`, no control characters, at most 255 characters. */
export function fileNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 255) return 'a file name must have 1 to 255 characters';
  // eslint-disable-next-line no-control-regex
  if (/[/\\\u0000-\u001f\u007f]/.test(name)) return `the file name '${name}' may not hold '/', '\\' or control characters`;
  if (name === '.' || name === '..') return `'${name}' is not a file name`;
  return undefined;
}
