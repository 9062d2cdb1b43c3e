import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes.js';

// Registered on the dev server at start (see dev-server.ts) and by docker-compose's setup step.
export { JOB_ID, JOB_STATUS, SCHEDULE_ID, SEARCH_ATTRIBUTE_KEYS, SYMBOLS_COUNT } from '../../workflows/search-attributes.js';

type KeyType = (typeof SEARCH_ATTRIBUTE_KEYS)[number]['type'];
/** The `temporal operator search-attribute create --type` (and dev server flag) word for each key type. */
const CLI_TYPE: Record<KeyType, 'Keyword' | 'Int'> = { KEYWORD: 'Keyword', INT: 'Int' };

export const SEARCH_ATTRIBUTE_FLAGS: Record<string, 'Keyword' | 'Int'> = Object.fromEntries(
  SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, CLI_TYPE[k.type]]),
);
