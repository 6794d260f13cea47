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

/** Every error of a bound names its setting in parentheses at the end of a clause: `… at most 1000 (MAX_PODS_PER_TYPE)`. */
const NAMES_A_BOUND = /\((MAX_[A-Z_]+|SCHEMA_CACHE_SIZE)\)/;

/**
 * Whether an error is a bound that was hit rather than a rule of the spec: such a configuration is refused without a
 * trace in the log (like input that never became a spec), so an absurd update cannot mark the running service's plan.
 */
export function isBoundError(e: { message: string }): boolean {
  return NAMES_A_BOUND.test(e.message);
}
