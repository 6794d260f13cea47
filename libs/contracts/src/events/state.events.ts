import { Type } from '@sinclair/typebox';
import { defineEvent } from '../envelope';

/**
 * Events of `<ns>.evt.svc.<service>.state`, written by the gateway: the small files tasks and operators exchange
 * through `PUT /v1/state/files/{name}` (reference §6.6, stored by the original as properties `file-<name>`).
 */

/** The original's limit on an uploaded state file (reference §6.6). */
export const MAX_STATE_FILE_BYTES = 1024;

export const StateFileStored = defineEvent(
  'StateFileStored',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      /** The file's name as given in the path. */
      name: Type.String({ minLength: 1, maxLength: 255 }),
      /** The bytes as base64: files may hold anything. */
      content: Type.String({ maxLength: Math.ceil(MAX_STATE_FILE_BYTES / 3) * 4, contentEncoding: 'base64' }),
    },
    { additionalProperties: false },
  ),
);
