#!/usr/bin/env bash
# Debian packages the integration tests need: PostgreSQL (initdb/pg_ctl), MariaDB, Chromium + chromedriver.
# Idempotent; a no-op when both are present. Needs root (CI and these machines run as root).
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || need+=(postgresql)
command -v mariadbd >/dev/null || need+=(mariadb-server)
# the web UI's browser tests: headless Chromium driven by Selenium through chromedriver
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install_services: need ${need[*]} (run as root: apt-get install ${need[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 || {
  apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
}
# the Debian package starts its own server; ours run from scripts/services.py
(service mariadb stop || true) >/dev/null 2>&1
(service postgresql stop || true) >/dev/null 2>&1
