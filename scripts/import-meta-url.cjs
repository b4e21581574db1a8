// Injected into the CommonJS bundle in place of `import.meta.url` (the bundle file's own URL): so
// version.ts finds package.json, the log store finds store-worker.js beside the bundle and main.ts
// recognises itself as the entry point.
export const import_meta_url = require('node:url').pathToFileURL(__filename).href;
