//! The staff PIN: stored as an argon2id hash (19 MiB, 2 passes) in the data directory (0600),
//! checked with a limited number of attempts, a delay that doubles after each wrong PIN, and a
//! lockout. The attempt counter lives on disk (written atomically), so a restart or a kill does
//! not reset it. Prescribers' PINs (the doctor's inbox) use the same hash and rules, each in
//! files of its own ([`PinFiles::prescriber`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::store::write_atomic;

pub const PIN_FILE: &str = "staff_pin";
pub const ATTEMPTS_FILE: &str = "pin_attempts.json";

/// Memory (KiB) and passes for argon2id: OWASP's minimum recommendation.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("the PIN must be 4 to 32 characters with no spaces")]
    BadPin,
    #[error("the two PINs do not match")]
    Mismatch,
    #[error("no staff PIN is set; set one with `triage pin set`")]
    NotSet,
    #[error("the staff PIN file is damaged; set the PIN again with `triage pin set`")]
    Damaged,
    #[error("cannot read or write the PIN files: {0}")]
    Io(#[from] std::io::Error),
}

/// How PIN attempts are limited.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub attempts: u32,
    pub lockout: Duration,
    pub delay: Duration,
}

/// The result of checking a PIN.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Right,
    Wrong {
        left: u32,
        retry_at: Timestamp,
    },
    Locked {
        until: Timestamp,
    },
    /// Too soon after a wrong PIN: not checked.
    TooSoon {
        retry_at: Timestamp,
    },
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Attempts {
    failures: u32,
    retry_at: Option<Timestamp>,
    locked_until: Option<Timestamp>,
}

fn argon() -> Result<Argon2<'static>, PinError> {
    let params = Params::new(MEMORY_KIB, PASSES, 1, None).map_err(|_| PinError::Damaged)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Where one PIN's hash and attempt counter live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinFiles {
    pub hash: PathBuf,
    pub attempts: PathBuf,
}

/// The folder of prescribers' PIN files inside the data directory.
pub const PRESCRIBER_DIR: &str = "prescribers";

impl PinFiles {
    /// The staff PIN's files in the data directory.
    pub fn staff(dir: &Path) -> PinFiles {
        PinFiles {
            hash: dir.join(PIN_FILE),
            attempts: dir.join(ATTEMPTS_FILE),
        }
    }

    /// A prescriber's PIN files: `prescribers/ID.pin` and `prescribers/ID.attempts.json`. The id
    /// is checked by the clinic settings (letters, digits, dashes, underscores).
    pub fn prescriber(dir: &Path, id: &str) -> PinFiles {
        let d = dir.join(PRESCRIBER_DIR);
        PinFiles {
            hash: d.join(format!("{id}.pin")),
            attempts: d.join(format!("{id}.attempts.json")),
        }
    }
}

fn valid(pin: &str) -> bool {
    (4..=32).contains(&pin.chars().count())
        && !pin.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Stores a new staff PIN (hash only) and clears the attempt counter.
pub fn set_pin(dir: &Path, pin: &str) -> Result<(), PinError> {
    crate::store::ensure_private_dir(dir)?;
    set_pin_in(&PinFiles::staff(dir), pin)
}

/// Stores a new PIN (hash only) in `files` (their folder must exist, private) and clears its
/// attempt counter.
pub fn set_pin_in(files: &PinFiles, pin: &str) -> Result<(), PinError> {
    if !valid(pin) {
        return Err(PinError::BadPin);
    }
    let hash = argon().and_then(|a| {
        a.hash_password(pin.as_bytes())
            .map_err(|_| PinError::Damaged)
    })?;
    write_atomic(&files.hash, hash.to_string().as_bytes())?;
    write_atomic(
        &files.attempts,
        &serde_json::to_vec(&Attempts::default()).unwrap_or_default(),
    )?;
    Ok(())
}

pub fn is_set(dir: &Path) -> bool {
    PinFiles::staff(dir).hash.is_file()
}

fn load_attempts(files: &PinFiles) -> Attempts {
    std::fs::read(&files.attempts)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// When the staff PIN is locked, until when.
pub fn locked_until(dir: &Path, now: Timestamp) -> Option<Timestamp> {
    load_attempts(&PinFiles::staff(dir))
        .locked_until
        .filter(|u| *u > now)
}

fn after(now: Timestamp, d: Duration) -> Timestamp {
    now.checked_add(SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX))
        .unwrap_or(Timestamp::MAX)
}

/// Checks the staff PIN under the policy, recording the attempt on disk before answering.
pub fn check(dir: &Path, pin: &str, policy: &Policy, now: Timestamp) -> Result<Check, PinError> {
    check_in(&PinFiles::staff(dir), pin, policy, now)
}

/// Checks a PIN kept in `files` under the policy, recording the attempt on disk before
/// answering.
pub fn check_in(
    files: &PinFiles,
    pin: &str,
    policy: &Policy,
    now: Timestamp,
) -> Result<Check, PinError> {
    let stored = std::fs::read_to_string(&files.hash).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            PinError::NotSet
        } else {
            PinError::Io(e)
        }
    })?;
    let mut a = load_attempts(files);
    if let Some(until) = a.locked_until.filter(|u| *u > now) {
        return Ok(Check::Locked { until });
    }
    if let Some(retry_at) = a.retry_at.filter(|r| *r > now) {
        return Ok(Check::TooSoon { retry_at });
    }
    if a.locked_until.is_some() {
        // The lockout is over: a fresh set of attempts.
        a = Attempts::default();
    }
    let right = argon()?
        .verify_password(pin.as_bytes(), stored.trim())
        .is_ok();
    let result = if right {
        a = Attempts::default();
        Check::Right
    } else {
        a.failures += 1;
        if a.failures >= policy.attempts {
            let until = after(now, policy.lockout);
            a.locked_until = Some(until);
            a.retry_at = None;
            Check::Locked { until }
        } else {
            let wait = policy.delay.saturating_mul(1 << (a.failures - 1).min(16));
            let retry_at = after(now, wait);
            a.retry_at = Some(retry_at);
            Check::Wrong {
                left: policy.attempts - a.failures,
                retry_at,
            }
        }
    };
    write_atomic(&files.attempts, &serde_json::to_vec(&a).unwrap_or_default())?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            attempts: 3,
            lockout: Duration::from_secs(600),
            delay: Duration::from_secs(1),
        }
    }

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_750_000_000 + s).expect("ts")
    }

    /// The right PIN opens; the stored file holds an argon2id hash, not the PIN, with mode 0600.
    #[test]
    fn right_pin_and_hash_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        set_pin(dir.path(), "4321").expect("set");
        let stored = std::fs::read_to_string(dir.path().join(PIN_FILE)).expect("read");
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(!stored.contains("4321"));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(dir.path().join(PIN_FILE))
                .expect("meta")
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
        assert_eq!(
            check(dir.path(), "4321", &policy(), t(0)).expect("check"),
            Check::Right
        );
    }

    /// Wrong PINs: a doubling delay, then a lockout that holds until it expires.
    #[test]
    fn wrong_pins_delay_then_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        set_pin(dir.path(), "4321").expect("set");
        let p = policy();
        assert_eq!(
            check(dir.path(), "0000", &p, t(0)).expect("check"),
            Check::Wrong {
                left: 2,
                retry_at: t(1)
            }
        );
        assert_eq!(
            check(dir.path(), "4321", &p, t(0)).expect("check"),
            Check::TooSoon { retry_at: t(1) },
            "not even the right PIN during the delay"
        );
        assert_eq!(
            check(dir.path(), "0000", &p, t(1)).expect("check"),
            Check::Wrong {
                left: 1,
                retry_at: t(3)
            }
        );
        assert_eq!(
            check(dir.path(), "0000", &p, t(3)).expect("check"),
            Check::Locked { until: t(603) }
        );
        assert_eq!(
            check(dir.path(), "4321", &p, t(100)).expect("check"),
            Check::Locked { until: t(603) }
        );
        assert_eq!(
            check(dir.path(), "4321", &p, t(603)).expect("check"),
            Check::Right
        );
    }

    /// Short, spaced or missing PINs are refused plainly.
    #[test]
    fn bad_pins() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(matches!(set_pin(dir.path(), "12"), Err(PinError::BadPin)));
        assert!(matches!(
            set_pin(dir.path(), "12 34"),
            Err(PinError::BadPin)
        ));
        assert!(matches!(
            check(dir.path(), "1234", &policy(), t(0)),
            Err(PinError::NotSet)
        ));
    }
}
