/** Statement kinds that `queries: { select, insert, update, delete }` count. */
export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'other';

const TRANSACTION_CONTROL =
  /^\s*(begin|start\s+transaction|commit|end(\s+(transaction|work))?\s*;?\s*$|rollback|savepoint|release|set\s+transaction)\b/i;

const REDIS_TRANSACTION_CONTROL = /^\s*(multi|exec|discard|watch|unwatch)\b/i;

/**
 * True for BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE and their variants; for Redis, MULTI,
 * EXEC, DISCARD, WATCH and UNWATCH.
 */
export function isTransactionControl(statement: string, system?: string): boolean {
  if (system === 'redis') return REDIS_TRANSACTION_CONTROL.test(statement);
  return TRANSACTION_CONTROL.test(stripComments(statement));
}

function stripComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
}

/** Removes the contents of parentheses, so that a CTE's body does not decide the kind. */
function topLevel(sql: string): string {
  let depth = 0;
  let out = '';
  for (const ch of sql) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out;
}

/**
 * The kind of a statement, from its first keyword (for `WITH …`, the first top-level keyword
 * after the common table expressions).
 */
export function statementKind(statement: string): StatementKind {
  const sql = stripComments(statement).trim().toLowerCase();
  const first = /^[a-z]+/.exec(sql)?.[0];
  if (first === 'select' || first === 'insert' || first === 'update' || first === 'delete') return first;
  if (first === 'replace') return 'insert';
  if (first === 'with' || first === 'explain') {
    const main = /\b(select|insert|update|delete)\b/.exec(topLevel(sql.slice(first.length)))?.[1];
    return (main as StatementKind | undefined) ?? 'other';
  }
  return 'other';
}

/**
 * The shape of a statement: the same statement with other parameters has the same shape.
 * Literals (strings, numbers), placeholders of every driver's style (`?`, `$1`, `:name`, `@p1`),
 * `IN (…)`/`VALUES (…), (…)` lists, whitespace and keyword case are normalized.
 *
 * @example statementShape("select * from t where id = 42") // "SELECT * FROM t WHERE id = ?"
 */
export function statementShape(statement: string): string {
  let s = stripComments(statement);
  s = s.replace(/'(?:[^']|'')*'/g, '?'); // string literals
  s = s.replace(/\$\d+|\$[a-zA-Z_]\w*|(?<![:\w]):[a-zA-Z_]\w*|@[a-zA-Z_]\w*/g, '?'); // placeholders
  s = s.replace(/(?<![\w$.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?'); // numbers
  s = s.replace(/\b(true|false|null)\b/gi, (m) => m.toUpperCase());
  s = s.replace(/\s*(<>|!=|<=|>=|=|<|>)\s*/g, ' $1 '); // spacing around comparisons
  s = s
    .replace(/\s*,\s*/g, ', ')
    .replace(/\(\s*/g, '(')
    .replace(/\s*\)/g, ')');
  s = s.replace(/\s+/g, ' ').trim();
  s = s.replace(/\(\s*\?(?:\s*,\s*\?)*\s*\)/g, '(?)'); // IN (?, ?, ?) → IN (?)
  s = s.replace(/(\(\?\))(?:\s*,\s*\(\?\))+/g, '$1'); // VALUES (?), (?) → VALUES (?)
  s = s.replace(/\s*;\s*$/, '');
  return s.replace(/\b[a-zA-Z_]+\b/g, (word) =>
    SQL_KEYWORDS.has(word.toLowerCase()) ? word.toUpperCase() : word,
  );
}

const SQL_KEYWORDS = new Set(
  (
    'select from where and or not in is null like ilike between insert into values update set delete ' +
    'join inner left right outer full cross on group by order having limit offset as distinct union all ' +
    'with returning case when then else end exists asc desc begin commit rollback savepoint release ' +
    'create table drop alter index primary key references default count sum min max avg for share ' +
    'nowait skip locked conflict do nothing replace pragma'
  ).split(' '),
);
