/**
 * Running this folder's TypeScript in a worker thread or a child process before it is compiled
 * (tests, benches): Node 20 does not strip types itself, so the worker or child registers
 * module hooks (node:module register) that transpile .ts files with the project's TypeScript
 * compiler, and resolve the ".js" import suffixes of the sources to their ".ts" files.
 * Compiled code (dist/) never takes this path.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/** True when this module runs from its TypeScript source. */
export function runningFromSource(): boolean {
  return import.meta.url.endsWith(".ts");
}

function hooksSource(typescriptUrl: string): string {
  return `
import ts from ${JSON.stringify(typescriptUrl)};
import { readFile } from "node:fs/promises";
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    const relative = specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("file:");
    if (relative && specifier.endsWith(".js") && context.parentURL && context.parentURL.endsWith(".ts")) {
      return next(specifier.slice(0, -3) + ".ts", context);
    }
    throw err;
  }
}
export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const source = await readFile(new URL(url), "utf8");
  const out = ts.transpileModule(source, {
    fileName: url,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, sourceMap: false },
  });
  return { format: "module", source: out.outputText, shortCircuit: true };
}
`;
}

/** A data: URL module that registers the hooks; pass it to `--import` or import it first. */
export function tsLoaderUrl(): string {
  const require = createRequire(import.meta.url);
  const typescriptUrl = pathToFileURL(require.resolve("typescript")).href;
  const hooks = `data:text/javascript,${encodeURIComponent(hooksSource(typescriptUrl))}`;
  const registration = `import { register } from "node:module"; register(${JSON.stringify(hooks)});`;
  return `data:text/javascript,${encodeURIComponent(registration)}`;
}

/** Source of an ES module that registers the hooks and then imports `moduleUrl`. */
export function bootstrapSource(moduleUrl: string): string {
  return `await import(${JSON.stringify(tsLoaderUrl())}); await import(${JSON.stringify(moduleUrl)});`;
}
