// esbuild plugins for the Lambda functions' bundles (serverless.yml, custom.esbuild.plugins).
const path = require('node:path');

/**
 * zod's English messages only. zod re-exports its forty-odd locales as `z.locales`, which Sluice
 * never reads; bundled, they are 370–400 KB of every function that V8 compiles at each cold start.
 * The locales' index, as zod's own modules import it, becomes a module with English alone, which
 * is zod's default.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.c?js$/ }, ({ path: imported, importer }) =>
      importer.split(path.sep).includes('zod') ? { path: path.join(path.dirname(importer), imported), namespace: 'zod-english-only' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, ({ path: index }) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(index), `en${path.extname(index)}`))};`,
      resolveDir: path.dirname(index),
    }));
  },
};

module.exports = [zodEnglishOnly];
