import { describe, expect, it } from 'vitest';
import { isTransactionControl, statementKind, statementShape } from '../../../src/measure/sql.js';

describe('statement shapes', () => {
  it('masks literals and placeholders of every driver style', () => {
    expect(statementShape("select * from users where email = 'a@b.c' and age > 30")).toBe(
      'SELECT * FROM users WHERE email = ? AND age > ?',
    );
    expect(
      statementShape('SELECT * FROM t WHERE a = $1 AND b = :name AND c = @p1 AND d = ? AND e = $id'),
    ).toBe('SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND d = ? AND e = ?');
    expect(statementShape("select 'it''s' as x")).toBe('SELECT ? AS x');
  });

  it('folds IN lists, multi-row VALUES, whitespace, case and comments', () => {
    expect(statementShape('select * from t where id in (1,2,3)')).toBe('SELECT * FROM t WHERE id IN (?)');
    expect(statementShape('insert into t (a, b) values (1, 2), (3, 4)')).toBe(
      'INSERT INTO t (a, b) VALUES (?)',
    );
    expect(statementShape('select  *\n  from t -- why\n where id=1 /* hint */;')).toBe(
      'SELECT * FROM t WHERE id = ?',
    );
  });

  it('keeps identifiers with digits and casts intact', () => {
    expect(statementShape('select t1.c2 from t1 where x::int = 5')).toBe(
      'SELECT t1.c2 FROM t1 WHERE x::int = ?',
    );
  });

  it('classifies statements, CTEs by their main statement', () => {
    expect(statementKind('  SELECT 1')).toBe('select');
    expect(statementKind('/* x */ insert into t values (1)')).toBe('insert');
    expect(statementKind('REPLACE INTO t VALUES (1)')).toBe('insert');
    expect(statementKind('with a as (select 1) update t set x = 1')).toBe('update');
    expect(statementKind('with a as (delete from t returning *) select * from a')).toBe('select');
    expect(statementKind('PRAGMA foreign_keys = ON')).toBe('other');
  });

  it('recognizes transaction control', () => {
    for (const sql of [
      'BEGIN',
      'begin transaction',
      'START TRANSACTION',
      'COMMIT',
      'rollback',
      'SAVEPOINT a',
      'RELEASE a',
      'END',
    ]) {
      expect(isTransactionControl(sql), sql).toBe(true);
    }
    for (const sql of ['select 1', 'beginning', 'update t set committed = 1']) {
      expect(isTransactionControl(sql), sql).toBe(false);
    }
  });
});
