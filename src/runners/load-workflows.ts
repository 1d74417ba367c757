import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkflowRegistrationError } from './errors.js';
import { isWorkflowRegistry, WorkflowRegistry } from './registry.js';

/**
 * Builds a worker's registry from modules that each export a WorkflowRegistry (as `registry` or `default`).
 * Every worker and submitter must load the same modules: a queued run names its workflow.
 * Paths are resolved against `cwd`; a module without a registry export is an error naming the module.
 */
export async function loadWorkflowModules(paths: readonly string[], cwd = process.cwd()): Promise<WorkflowRegistry> {
  const registry = new WorkflowRegistry();
  for (const path of paths) {
    const url = /^[a-z]+:/i.test(path) ? path : pathToFileURL(resolve(cwd, path)).href;
    const mod = (await import(url)) as { registry?: unknown; default?: unknown };
    const exported = isWorkflowRegistry(mod.registry) ? mod.registry : isWorkflowRegistry(mod.default) ? mod.default : undefined;
    if (!exported) throw new WorkflowRegistrationError(`workflow module '${path}' exports no WorkflowRegistry (as 'registry' or default)`);
    registry.merge(exported);
  }
  return registry;
}
