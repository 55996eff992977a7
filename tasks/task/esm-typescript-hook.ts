// A Node.js module hook (module.register) that makes the tasks file an ES module whatever
// the nearest package.json says. tsx decides a `.ts` file's format the way Node decides a
// `.js` file's: from the package "type". In a project made by `npm init` ("type": "commonjs")
// it would compile the tasks file to CommonJS, where top-level await and import.meta fail
// and `cloudlet-tasks/tasks` is require()d. Tasks files are written as ES modules (they
// import the package), so the file marked with ESM_MARK comes back from this hook as
// 'module-typescript', which tsx (its hook runs before this one and awaits it) compiles as
// ESM. Files the tasks file imports keep tsx's usual rules.
import type { LoadHook } from 'node:module';

/** Query parameter on the tasks file's URL that asks for ESM. */
export const ESM_MARK = 'cloudlet-tasks-esm';

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!url.startsWith('file:') || !new URL(url).searchParams.has(ESM_MARK)) return nextLoad(url, context);
  // Node's own loader reads the file as 'module' (a format every Node version knows).
  const loaded = await nextLoad(url, { ...context, format: 'module' });
  return { ...loaded, format: 'module-typescript' };
};
