import { loadConfig } from '../config.js';
import { migrate } from './migrate.js';

const config = loadConfig();
const { applied, skipped } = await migrate(config.DATABASE_URL);
console.log(
  applied.length ? `applied ${applied.join(', ')}` : 'schema up to date',
  skipped.length ? `(${skipped.length} already applied)` : '',
);
