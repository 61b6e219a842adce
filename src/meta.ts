import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** name and version from package.json, found upwards from this file (works from src/ and dist/src/). */
function findPackage(): { name: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'revenue-mcp' && pkg.version) return { name: pkg.name, version: pkg.version };
    } catch {
      // not here; go up
    }
    dir = dirname(dir);
  }
  return { name: 'revenue-mcp', version: '0.0.0' };
}

export const PACKAGE = findPackage();
