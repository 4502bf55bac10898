// Preloaded by `pulumi up` (Pulumi.yaml runtime option nodeargs). Node runs the TypeScript
// sources itself (type stripping), but our imports name the compiled file, `./config.js`, as
// NodeNext requires; this hook resolves such a relative import to the `.ts` source beside it
// when no `.js` file exists. Pulumi's bundled ts-node 7 cannot do this, nor load ESM.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (/^\.\.?\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
      const compiled = new URL(specifier, context.parentURL);
      const source = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
      if (!existsSync(compiled) && existsSync(source)) return nextResolve(source.href, context);
    }
    return nextResolve(specifier, context);
  },
});
