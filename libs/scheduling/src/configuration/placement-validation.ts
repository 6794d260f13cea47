import type { ServiceSpec, ValidationError } from '@marshal/contracts';
import { parsePlacement } from '@marshal/offer';

/**
 * Every pod's placement string, parsed by the offer lib as the evaluator will parse it: a bad one is a validation
 * error on that pod (reference §5.5 "Errors"), so a spec that could never be placed is refused before it is accepted.
 */
export function placementErrors(spec: ServiceSpec): ValidationError[] {
  return spec.pods.flatMap((pod) => {
    if (pod.placement === undefined) return [];
    const parsed = parsePlacement(pod.placement, pod.type);
    return 'error' in parsed
      ? [{ path: `pods.${pod.type}.placement`, message: `The PlacementRule for PodSpec '${pod.type}' had invalid constraints: ${parsed.error}` }]
      : [];
  });
}
