/**
 * `tfe:upload-configuration`: puts a root module into a configuration version and waits until TFE
 * has accepted it (`uploaded`), so a run can be created from it right after. The module comes as
 * files (path → text, e.g. rendered `main.tf.json`) packed here into a `.tar.gz`, or as a ready
 * archive in base64. A retry after a successful upload sees `uploaded` and does not upload again.
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import { sleep } from '../http';
import { defineTask, type TaskContext } from '../task';
import { tarGz } from './archive';
import type { TfeDeps } from './deps';
import { configurationVersionIdSchema } from './schemas';

/** How long TFE may take to process an upload before the attempt gives up (and is retried). */
const PROCESSING_WAIT_MS = 20_000;

export const uploadConfiguration = defineTask({
  id: 'tfe:upload-configuration',
  description: 'Uploads a Terraform root module to a TFE configuration version and waits until it is usable.',
  timeouts: 'short',
  input: z
    .object({
      configurationVersionId: configurationVersionIdSchema,
      sealedUploadUrl: z.string().min(1),
      files: z.record(z.string().min(1), z.string()).optional(),
      archiveBase64: z.string().min(1).optional(),
    })
    .refine((i) => (i.files === undefined) !== (i.archiveBase64 === undefined), {
      message: 'give either files or archiveBase64',
      path: ['files'],
    }),
  output: z.object({ configurationVersionId: configurationVersionIdSchema, status: z.literal('uploaded') }),
  examples: [
    {
      configurationVersionId: 'cv-abc123',
      sealedUploadUrl: 'sealed:v1:…',
      files: { 'main.tf.json': '{"output":{"hello":{"value":"world"}}}' },
    },
  ],
  async handler(input, ctx: TaskContext<TfeDeps>) {
    const { tfe } = ctx.deps;
    const details = {
      system: 'tfe',
      call: 'tfe:upload-configuration',
      externalId: input.configurationVersionId,
    };
    let cv = await tfe.readConfigurationVersion(input.configurationVersionId, ctx.signal);
    if (cv.attributes.status === 'pending') {
      const uploadUrl = ctx.deps.unseal(input.sealedUploadUrl);
      if (!uploadUrl)
        throw failure(
          'InvalidInput',
          'tfe: the sealed upload URL cannot be opened by this worker (another TFE token); create a new configuration version',
          {
            ...details,
            fields: [{ path: 'input.sealedUploadUrl', message: 'not sealed by this configuration' }],
          },
        );
      const archive = input.files ? tarGz(input.files) : Buffer.from(input.archiveBase64!, 'base64');
      await tfe.uploadConfiguration(uploadUrl, archive, ctx.signal);
    }
    const deadline = Date.now() + PROCESSING_WAIT_MS;
    for (;;) {
      cv = await tfe.readConfigurationVersion(input.configurationVersionId, ctx.signal);
      const status = cv.attributes.status;
      if (status === 'uploaded') return { configurationVersionId: cv.id, status };
      if (status === 'errored' || status === 'archived') {
        const why = cv.attributes['error-message'] ?? cv.attributes.error ?? status;
        throw failure('InvalidInput', `tfe: configuration version ${cv.id} is ${status}: ${why}`, {
          ...details,
          upstreamCode: status,
          upstreamMessage: String(why),
        });
      }
      if (Date.now() > deadline)
        throw failure(
          'UpstreamUnavailable',
          `tfe: configuration version ${cv.id} still ${status} after upload`,
          details,
        );
      await sleep(500, ctx.signal);
    }
  },
});
