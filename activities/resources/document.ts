/**
 * Shared by the wrappers' render tasks: the common-format document they receive, checked against
 * its handler's JSON Schema, so rendering reads a document it can trust (a violation is a
 * non-retryable InvalidInput naming the field).
 */
import { failure } from '../../common/errors';
import type { ResourceHandlerRegistry } from '../../resource-handlers';
import { commonFormatProblems } from '../../resource-handlers/common-format';
import type { VirtualMachineDocument } from '../../resource-handlers/virtual_machine';

/** The document as a VM, or the failure naming what is wrong with it. */
export function virtualMachineDocument(
  registry: ResourceHandlerRegistry,
  document: { resourceType: string },
  call: string,
  system: string,
): VirtualMachineDocument {
  if (document.resourceType !== 'virtual_machine')
    throw failure(
      'InvalidInput',
      `${call}: renders virtual_machine documents, not ${document.resourceType}`,
      {
        system,
        call,
        fields: [{ path: 'input.document.resourceType', message: 'must be virtual_machine' }],
      },
    );
  const problems = commonFormatProblems(registry.get('virtual_machine'), document);
  if (problems.length) {
    const fields = problems.map((p) => ({ path: `input.document.${p.path}`, message: p.message }));
    throw failure('InvalidInput', `${call}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, {
      system,
      call,
      fields,
    });
  }
  return document as unknown as VirtualMachineDocument;
}
