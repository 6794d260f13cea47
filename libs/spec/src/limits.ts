/**
 * Bounds of what a package may render into (docs/operations.md "Bounds"). Each is a setting of spec-renderer, passed
 * in (the domain reads no environment); the defaults are what the CLI's offline verbs use.
 */
export interface SpecLimits {
  /** Most instances (`count`) of one pod type. */
  maxPodsPerType: number;
  /** Most pod instances of one service, over every pod type. */
  maxPodsPerService: number;
  /** Most bytes of a svc.yml (and marathon.json.mustache) template. */
  maxServiceYamlBytes: number;
  /** Most bytes of a svc.yml once rendered with its environment. */
  maxRenderedServiceYamlBytes: number;
  /** Most package option schemas (config.json) kept compiled at once. */
  compiledSchemaCacheSize: number;
  /** Longest regular expression (`pattern`, `patternProperties`) an option schema may hold. */
  maxSchemaPatternLength: number;
}

export const DEFAULT_SPEC_LIMITS: SpecLimits = {
  maxPodsPerType: 1000,
  maxPodsPerService: 2000,
  maxServiceYamlBytes: 1024 * 1024,
  maxRenderedServiceYamlBytes: 1024 * 1024,
  compiledSchemaCacheSize: 64,
  maxSchemaPatternLength: 1000,
};

/** The defaults with what is given over them. */
export function specLimits(given: Partial<SpecLimits> = {}): SpecLimits {
  return { ...DEFAULT_SPEC_LIMITS, ...given };
}
