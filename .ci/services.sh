#!/usr/bin/env bash
# Installs and starts the system databases the integration tests use, on loopback only:
# PostgreSQL 15 (with pg_stat_statements, for the query-count oracle), Redis and MariaDB.
# Writes their URLs to .ci-out/services.env. Safe to run twice. Needs root (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .ci-out
export DEBIAN_FRONTEND=noninteractive

if ! command -v redis-server >/dev/null || ! command -v mariadbd >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq postgresql postgresql-contrib redis-server mariadb-server >/dev/null
fi

# PostgreSQL: one cluster on 127.0.0.1:5432, password auth, pg_stat_statements loaded.
PGVER=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^${PGVER} main"; then
  pg_createcluster "$PGVER" main >/dev/null
fi
CONF=/etc/postgresql/$PGVER/main/postgresql.conf
grep -q "^shared_preload_libraries = 'pg_stat_statements'" "$CONF" || {
  echo "shared_preload_libraries = 'pg_stat_statements'" >>"$CONF"
  echo "pg_stat_statements.track = all" >>"$CONF"
  echo "listen_addresses = '127.0.0.1'" >>"$CONF"
}
pg_ctlcluster "$PGVER" main restart || pg_ctlcluster "$PGVER" main start
for i in $(seq 1 30); do pg_isready -h 127.0.0.1 -q && break; sleep 0.5; done
su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
su postgres -c "psql -q -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements'" >/dev/null

# Redis on 127.0.0.1:6379, no persistence.
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >/dev/null
  for i in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi

# MariaDB on 127.0.0.1:3306, a user and a database for the tests.
if ! mysqladmin -h 127.0.0.1 --protocol=tcp ping >/dev/null 2>&1; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  (mysqld_safe --bind-address=127.0.0.1 --port=3306 >/dev/null 2>&1 &)
  for i in $(seq 1 60); do mysqladmin ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
mysql -e "CREATE DATABASE IF NOT EXISTS headroom; CREATE USER IF NOT EXISTS 'headroom'@'127.0.0.1' IDENTIFIED BY 'headroom'; GRANT ALL ON headroom.* TO 'headroom'@'127.0.0.1'; FLUSH PRIVILEGES;"

cat >.ci-out/services.env <<ENV
HEADROOM_PG_URL=postgresql://postgres:postgres@127.0.0.1:5432/postgres
HEADROOM_REDIS_URL=redis://127.0.0.1:6379
HEADROOM_MYSQL_URL=mysql://headroom:headroom@127.0.0.1:3306/headroom
ENV
echo "services up: PostgreSQL $PGVER, $(redis-server --version | cut -d' ' -f3), MariaDB $(mysql -N -e 'select version()')"
