//! The `[clinic_store]` table of the clinic settings, checked with file:line:col messages: the
//! server's URL (no password in it), where the password comes from (`password_file`, mode 0600,
//! else libpq's `PGPASSFILE` / `~/.pgpass`), TLS (`sslmode=verify-full` with the clinic's CA in
//! `ca_file`; `sslmode=disable` only for a server on this machine), and the `site` and `device`
//! names stamped on every record. It reads files' metadata, never prints a password.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use serde::Deserialize;
use serde_spanned::Spanned;

use crate::diag::Diagnostic;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClinicStore {
    url: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    ca_file: Option<Spanned<String>>,
    site: Option<Spanned<String>>,
    device: Option<Spanned<String>>,
    retry_max_seconds: Option<Spanned<f64>>,
}

/// How the connection is protected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// TLS, with the server's certificate checked against the clinic's CA and its name against
    /// the host in the URL (libpq's `sslmode=verify-full`).
    VerifyFull { ca_file: PathBuf },
    /// Plain TCP or a Unix socket: only for a server on this machine.
    Off,
}

/// Where the password comes from. It is read when connecting, never kept in settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// A file holding only the password (mode 0600).
    File(PathBuf),
    /// A libpq password file (`host:port:database:user:password` lines).
    PgPass(PathBuf),
    /// No password (certificate or peer authentication, or none needed).
    None,
}

/// Checked `[clinic_store]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ClinicSettings {
    /// The URL as written, without `sslmode` (it never holds a password).
    pub url: String,
    pub tls: Tls,
    pub password: PasswordSource,
    pub site: String,
    pub device: String,
    /// The longest wait between two delivery attempts (backoff doubles up to this).
    pub retry_max: Duration,
}

/// A URL split into what `postgres` parses and the TLS choice it cannot express.
pub struct ParsedUrl {
    pub config: postgres::Config,
    /// `sslmode` as written (`verify-full` when absent).
    pub sslmode: String,
}

/// Parses a `postgresql://user@host:port/db?sslmode=...` URL. Errors say what is wrong in plain
/// words and never repeat a password.
pub fn parse_url(url: &str) -> Result<ParsedUrl, String> {
    if !(url.starts_with("postgresql://") || url.starts_with("postgres://")) {
        return Err("the URL must start with postgresql://".into());
    }
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut sslmode = "verify-full".to_owned();
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", v)) => v.clone_into(&mut sslmode),
            Some(("sslrootcert", _)) => {
                return Err("give the clinic's CA as `ca_file`, not in the URL".into());
            }
            Some(("password", _)) => {
                return Err(
                    "the URL must not hold a password; use `password_file` or PGPASSFILE".into(),
                );
            }
            _ => rest.push(pair),
        }
    }
    let cleaned = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    let config: postgres::Config = cleaned.parse().map_err(|e: postgres::Error| {
        // The parser's message names the part it did not understand, not its value.
        format!("the URL does not parse: {e}")
    })?;
    if config.get_password().is_some() {
        return Err("the URL must not hold a password; use `password_file` or PGPASSFILE".into());
    }
    if config.get_user().is_none() {
        return Err(
            "the URL must name the database user, like postgresql://kiosk1@host/triage".into(),
        );
    }
    if config.get_hosts().is_empty() {
        return Err(
            "the URL must name the server, like postgresql://kiosk1@db.clinic.lan/triage".into(),
        );
    }
    if !matches!(sslmode.as_str(), "verify-full" | "disable") {
        return Err(format!(
            "sslmode `{}` is not supported: use verify-full (the default) or, for a server on this machine, disable",
            crate::text::escape(&sslmode)
        ));
    }
    Ok(ParsedUrl { config, sslmode })
}

/// Whether every host in the URL is this machine (loopback address or Unix socket).
pub fn is_local(config: &postgres::Config) -> bool {
    config.get_hosts().iter().all(|h| match h {
        postgres::config::Host::Tcp(name) => {
            name == "localhost"
                || name
                    .trim_matches(|c| c == '[' || c == ']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        postgres::config::Host::Unix(_) => true,
    })
}

/// Checks that a password file is a regular file that only its owner can read (no group or
/// other permission bits), or says why not.
pub fn private_file(path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read it: {e}"))?;
    if !meta.is_file() {
        return Err("it is not a file".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(format!(
                "its mode is {mode:04o}; others could read the password (chmod 600 it)"
            ));
        }
    }
    Ok(())
}

/// libpq's password file: `PGPASSFILE`, else `~/.pgpass`, if it exists.
pub fn default_pgpass() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PGPASSFILE") {
        return Some(PathBuf::from(p));
    }
    let home = directories::BaseDirs::new()?.home_dir().join(".pgpass");
    home.is_file().then_some(home)
}

/// Checks the `[clinic_store]` table. Relative paths are taken from `base`.
pub fn check(
    raw: &Spanned<RawClinicStore>,
    base: &Path,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Option<ClinicSettings> {
    let table = raw.span();
    let raw = raw.get_ref();
    let before = errors.len();
    let missing = |name: &str, example: &str, errors: &mut Vec<Diagnostic>, span: Range<usize>| {
        errors.push(
            Diagnostic::error(format!("`[clinic_store]` needs `{name}`"))
                .at(span, "in this table")
                .help(format!("for example {name} = {example}")),
        );
    };
    let parsed = match &raw.url {
        None => {
            missing(
                "url",
                "\"postgresql://kiosk1@db.clinic.lan/triage\"",
                errors,
                table.clone(),
            );
            None
        }
        Some(u) => match parse_url(u.get_ref()) {
            Ok(p) => Some((p, u)),
            // Pointing at the line would print the password again: name the key instead.
            Err(why) if why.contains("password") => {
                errors.push(
                    Diagnostic::error(format!("`[clinic_store]` `url`: {why}"))
                        .help("remove the password from the URL and put it in a file of its own"),
                );
                None
            }
            Err(why) => {
                errors.push(Diagnostic::error(why).at(u.span(), "this URL"));
                None
            }
        },
    };
    let tls = match &parsed {
        Some((p, u)) if p.sslmode == "disable" => {
            if !is_local(&p.config) {
                errors.push(
                    Diagnostic::error("TLS can only be turned off for a server on this machine")
                        .at(u.span(), "sslmode=disable to another machine")
                        .help("remove sslmode=disable and set `ca_file` to the clinic's CA certificate"),
                );
            }
            Some(Tls::Off)
        }
        Some(_) => match &raw.ca_file {
            None => {
                missing(
                    "ca_file",
                    "\"/etc/triage/clinic-ca.pem\"",
                    errors,
                    table.clone(),
                );
                None
            }
            Some(c) => {
                let path = base.join(c.get_ref());
                match read_ca(&path) {
                    Ok(_) => Some(Tls::VerifyFull { ca_file: path }),
                    Err(why) => {
                        errors.push(
                            Diagnostic::error(format!("`ca_file`: {why}"))
                                .at(c.span(), "this file"),
                        );
                        None
                    }
                }
            }
        },
        None => None,
    };
    let password = match &raw.password_file {
        Some(p) => {
            let path = base.join(p.get_ref());
            if let Err(why) = private_file(&path) {
                errors.push(
                    Diagnostic::error(format!("`password_file` cannot be used: {why}"))
                        .at(p.span(), "this file"),
                );
            }
            PasswordSource::File(path)
        }
        None => {
            if let Some(path) = default_pgpass() {
                if let Err(why) = private_file(&path) {
                    errors.push(
                        Diagnostic::error(format!(
                            "the password file {} cannot be used: {why}",
                            crate::text::escape(&path.display().to_string())
                        ))
                        .at(
                            table.clone(),
                            "no password_file here, so PGPASSFILE is used",
                        ),
                    );
                }
                PasswordSource::PgPass(path)
            } else {
                warnings.push(
                Diagnostic::warning("no password: neither `password_file` nor PGPASSFILE is set")
                    .at(table.clone(), "in this table")
                    .help("set password_file = \"/etc/triage/clinic-store.pass\" (mode 0600), unless the server needs none"),
            );
                PasswordSource::None
            }
        }
    };
    let mut name = |v: &Option<Spanned<String>>, key: &str, example: &str| match v {
        None => {
            missing(key, example, errors, table.clone());
            None
        }
        Some(s) => {
            let ok = !s.get_ref().is_empty()
                && s.get_ref().len() <= 64
                && s.get_ref()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
            if ok {
                Some(s.get_ref().clone())
            } else {
                errors.push(
                    Diagnostic::error(format!(
                        "`{key}` must be 1 to 64 letters, digits, dots, dashes or underscores"
                    ))
                    .at(s.span(), "this name"),
                );
                None
            }
        }
    };
    let site = name(&raw.site, "site", "\"riverside\"");
    let device = name(&raw.device, "device", "\"kiosk-1\"");
    let mut retry_max = Duration::from_mins(1);
    if let Some(r) = &raw.retry_max_seconds {
        let v = *r.get_ref();
        if v.is_finite() && (0.1..=3600.0).contains(&v) {
            retry_max = Duration::from_secs_f64(v);
        } else {
            errors.push(
                Diagnostic::error("`retry_max_seconds` must be from 0.1 to 3600")
                    .at(r.span(), "out of range"),
            );
        }
    }
    if errors.len() > before {
        return None;
    }
    Some(ClinicSettings {
        url: parsed.map(|(_, u)| strip_sslmode(u.get_ref()))?,
        tls: tls?,
        password,
        site: site?,
        device: device?,
        retry_max,
    })
}

/// The URL without its `sslmode` parameter (kept apart in [`Tls`]).
fn strip_sslmode(url: &str) -> String {
    match url.split_once('?') {
        None => url.to_owned(),
        Some((base, q)) => {
            let rest: Vec<&str> = q
                .split('&')
                .filter(|p| !p.is_empty() && !p.starts_with("sslmode="))
                .collect();
            if rest.is_empty() {
                base.to_owned()
            } else {
                format!("{base}?{}", rest.join("&"))
            }
        }
    }
}

/// Reads the CA certificates (PEM) that the clinic's server certificate must chain to.
pub fn read_ca(path: &Path) -> Result<rustls::RootCertStore, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut roots = rustls::RootCertStore::empty();
    let mut n = 0;
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        let cert = cert.map_err(|_| format!("{} is not a PEM certificate file", path.display()))?;
        roots
            .add(cert)
            .map_err(|e| format!("{}: a certificate is not usable: {e}", path.display()))?;
        n += 1;
    }
    if n == 0 {
        return Err(format!(
            "{} holds no certificate (expected -----BEGIN CERTIFICATE-----)",
            path.display()
        ));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// URLs with a password, an unknown sslmode or no user are refused; sslmode is split off.
    #[test]
    fn urls() {
        let p = parse_url("postgresql://kiosk1@db.clinic.lan:5433/triage?sslmode=disable")
            .expect("parses");
        assert_eq!(p.sslmode, "disable");
        assert!(!is_local(&p.config));
        assert!(is_local(
            &parse_url("postgresql://k@127.0.0.1/t")
                .expect("parses")
                .config
        ));
        assert_eq!(
            parse_url("postgresql://k@localhost/t").expect("p").sslmode,
            "verify-full"
        );
        let e = parse_url("postgresql://kiosk1:secret@db/triage")
            .err()
            .expect("refused");
        assert!(
            e.contains("must not hold a password") && !e.contains("secret"),
            "{e}"
        );
        assert!(parse_url("postgresql://db/triage").is_err());
        assert!(parse_url("postgresql://k@db/t?sslmode=prefer").is_err());
        assert!(parse_url("host=db user=k").is_err());
        assert_eq!(
            strip_sslmode("postgresql://k@h/t?sslmode=disable&application_name=x"),
            "postgresql://k@h/t?application_name=x"
        );
    }
}
