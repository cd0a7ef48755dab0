#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 (user postgres, trust auth), starting
# the local Debian cluster if it is installed but down. Exits non-zero when none can be had.
set -u
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || python3 - <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", 5432)) == 0 else 1)
PY
}
if ready; then exit 0; fi
if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "starting PostgreSQL $version cluster 'main'" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing PostgreSQL from Debian packages" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  sed -i 's/^\(host.*all.*all.*127.0.0.1\/32\s*\)\S*$/\1trust/; s/^\(local\s*all\s*postgres\s*\)\S*$/\1trust/' \
    "/etc/postgresql/$version/main/pg_hba.conf"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2
exit 1
