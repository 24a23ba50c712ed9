//! Connecting to the clinic store: the password from its file (read at connect time, never kept
//! or printed), TLS through rustls with only the clinic's CA trusted and the host name checked,
//! and timeouts so that a dead network fails an attempt instead of hanging it (connect 5 s, TCP
//! keepalives, unacknowledged data 15 s, statements 30 s). Errors are plain and never carry a password or a value
//! from a record.

use std::sync::Arc;
use std::time::Duration;

use postgres::config::{Host, SslMode};

use super::ClinicError;
use super::settings::{ClinicSettings, PasswordSource, Tls, parse_url, read_ca};

/// How long one connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one statement of a device or reader may run on the server.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// The password for `config`'s user, host, port and database, from the configured source.
fn password(
    source: &PasswordSource,
    config: &postgres::Config,
) -> Result<Option<String>, ClinicError> {
    match source {
        PasswordSource::None => Ok(None),
        PasswordSource::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ClinicError::Settings(format!(
                    "cannot read the password file {}: {e}",
                    path.display()
                ))
            })?;
            let line = text.lines().next().unwrap_or("").trim_end_matches('\r');
            if line.is_empty() {
                return Err(ClinicError::Settings(format!(
                    "the password file {} is empty",
                    path.display()
                )));
            }
            Ok(Some(line.to_owned()))
        }
        PasswordSource::PgPass(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ClinicError::Settings(format!(
                    "cannot read the password file {}: {e}",
                    path.display()
                ))
            })?;
            let host = match config.get_hosts().first() {
                Some(Host::Tcp(h)) => h.clone(),
                #[cfg(unix)]
                Some(Host::Unix(_)) => "localhost".to_owned(),
                None => String::new(),
            };
            let port = config.get_ports().first().copied().unwrap_or(5432);
            let user = config.get_user().unwrap_or_default();
            let db = config.get_dbname().unwrap_or(user);
            Ok(pgpass_lookup(&text, &host, port, db, user))
        }
    }
}

/// Finds the password in a libpq password file: the first line whose
/// `hostname:port:database:username` fields match (`*` matches anything; `\:` and `\\` escape).
pub fn pgpass_lookup(text: &str, host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let port = port.to_string();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = Vec::new();
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                }
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        let matches = |f: &str, v: &str| f == "*" || f == v;
        if let [h, p, d, u] = fields.as_slice()
            && matches(h, host)
            && matches(p, &port)
            && matches(d, db)
            && matches(u, user)
        {
            return Some(cur);
        }
    }
    None
}

/// The `postgres` configuration for the clinic store (password included, so never print it).
pub fn client_config(s: &ClinicSettings) -> Result<postgres::Config, ClinicError> {
    let mut config = config_for(&s.url, &s.password)?;
    if config.get_options().is_none() {
        // A server that is up but stuck (a lock) ends the statement instead of holding delivery.
        config.options(&format!(
            "-c statement_timeout={}",
            STATEMENT_TIMEOUT.as_millis()
        ));
    }
    Ok(config)
}

/// The `postgres` configuration for a URL and a password source, with the timeouts above.
pub fn config_for(url: &str, source: &PasswordSource) -> Result<postgres::Config, ClinicError> {
    let mut config = parse_url(url).map_err(ClinicError::Settings)?.config;
    if let Some(p) = password(source, &config)? {
        config.password(p);
    }
    config
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10))
        .keepalives_interval(Duration::from_secs(5))
        .keepalives_retries(2)
        .tcp_user_timeout(Duration::from_secs(15));
    if config.get_application_name().is_none() {
        config.application_name("triage");
    }
    Ok(config)
}

/// Opens a connection to the clinic store.
pub fn connect(s: &ClinicSettings) -> Result<postgres::Client, ClinicError> {
    let mut config = client_config(s)?;
    connect_with(&mut config, &s.tls)
}

/// Opens a connection with a ready configuration and a TLS choice.
pub fn connect_with(
    config: &mut postgres::Config,
    tls: &Tls,
) -> Result<postgres::Client, ClinicError> {
    match tls {
        Tls::Off => {
            config.ssl_mode(SslMode::Disable);
            config
                .connect(postgres::NoTls)
                .map_err(|e| ClinicError::from_pg(&e))
        }
        Tls::VerifyFull { ca_file } => {
            let roots = read_ca(ca_file).map_err(ClinicError::Settings)?;
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let tls_config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| ClinicError::Settings(format!("TLS setup failed: {e}")))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            config.ssl_mode(SslMode::Require);
            config
                .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls_config))
                .map_err(|e| ClinicError::from_pg(&e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The password file format of libpq: first match wins, wildcards and escapes work.
    #[test]
    fn pgpass() {
        let text = "# comment\n\
                    other:5432:*:kiosk1:nope\n\
                    db.clinic.lan:5432:triage:kiosk1:pa\\:ss\\\\word\n\
                    *:*:*:*:fallback\n";
        assert_eq!(
            pgpass_lookup(text, "db.clinic.lan", 5432, "triage", "kiosk1").as_deref(),
            Some("pa:ss\\word")
        );
        assert_eq!(
            pgpass_lookup(text, "db.clinic.lan", 6543, "triage", "kiosk1").as_deref(),
            Some("fallback")
        );
        assert_eq!(pgpass_lookup("a:b:c\n", "a", 1, "c", "d"), None);
    }
}
