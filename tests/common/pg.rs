//! A throwaway PostgreSQL server for tests and benchmarks: `initdb` and `pg_ctl` in a temporary
//! directory, a free port on 127.0.0.1, SCRAM passwords, no Unix socket, stopped (immediately)
//! and removed when dropped. initdb refuses to run as root, so as root the cluster runs as the
//! `postgres` user (Debian's package makes it) or else `nobody`, through `runuser`.
//!
//! Without server binaries a test prints "skipped: no PostgreSQL server binaries (initdb)
//! found" and returns; with `TRIAGE_REQUIRE_PG` set (CI), that is a failure instead.

use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

pub const ADMIN: &str = "triage_admin";
pub const ADMIN_PASSWORD: &str = "admin-pw-for-tests-only";
pub const SKIPPED: &str = "skipped: no PostgreSQL server binaries (initdb) found";

/// Whether a missing server must fail the test (CI sets `TRIAGE_REQUIRE_PG=1`).
pub fn required() -> bool {
    std::env::var("TRIAGE_REQUIRE_PG").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The directory holding `initdb` and `pg_ctl`: `TRIAGE_PG_BIN`, else `initdb` on PATH, else
/// the newest `/usr/lib/postgresql/*/bin` (Debian keeps the server binaries there).
pub fn find_bin() -> Option<PathBuf> {
    let ok = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(d) = std::env::var_os("TRIAGE_PG_BIN").map(PathBuf::from) {
        return ok(&d).then_some(d);
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for p in std::env::split_paths(&paths) {
            if ok(&p) {
                return Some(p);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            ok(&bin).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b)
}

/// TLS files for the server (PEM).
pub struct ServerTls {
    pub cert: String,
    pub key: String,
}

pub struct Pg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// Set when the tests run as root: the user the cluster runs as.
    run_as: Option<String>,
    pub port: u16,
    /// The administrator's password in a file of its own (0600), owned by the test.
    pub admin_password_file: PathBuf,
    files: tempfile::TempDir,
}

fn id_of(user: &str, flag: &str) -> Option<u32> {
    let out = Command::new("id").args([flag, user]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Pg {
    /// Starts a server, or returns `None` after printing why the test is skipped.
    pub fn start() -> Option<Pg> {
        Self::start_with(None)
    }

    /// Starts a server; with `tls`, connections other than the administrator's must use TLS.
    pub fn start_with(tls: Option<&ServerTls>) -> Option<Pg> {
        let Some(bin) = find_bin() else {
            assert!(
                !required(),
                "TRIAGE_REQUIRE_PG is set, but {}",
                &SKIPPED[9..]
            );
            // Straight to stderr, past the test harness's capture, so a skip is always seen.
            let _ = writeln!(std::io::stderr(), "{SKIPPED}");
            return None;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let files = tempfile::tempdir().expect("tempdir");
        let root = std::fs::metadata(dir.path()).expect("meta").uid() == 0;
        let run_as = if root {
            let user = ["postgres", "nobody"]
                .into_iter()
                .find(|u| id_of(u, "-u").is_some())
                .expect("running as root, and there is neither a `postgres` nor a `nobody` user to run PostgreSQL as");
            Some(user.to_owned())
        } else {
            None
        };
        let admin_password_file = files.path().join("admin.pass");
        write_private(&admin_password_file, ADMIN_PASSWORD);
        let pw = dir.path().join("pw");
        write_private(&pw, ADMIN_PASSWORD);
        let pg = Pg {
            dir,
            bin,
            run_as,
            port: free_port(),
            admin_password_file,
            files,
        };
        pg.own(pg.dir.path());
        pg.own(&pw);
        let data = pg.data();
        let out = pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().expect("utf-8 path"),
                "--auth=scram-sha-256",
                &format!("--username={ADMIN}"),
                &format!("--pwfile={}", pw.display()),
                "--encoding=UTF8",
                "--locale=C",
                "-N",
            ],
        );
        assert!(out.status.success(), "initdb failed: {}", show(&out));
        let mut conf = format!(
            "\nport = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n\
             fsync = off\nfull_page_writes = off\nmax_connections = 60\nshared_buffers = 32MB\n",
            pg.port
        );
        if let Some(t) = tls {
            for (name, text) in [("server.crt", &t.cert), ("server.key", &t.key)] {
                let p = data.join(name);
                write_private(&p, text);
                pg.own(&p);
            }
            conf.push_str("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
            std::fs::write(
                data.join("pg_hba.conf"),
                format!(
                    "hostnossl all {ADMIN} 127.0.0.1/32 scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n"
                ),
            )
            .expect("pg_hba.conf");
        }
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .expect("postgresql.conf");
        f.write_all(conf.as_bytes()).expect("write conf");
        drop(f);
        pg.start_again();
        Some(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A directory for the test's own files (configs, data directories).
    pub fn files(&self) -> &Path {
        self.files.path()
    }

    fn own(&self, path: &Path) {
        if let Some(user) = &self.run_as {
            let uid = id_of(user, "-u");
            let gid = id_of(user, "-g");
            std::os::unix::fs::chown(path, uid, gid).expect("chown for the server's user");
        }
    }

    fn run(&self, tool: &str, args: &[&str]) -> Output {
        let program = self.bin.join(tool);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("PGDATA")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
    }

    /// Starts (again) and waits until it accepts connections.
    pub fn start_again(&self) {
        let data = self.data();
        let log = self.dir.path().join("server.log");
        let out = self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().expect("utf-8 path"),
                "-l",
                log.to_str().expect("utf-8 path"),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            show(&out),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// `pg_ctl stop -m immediate`: like a crash, no shutdown checkpoint.
    pub fn stop_immediate(&self) {
        let data = self.data();
        let out = self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().expect("utf-8 path"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        assert!(out.status.success(), "pg_ctl stop failed: {}", show(&out));
    }

    /// A URL for `user` on database `db` over plain TCP (the server is on this machine).
    pub fn url(&self, user: &str, db: &str) -> String {
        format!(
            "postgresql://{user}@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    pub fn connect(
        &self,
        user: &str,
        password: &str,
        db: &str,
    ) -> Result<postgres::Client, postgres::Error> {
        let mut c = postgres::Config::new();
        c.host("127.0.0.1")
            .port(self.port)
            .user(user)
            .password(password)
            .dbname(db)
            .connect_timeout(Duration::from_secs(10));
        c.connect(postgres::NoTls)
    }

    /// The administrator's connection to `db`.
    pub fn admin(&self, db: &str) -> postgres::Client {
        self.connect(ADMIN, ADMIN_PASSWORD, db)
            .unwrap_or_else(|e| panic!("admin connection: {e}"))
    }

    /// Creates a login role in `group` with `password`.
    pub fn login(&self, name: &str, password: &str, group: &str) {
        self.admin("postgres")
            .batch_execute(&format!(
                "CREATE ROLE {name} LOGIN PASSWORD '{password}' IN ROLE {group}"
            ))
            .unwrap_or_else(|e| panic!("create role {name}: {e}"));
    }
}

impl Pg {
    /// Creates the `triage` database and its clinic store schema with `triage store init` (as
    /// the administrator); returns what it printed.
    pub fn store_init(&self) -> String {
        self.admin("postgres")
            .batch_execute("CREATE DATABASE triage")
            .expect("create database");
        let out = Command::new(assert_cmd::cargo::cargo_bin("triage"))
            .env_remove("PGPASSFILE")
            .args(["store", "init", "--url", &self.url(ADMIN, "triage")])
            .arg("--password-file")
            .arg(&self.admin_password_file)
            .output()
            .expect("runs");
        assert!(out.status.success(), "store init: {}", show(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `triage store allow-decisions` as the administrator, with the clinic settings in
    /// `settings` (TOML with the `[[prescriber]]` list), for `login` and `prescribers`; `extra`
    /// arguments (e.g. `--revoke`). Returns the exit status, stdout and stderr.
    pub fn allow_decisions_with(
        &self,
        settings: &str,
        login: &str,
        prescribers: &[&str],
        extra: &[&str],
    ) -> (Option<i32>, String, String) {
        let file = self.files().join(format!("allow-{login}.toml"));
        std::fs::write(&file, settings).expect("settings");
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("triage"));
        cmd.env_remove("PGPASSFILE")
            .arg("--config")
            .arg(&file)
            .args([
                "store",
                "allow-decisions",
                "--url",
                &self.url(ADMIN, "triage"),
            ])
            .arg("--password-file")
            .arg(&self.admin_password_file)
            .args(["--login", login])
            .args(extra);
        for p in prescribers {
            cmd.args(["--prescriber", p]);
        }
        let out = cmd.output().expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Lets `login` sign the inbox's decisions as `prescribers` of `settings`; returns stdout.
    pub fn allow_decisions(&self, settings: &str, login: &str, prescribers: &[&str]) -> String {
        let (code, out, err) = self.allow_decisions_with(settings, login, prescribers, &[]);
        assert_eq!(code, Some(0), "allow-decisions: {out}{err}");
        out
    }

    /// A machine: a data directory and clinic settings (`extra`, then a `[clinic_store]` at
    /// `url` as `user` with password `USER-pw` in a 0600 file, `site`, device `name`).
    pub fn machine_at(
        &self,
        name: &str,
        user: &str,
        site: &str,
        url: &str,
        extra: &str,
    ) -> (PathBuf, PathBuf) {
        let data = self.files().join(name);
        std::fs::create_dir_all(&data).expect("data dir");
        let pass = self.files().join(format!("{name}.pass"));
        write_private(&pass, &format!("{user}-pw"));
        let config = self.files().join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!(
                "{extra}\n[clinic_store]\nurl = \"{url}\"\npassword_file = \"{}\"\nsite = \"{site}\"\ndevice = \"{name}\"\nretry_max_seconds = 1\n",
                pass.display()
            ),
        )
        .expect("config");
        (data, config)
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "stop",
            ],
        );
    }
}

/// Writes a file with mode 0600.
pub fn write_private(path: &Path, text: &str) {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    f.write_all(text.as_bytes()).expect("write");
}

fn show(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
