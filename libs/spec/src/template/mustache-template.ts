import Mustache from 'mustache';

/**
 * Mustache rendering of svc.yml as the original did it (reference §4.9, TemplateUtils + mustache.java 0.9):
 * `{{VAR}}` is HTML-escaped with mustache.java's table, `{{{VAR}}}` and `{{&VAR}}` are raw, values equal to
 * `true`/`false` in any case become booleans so sections work, and a missing value in a plain tag is recorded as
 * `VAR@L<line>` while a missing section guard is not.
 */

export interface MissingValue {
  name: string;
  /** 1-based line of the tag in the template. */
  line: number;
}

export type TemplateResult =
  | { ok: true; text: string; missing: MissingValue[] }
  | { ok: false; message: string; missing: MissingValue[] };

export function formatMissing(missing: readonly MissingValue[]): string {
  return `[${missing.map((m) => `${m.name}@L${m.line}`).join(', ')}]`;
}

/** mustache.java's HtmlEscaper: control characters up to 13 as numeric entities, then & < > " ' = and backquote. */
export function escapeLikeMustacheJava(value: unknown): string {
  const s = String(value);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 13) {
      out += `&#${c};`;
      continue;
    }
    switch (s[i]) {
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      case '"':
        out += '&quot;';
        break;
      case "'":
        out += '&#39;';
        break;
      case '=':
        out += '&#61;';
        break;
      case '`':
        out += '&#96;';
        break;
      default:
        out += s[i];
    }
  }
  return out;
}

type Token = [string, string, number, number, ...unknown[]];

/** Parsed templates are worth keeping: parsing is most of the cost, and a package's svc.yml is rendered again and
 * again. Bounded in count and template size so large inputs never stay in memory. */
const CACHE_ENTRIES = 32;
const CACHE_MAX_TEMPLATE_LENGTH = 256 * 1024;
const parsedTemplates = new Map<string, string>();
const templateCache: Mustache.TemplateCache = {
  get(key: string) {
    const hit = parsedTemplates.get(key);
    if (hit !== undefined) {
      parsedTemplates.delete(key);
      parsedTemplates.set(key, hit);
    }
    return hit as string | undefined;
  },
  set(key: string, value: string) {
    if (key.length > CACHE_MAX_TEMPLATE_LENGTH) return;
    if (parsedTemplates.size >= CACHE_ENTRIES) parsedTemplates.delete(parsedTemplates.keys().next().value as string);
    parsedTemplates.set(key, value);
  },
  clear() {
    parsedTemplates.clear();
  },
};

/**
 * Bounds on the work of one render. Sections over lists nest multiplicatively (`{{#a}}{{#a}}{{#a}}…` over a list of a
 * hundred options is 100^n renders), so a package could otherwise stall or exhaust the memory of its renderer. Real
 * templates stay orders of magnitude below both.
 */
export const MAX_SECTION_RENDERS = 100_000;
export const MAX_RENDERED_CHARS = 64 * 1024 * 1024;

/** A Writer that records missing values with their line, sharing the bounded cache of parsed templates. */
class RecordingWriter extends Mustache.Writer {
  readonly missing: MissingValue[] = [];
  private readonly lineStarts: number[];
  private renders = 0;
  /** Characters returned by every (nested) render so far: an upper bound of the output built. */
  private produced = 0;

  constructor(template: string) {
    super();
    // mustache.js reads `this.templateCache` in parse(); the typings do not declare it.
    (this as unknown as { templateCache: Mustache.TemplateCache }).templateCache = templateCache;
    this.lineStarts = [0];
    for (let i = 0; i < template.length; i++) if (template.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  private lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  private record(token: Token, context: Mustache.Context): void {
    if (context.lookup(token[1]) == null) this.missing.push({ name: token[1], line: this.lineOf(token[2]) });
  }

  override renderTokens(
    tokens: string[][],
    context: Mustache.Context,
    partials?: Mustache.PartialsOrLookupFn,
    originalTemplate?: string,
    config?: Mustache.RenderOptions,
  ): string {
    if (++this.renders > MAX_SECTION_RENDERS) {
      throw new Error(`the template expands to more than ${MAX_SECTION_RENDERS} section renderings (nested sections over lists?)`);
    }
    const out = super.renderTokens(tokens, context, partials, originalTemplate, config);
    this.produced += out.length;
    if (this.produced > MAX_RENDERED_CHARS) throw new Error(`the template renders to more than ${MAX_RENDERED_CHARS / (1024 * 1024)} MiB`);
    return out;
  }

  override escapedValue(token: string[], context: Mustache.Context, config?: Mustache.RenderOptions): string {
    this.record(token as unknown as Token, context);
    return super.escapedValue(token, context, config);
  }

  override unescapedValue(token: string[], context: Mustache.Context): string {
    this.record(token as unknown as Token, context);
    return super.unescapedValue(token, context);
  }
}

export interface RenderTemplateOptions {
  /** How values of plain `{{VAR}}` tags are escaped; the default is mustache.java's HTML escaping. */
  escape?: (value: unknown) => string;
}

/**
 * Renders `template` with `view`. Never throws: Mustache syntax errors come back as `{ ok: false }`.
 * The view should be built with {@link toMustacheView} (null prototypes) so `{{constructor}}` is a missing value.
 */
export function renderMustache(template: string, view: object, options: RenderTemplateOptions = {}): TemplateResult {
  const writer = new RecordingWriter(template);
  try {
    const text = writer.render(template, view, undefined, { escape: options.escape ?? escapeLikeMustacheJava });
    return { ok: true, text, missing: writer.missing };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e), missing: writer.missing };
  }
}

/** The original turns `true`/`false` (any case) into booleans so `{{#FLAG}}` sections work (reference §4.9). */
export function toMustacheView(values: Readonly<Record<string, string>>): Record<string, string | boolean> {
  const view: Record<string, string | boolean> = Object.create(null);
  for (const [k, v] of Object.entries(values)) {
    const lower = v.toLowerCase();
    view[k] = lower === 'true' ? true : lower === 'false' ? false : v;
  }
  return view;
}

/**
 * The strict-mode error text of the original (reference §9.7):
 * `Missing 2 values when rendering <name>:\n- Missing values: [a@L1, b@L2]\n- Provided values: {K=V, …}`.
 */
export function missingValuesMessage(
  templateName: string,
  missing: readonly MissingValue[],
  provided: Readonly<Record<string, string>>,
): string {
  const sorted = Object.keys(provided)
    .sort()
    .map((k) => `${k}=${provided[k]}`)
    .join(', ');
  return (
    `Missing ${missing.length} value${missing.length === 1 ? '' : 's'} when rendering ${templateName}:\n` +
    `- Missing values: ${formatMissing(missing)}\n` +
    `- Provided values: {${sorted}}`
  );
}
