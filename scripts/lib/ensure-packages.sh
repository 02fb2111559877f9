# Installs the apt packages fs needs when any is missing: SQLite and RocksDB headers, pkg-config,
# redis-server (the Redis tests start their own servers and cluster) and postgresql (the PostgreSQL
# tests initdb and start throwaway clusters; Debian puts initdb and postgres in
# /usr/lib/postgresql/N/bin, off PATH, where the tests look for them).
ensure_packages() {
    local needed=(librocksdb-dev libsqlite3-dev pkg-config redis-server postgresql)
    local missing=()
    for package in "${needed[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing ${missing[*]} ..."
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}
