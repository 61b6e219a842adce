// `npm run build` step, after tsc: write dist/src/tools-list.json, the tools catalog that `revenue-mcp tools`
// prints without loading the server (src/catalog.ts), from the live server's own tools/list entries.
import { writeCatalog } from '../dist/src/catalog.js';

await writeCatalog();
// stderr: `npm pack --json` runs this in prepare, and its stdout must stay JSON.
console.error('tools: dist/src/tools-list.json');
