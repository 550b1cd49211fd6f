/**
 * `rfm:commit-resource`: writes the common format of one or more resources of one type to that
 * type's git repository in a single commit (one commit per request), each beside its metadata
 * file. Documents are checked against their handler's JSON Schema first. Committing content the
 * branch already holds makes no commit and returns the commit that holds it, so a retry or a
 * re-run of the request is a no-op. Returns the repository URL (without credentials) and SHA.
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import { commonFormatProblems } from '../../resource-handlers';
import { commonFormatDocumentSchema, resourceNameSchema } from '../resources/schemas';
import { defineTask, type TaskContext } from '../task';
import type { RfmDeps } from './deps';
import { commitMessage, documentPath, gitFailure, metadataPath, resourceFiles } from './layout';

const call = 'rfm:commit-resource';

export const commitResource = defineTask({
  id: call,
  description:
    "Commits resources' common format and metadata to their type's git repository, once per request.",
  timeouts: 'short',
  input: z.object({
    requestId: z.string().min(1),
    traceId: z.string().min(1),
    /** Common-format documents of one resource type (prepare's `document` outputs). */
    documents: z.array(commonFormatDocumentSchema).min(1),
  }),
  output: z.object({
    repoUrl: z.string(),
    branch: z.string(),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    /** false when the branch already held exactly this content. */
    created: z.boolean(),
    resources: z.array(z.object({ name: resourceNameSchema, path: z.string(), metadataPath: z.string() })),
  }),
  async handler(input, ctx: TaskContext<RfmDeps>) {
    const { repositories, registry } = ctx.deps;
    const type = input.documents[0]!.resourceType;
    const fields: { path: string; message: string }[] = [];
    const names = new Set<string>();
    input.documents.forEach((doc, i) => {
      if (doc.resourceType !== type)
        fields.push({
          path: `input.documents.${i}.resourceType`,
          message: `one commit holds one type (${type})`,
        });
      if (names.has(doc.name)) fields.push({ path: `input.documents.${i}.name`, message: 'appears twice' });
      names.add(doc.name);
    });
    if (!registry.has(type))
      fields.push({ path: 'input.documents.0.resourceType', message: `unknown resource type '${type}'` });
    else
      input.documents.forEach((doc, i) => {
        for (const p of commonFormatProblems(registry.get(type), doc))
          fields.push({ path: `input.documents.${i}.${p.path}`, message: p.message });
      });
    if (fields.length)
      throw failure('InvalidInput', `${call}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, {
        system: 'git',
        call,
        fields,
      });

    const handler = registry.get(type);
    const changes = Object.assign({}, ...input.documents.map((doc) => resourceFiles(handler, doc))) as Record<
      string,
      string
    >;
    const listed = input.documents.map((d) => d.name);
    const subject = `${type}: write ${listed.length > 3 ? `${listed.slice(0, 3).join(', ')} and ${listed.length - 3} more` : listed.join(', ')} (${input.requestId})`;
    try {
      const result = await repositories.change(type, changes, commitMessage(subject, input));
      return {
        repoUrl: repositories.publicUrlOf(type),
        branch: repositories.branch,
        commit: result.commit!,
        created: result.created,
        resources: listed.map((name) => ({
          name,
          path: documentPath(name),
          metadataPath: metadataPath(name),
        })),
      };
    } catch (err) {
      throw gitFailure(call, err);
    }
  },
});
