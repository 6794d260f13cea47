/** One problem found in a package, its options or its svc.yml; same shape as contracts' ValidationErrorSchema. */
export interface ValidationError {
  /** Where: a YAML path (`pods.hello.tasks.server.cpus`), an option pointer (`/hello/count`) or a file name. */
  path: string;
  message: string;
}

/** Collects every error and warning of one render or validation pass (all at once, never only the first). */
export class Issues {
  readonly errors: ValidationError[] = [];
  readonly warnings: string[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }
}

/** Joins YAML path segments: `pods` + `hello` → `pods.hello`; indices are written `uris[0]` by the caller. */
export function joinPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}
